"""The transition matrix: every row of DESIGN.md's lifecycle table, through its service.

For each of the 19 transitions: allowed from each source state (and what it records: one
history row, one audit event chained to the head), refused from every other state, refused to
every person who may not take it, refused without each required input, and the rules in the
table's notes. A refusal changes nothing: not the row, its history, its chain, its messages,
its remedies or its outbox.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import ConflictOfInterest, Team
from complaints import services
from complaints.audit import audit_append, verify_chains
from complaints.choices import (
    OPEN_STATES,
    AppealOutcome,
    ClosureReason,
    IdentifierKind,
    InformationItem,
    Liability,
    MessageKind,
    Outcome,
    Priority,
    RemedyKind,
    RemedyState,
    State,
    Visibility,
)
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditChain, Complaint, ComplaintIdentifier, Notification, Remedy
from complaints.services import Decision, RemedyInput


# --- Personas and placing a complaint --------------------------------------------------------------


@pytest.fixture
def p(alice, bob, agent, other_agent, specialist, supervisor, small_supervisor, reviewer, compliance, complaint_in):
    """Everyone in one bag, so table rows can name the person they need."""
    return SimpleNamespace(
        alice=alice, bob=bob, agent=agent, other_agent=other_agent, specialist=specialist,
        supervisor=supervisor, small_supervisor=small_supervisor, reviewer=reviewer,
        compliance=compliance, complaint_in=complaint_in,
    )  # fmt: skip


def who(p, name: str | None):
    return None if name is None else getattr(p, name)


def team(code: str) -> Team:
    return Team.objects.get(code=code)


def _fields_of(state: State, p) -> dict:
    """The fields a complaint that really reached `state` would have."""
    now = timezone.now()
    fields = {"assignee": p.agent}  # so only the state, not the handler rule, can refuse
    if state != State.RECEIVED:
        fields.update(acknowledged_at=now)
    if state not in {State.RECEIVED, State.TRIAGE}:
        fields.update(priority=Priority.P3, team=team("customer_service"), investigation_started_at=now)
    if state == State.AWAITING_CUSTOMER:
        fields.update(return_state=State.INVESTIGATING, information_requested_at=now)
    if state in {State.AWAITING_APPROVAL, State.RESOLUTION_PROPOSED, State.RESOLVED, State.APPEALED,
                 State.CLOSED, State.ARCHIVED}:  # fmt: skip
        fields.update(
            decider=p.agent, outcome=Outcome.PARTLY_UPHELD, liability=Liability.PLATFORM_FAULT,
            reasons="We checked the order book.", recourse="You may appeal within 30 days.",
        )  # fmt: skip
    if state in {State.RESOLUTION_PROPOSED, State.RESOLVED, State.APPEALED, State.CLOSED, State.ARCHIVED}:
        fields.update(decided_at=now)
    if state in {State.RESOLVED, State.CLOSED, State.ARCHIVED}:
        fields.update(resolved_at=now)
    if state == State.APPEALED:
        fields.update(appealed_at=now)
    if state in {State.CLOSED, State.ARCHIVED}:
        fields.update(closure_reason=ClosureReason.DECIDED, closed_at=now)
    if state == State.ARCHIVED:
        fields.update(archived_at=now)
    return fields


def place(p, state: State, **overrides) -> Complaint:
    """Alice's complaint in `state`, with one event already on its chain (so the next event's
    prev_hash is a real hash, not the genesis)."""
    complaint = p.complaint_in(state, **{**_fields_of(state, p), **overrides})
    audit_append(complaint=complaint, actor=complaint.customer, action="file", to_state=State.RECEIVED)
    return complaint


def refund(value="12.5", **changes) -> RemedyInput:
    fields = {"kind": RemedyKind.FEE_REFUND, "amount": Decimal(value), "asset": "USDT",
              "reference_value": Decimal(value)}  # fmt: skip
    return RemedyInput(**{**fields, **changes})


def decision(**changes) -> Decision:
    fields = {
        "outcome": Outcome.PARTLY_UPHELD, "liability": Liability.PLATFORM_FAULT,
        "reasons": "We checked the order book: the fill was 8% off.",
        "recourse": "You may appeal within 30 days, then go to the ombudsman.",
        "remedies": (refund(),),
    }  # fmt: skip
    return Decision(**{**fields, **changes})


def remedy_row(complaint, *, by, value="5000", state=RemedyState.PROPOSED) -> Remedy:
    return Remedy.objects.create(
        complaint=complaint, kind=RemedyKind.COMPENSATION, amount=Decimal(value), asset="USDT",
        reference_value=Decimal(value), proposed_by=by, state=state,
    )  # fmt: skip


def remedy_states(complaint) -> list[str]:
    return list(complaint.remedies.order_by("id").values_list("state", flat=True))


def conflict(user, complaint, *, on: str = "complaint"):
    target = {"complaint": complaint} if on == "complaint" else {"customer": complaint.customer}
    ConflictOfInterest.objects.create(staff=user, reason="Related to the customer.", **target)
    return user


# --- Snapshots: what "nothing changed" and "one step recorded" mean ----------------------------------


def snapshot(complaint) -> dict:
    chain = AuditChain.objects.get(complaint=complaint)
    return {
        "row": Complaint.objects.filter(pk=complaint.pk).values().get(),
        "state": Complaint.objects.values_list("state", flat=True).get(pk=complaint.pk),
        "history": complaint.history.count(),
        "audit": complaint.audit_events.count(),
        "chain_head": (chain.head_seq, chain.head_hash),
        "messages": complaint.messages.count(),
        "remedies": list(complaint.remedies.order_by("id").values_list("id", "state")),
        "notifications": complaint.notifications.count(),
    }


def assert_unchanged(complaint, before: dict) -> None:
    complaint.refresh_from_db()
    assert snapshot(complaint) == before


def assert_step_recorded(complaint, before: dict, action: str, actor, from_state: State) -> None:
    """One history row by the actor, one audit event chained to the old head, chains valid."""
    complaint.refresh_from_db()
    assert complaint.history.count() == before["history"] + 1
    row = complaint.history.order_by("-history_id").first()
    assert row.history_user_id == (actor.pk if actor else None)
    assert row.history_change_reason.startswith(action)
    assert row.state == complaint.state

    assert complaint.audit_events.count() == before["audit"] + 1
    event = complaint.audit_events.order_by("-seq").first()
    head_seq, head_hash = before["chain_head"]
    assert (event.action, event.from_state, event.to_state) == (action, from_state, complaint.state)
    assert event.actor_id == (actor.pk if actor else None)
    assert (event.seq, event.prev_hash) == (head_seq + 1, head_hash)
    assert list(verify_chains()) == []


# --- The table ------------------------------------------------------------------------------------


def _nothing(*args):
    return {}


@dataclass(frozen=True)
class Step:
    """One row of DESIGN.md's transition table, and a typical way to take it.

    `fields(p, source)` adds what the conditions need (a reminder sent, a window passed);
    `inputs(complaint, p)` gives the service's arguments, creating any rows it works on.
    """

    name: str
    sources: tuple[State, ...]
    target: State
    actor: str | None
    inputs: Callable = _nothing
    fields: Callable = _nothing
    check: Callable = _nothing

    def __str__(self):
        return self.name

    def run(self, complaint, actor, inputs):
        return getattr(services, f"complaint_{self.name}")(complaint=complaint, actor=actor, **inputs)


# What each step records beyond its state (called with the refreshed complaint).


def _acknowledged(c, p, source):
    assert c.acknowledged_at is not None
    assert c.notifications.get().kind == Notification.Kind.ACKNOWLEDGEMENT


def _asked(c, p, source):
    assert c.return_state == source and c.information_requested_at is not None
    assert c.messages.get(kind=MessageKind.INFORMATION_REQUEST).author == p.agent
    assert c.notifications.get().kind == Notification.Kind.INFORMATION_REQUEST


def _answered(c, p, source):
    assert (c.return_state, c.information_requested_at, c.information_reminder_sent_at) == ("", None, None)
    assert c.messages.get(kind=MessageKind.INFORMATION_REPLY).author == p.alice


def _closed_as(reason):
    def check(c, p, source):
        assert c.closure_reason == reason and c.closed_at is not None

    return check


def _rejected(c, p, source):
    _closed_as(ClosureReason.OUT_OF_SCOPE)(c, p, source)
    assert (c.decider, c.recourse) == (p.agent, "Write to the tax office.")
    assert c.decided_at is not None  # the legal clock stops
    assert c.messages.get(kind=MessageKind.DECISION).author == p.agent
    assert c.notifications.get().kind == Notification.Kind.CLOSURE


def _duplicate(c, p, source):
    _closed_as(ClosureReason.DUPLICATE)(c, p, source)
    assert c.duplicate_of is not None and c.duplicate_of.customer == p.alice
    assert c.decided_at is not None


def _investigating(c, p, source):
    assert (c.priority, c.team.code) == (Priority.P2, "trade_risk")
    assert c.investigation_started_at is not None


def _proposed(c, p, source):
    assert (c.decider, c.approver, c.outcome, c.liability) == (p.agent, None, Outcome.PARTLY_UPHELD, Liability.PLATFORM_FAULT)
    assert c.decided_at is not None
    assert remedy_states(c) == [RemedyState.PROPOSED]
    assert c.messages.get(kind=MessageKind.DECISION).author == p.agent
    assert c.notifications.get().kind == Notification.Kind.RESOLUTION_PROPOSED


def _submitted(c, p, source):
    assert (c.decider, c.approver) == (p.agent, None)
    assert c.decided_at is None  # not yet communicated: the legal clock still runs
    assert remedy_states(c) == [RemedyState.PROPOSED]
    assert not c.notifications.exists()


def _approved(c, p, source):
    assert c.approver == p.supervisor and c.decided_at is not None
    assert list(c.remedies.values_list("state", "approved_by")) == [(RemedyState.APPROVED, p.supervisor.pk)]
    assert c.notifications.get().kind == Notification.Kind.RESOLUTION_PROPOSED


def _returned(c, p, source):
    assert c.approver is None
    assert remedy_states(c) == [RemedyState.CANCELLED]
    note = c.messages.get(kind=MessageKind.REWORK)
    assert (note.author, note.visibility) == (p.supervisor, Visibility.INTERNAL)


def _accepted(c, p, source):
    assert c.resolved_at is not None
    assert remedy_states(c) == [RemedyState.ACCEPTED]


def _disputed(c, p, source):
    assert c.disputed_at is not None
    assert c.messages.get(kind=MessageKind.DISPUTE).author == p.alice


def _appealed(c, p, source):
    assert c.appealed_at is not None and (c.closure_reason, c.closed_at) == ("", None)
    assert c.messages.get(kind=MessageKind.APPEAL_GROUNDS).author == p.alice


def _appeal_decided(c, p, source):
    assert (c.appeal_reviewer, c.appeal_outcome) == (p.reviewer, AppealOutcome.CONFIRMED)
    assert c.external_recourse == "The financial ombudsman."
    assert c.appeal_decided_at is not None and c.resolved_at == c.appeal_decided_at
    assert c.notifications.get().kind == Notification.Kind.APPEAL_DECISION


def _reopened(c, p, source):
    assert (c.closure_reason, c.closed_at) == ("", None) and c.reopened_at is not None
    assert c.messages.get(kind=MessageKind.REOPEN).visibility == Visibility.INTERNAL


def _archived(c, p, source):
    assert c.archived_at is not None


def _ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def given_remedy(value="5000", **inputs):
    """Inputs for a step that works on a remedy already proposed by the agent."""

    def make(c, p):
        remedy_row(c, by=p.agent, value=value)
        return inputs

    return make


STEPS = [
    Step("acknowledge", (State.RECEIVED,), State.TRIAGE, None, check=_acknowledged),
    Step(
        "request_information", (State.TRIAGE, State.INVESTIGATING, State.APPEALED), State.AWAITING_CUSTOMER, "agent",
        inputs=lambda c, p: {"message": "Please send a screenshot of the withdrawal.", "items": [InformationItem.SCREENSHOT]},
        fields=lambda p, source: {"approver": p.supervisor}, check=_asked,
    ),
    Step(
        "receive_information", (State.AWAITING_CUSTOMER,), State.INVESTIGATING, "alice",
        inputs=lambda c, p: {"message": "Here is the screenshot."}, check=_answered,
    ),
    Step(
        "close_for_no_response", (State.AWAITING_CUSTOMER,), State.CLOSED, None,
        fields=lambda p, source: {"information_requested_at": _ago(settings.REDRESS_NO_RESPONSE_DAYS + 1),
                                  "information_reminder_sent_at": _ago(2)},
        check=_closed_as(ClosureReason.NO_RESPONSE),
    ),
    Step(
        "reject_out_of_scope", (State.TRIAGE,), State.CLOSED, "agent",
        inputs=lambda c, p: {"reasons": "This is a tax question.", "referral": "Write to the tax office."},
        check=_rejected,
    ),
    Step(
        "close_as_duplicate", (State.TRIAGE, State.INVESTIGATING), State.CLOSED, "agent",
        inputs=lambda c, p: {"original": place(p, State.INVESTIGATING)}, check=_duplicate,
    ),
    Step(
        "start_investigation", (State.TRIAGE,), State.INVESTIGATING, "agent",
        inputs=lambda c, p: {"priority": Priority.P2, "team": team("trade_risk")}, check=_investigating,
    ),
    Step(
        "propose_resolution", (State.TRIAGE, State.INVESTIGATING), State.RESOLUTION_PROPOSED, "agent",
        inputs=lambda c, p: {"decision": decision()}, check=_proposed,
    ),
    Step(
        "submit_for_approval", (State.INVESTIGATING,), State.AWAITING_APPROVAL, "agent",
        inputs=lambda c, p: {"decision": decision(remedies=(refund("5000"),))}, check=_submitted,
    ),
    Step(
        "approve_resolution", (State.AWAITING_APPROVAL,), State.RESOLUTION_PROPOSED, "supervisor",
        inputs=given_remedy(), check=_approved,
    ),
    Step(
        "return_for_rework", (State.AWAITING_APPROVAL,), State.INVESTIGATING, "supervisor",
        inputs=given_remedy(reason="Check the fee schedule first."),
        check=_returned,
    ),
    Step(
        "accept_resolution", (State.RESOLUTION_PROPOSED,), State.RESOLVED, "alice",
        inputs=given_remedy("12"), check=_accepted,
    ),
    Step(
        "dispute_resolution", (State.RESOLUTION_PROPOSED,), State.INVESTIGATING, "alice",
        inputs=lambda c, p: {"reason": "The fill price was worse than you say."}, check=_disputed,
    ),
    Step(
        "appeal", (State.RESOLUTION_PROPOSED, State.RESOLVED, State.CLOSED), State.APPEALED, "alice",
        inputs=lambda c, p: {"grounds": "You ignored my screenshots."},
        # Closing a decided complaint needs its appeal window over; a rejection is appealable at once.
        fields=lambda p, source: {"closure_reason": ClosureReason.OUT_OF_SCOPE} if source == State.CLOSED else {},
        check=_appealed,
    ),
    Step(
        "decide_appeal", (State.APPEALED,), State.RESOLVED, "reviewer",
        inputs=lambda c, p: {"outcome": AppealOutcome.CONFIRMED, "reasons": "The original decision stands.",
                             "external_recourse": "The financial ombudsman."},
        fields=lambda p, source: {"approver": p.supervisor}, check=_appeal_decided,
    ),
    Step(
        "withdraw", tuple(OPEN_STATES), State.CLOSED, "alice",
        inputs=lambda c, p: {"reason": "The exchange sorted it out."}, check=_closed_as(ClosureReason.WITHDRAWN),
    ),
    Step(
        "close", (State.RESOLVED,), State.CLOSED, None,
        fields=lambda p, source: {"decided_at": _ago(settings.REDRESS_APPEAL_WINDOW_DAYS + 1)},
        check=_closed_as(ClosureReason.DECIDED),
    ),
    Step(
        "reopen", (State.CLOSED,), State.INVESTIGATING, "supervisor",
        inputs=lambda c, p: {"reason": "The ledger shows a second missing transfer."}, check=_reopened,
    ),
    Step(
        "archive", (State.CLOSED,), State.ARCHIVED, None,
        fields=lambda p, source: {"closed_at": _ago(settings.REDRESS_ARCHIVE_AFTER_DAYS + 1)}, check=_archived,
    ),
]  # fmt: skip
STEP = {step.name: step for step in STEPS}


def place_for(p, step: Step, state: State, **overrides) -> Complaint:
    return place(p, state, **{**step.fields(p, state), **overrides})


def test_the_table_is_the_models_state_machine():
    field = Complaint._meta.get_field("state")
    in_model: dict[str, set] = {}
    for transition in field.get_all_transitions(Complaint):
        in_model.setdefault(transition.name, set()).add(transition.source)
    assert in_model == {step.name: set(step.sources) for step in STEPS}
    assert len(STEPS) == 19


# --- Allowed from each source; refused from every other state ----------------------------------------


ALLOWED = [
    pytest.param(step, source, id=f"{step}-from-{source.value}") for step in STEPS for source in step.sources
]
WRONG_STATES = [
    pytest.param(step, state, id=f"{step}-from-{state.value}")
    for step in STEPS
    for state in State
    if state not in step.sources
]


@pytest.mark.parametrize("step, source", ALLOWED)
def test_each_transition_is_allowed_from_each_of_its_sources(p, step, source):
    complaint = place_for(p, step, source)
    inputs = step.inputs(complaint, p)
    actor = who(p, step.actor)
    before = snapshot(complaint)

    step.run(complaint, actor, inputs)

    complaint.refresh_from_db()
    assert complaint.state == step.target
    assert_step_recorded(complaint, before, step.name, actor, source)
    step.check(complaint, p, source)


@pytest.mark.parametrize("step, state", WRONG_STATES)
def test_each_transition_is_refused_from_every_other_state(p, step, state):
    complaint = place_for(p, step, state)
    inputs = step.inputs(complaint, p)
    before = snapshot(complaint)

    with pytest.raises(WrongState):
        step.run(complaint, who(p, step.actor), inputs)

    assert_unchanged(complaint, before)


# --- Refused to those who may not take it -------------------------------------------------------------


@dataclass(frozen=True)
class Refusal:
    step: str
    actor: Callable  # (p, complaint) -> the person trying, or None for the system
    fields: Callable = _nothing  # (p) -> fields of the complaint
    inputs: Callable = _nothing  # (complaint, p) -> inputs replacing the step's own


def persona(name):
    return lambda p, c: who(p, name)


def conflicted(name, on="complaint"):
    return lambda p, c: conflict(who(p, name), c, on=on)


def deactivated(name):
    def actor(p, c):
        user = who(p, name)
        user.is_active = False
        user.save()
        return user

    return actor


def refused(step, label, actor, **kwargs):
    return pytest.param(Refusal(step, actor, **kwargs), id=f"{step}-by-{label}")


NOT_PERMITTED = [
    refused("acknowledge", "agent", persona("agent")),
    refused("acknowledge", "customer", persona("alice")),
    refused("request_information", "customer", persona("alice")),
    refused("request_information", "compliance", persona("compliance")),
    refused("request_information", "reviewer-outside-an-appeal", persona("reviewer")),
    refused("request_information", "agent-conflicted-on-complaint", conflicted("agent")),
    refused("request_information", "agent-conflicted-on-customer", conflicted("agent", on="customer")),
    refused("receive_information", "bob", persona("bob")),
    refused("receive_information", "compliance", persona("compliance")),
    refused("receive_information", "system", persona(None)),
    refused("receive_information", "agent-conflicted", conflicted("agent")),
    refused("close_for_no_response", "agent", persona("agent")),
    refused("close_for_no_response", "customer", persona("alice")),
    refused("reject_out_of_scope", "customer", persona("alice")),
    refused("reject_out_of_scope", "compliance", persona("compliance")),
    refused("reject_out_of_scope", "agent-conflicted-on-complaint", conflicted("agent")),
    refused("reject_out_of_scope", "agent-conflicted-on-customer", conflicted("agent", on="customer")),
    refused("close_as_duplicate", "customer", persona("alice")),
    refused("close_as_duplicate", "bob", persona("bob")),
    refused("close_as_duplicate", "compliance", persona("compliance")),
    refused("close_as_duplicate", "agent-conflicted", conflicted("agent")),
    refused("start_investigation", "customer", persona("alice")),
    refused("start_investigation", "compliance", persona("compliance")),
    refused("start_investigation", "reviewer", persona("reviewer")),
    refused("start_investigation", "specialist-conflicted", conflicted("specialist")),
    refused("propose_resolution", "non-handler", persona("other_agent")),
    refused("propose_resolution", "supervisor-not-handling", persona("supervisor")),
    refused("propose_resolution", "customer", persona("alice")),
    refused("propose_resolution", "compliance", persona("compliance")),
    refused("propose_resolution", "handler-deactivated", deactivated("agent")),
    refused("propose_resolution", "handler-conflicted-on-complaint", conflicted("agent")),
    refused("propose_resolution", "handler-conflicted-on-customer", conflicted("agent", on="customer")),
    refused("propose_resolution", "handler-over-their-limit", persona("agent"),
            inputs=lambda c, p: {"decision": decision(remedies=(refund("501"),))}),
    refused("propose_resolution", "handler-splitting-a-payout-under-their-limit", persona("agent"),
            inputs=lambda c, p: {"decision": decision(remedies=(refund("300"), refund("300")))}),
    refused("submit_for_approval", "non-handler", persona("other_agent")),
    refused("submit_for_approval", "customer", persona("alice")),
    refused("submit_for_approval", "handler-conflicted", conflicted("agent")),
    refused("approve_resolution", "agent", persona("agent")),
    refused("approve_resolution", "specialist", persona("specialist")),
    refused("approve_resolution", "compliance", persona("compliance")),
    refused("approve_resolution", "customer", persona("alice")),
    refused("approve_resolution", "reviewer", persona("reviewer")),
    refused("approve_resolution", "the-proposer", persona("supervisor"), fields=lambda p: {"decider": p.supervisor}),
    refused("approve_resolution", "supervisor-below-the-total", persona("small_supervisor")),
    refused("approve_resolution", "supervisor-conflicted-on-complaint", conflicted("supervisor")),
    refused("approve_resolution", "supervisor-conflicted-on-customer", conflicted("supervisor", on="customer")),
    refused("return_for_rework", "agent", persona("agent")),
    refused("return_for_rework", "compliance", persona("compliance")),
    refused("return_for_rework", "customer", persona("alice")),
    refused("return_for_rework", "the-proposer", persona("supervisor"), fields=lambda p: {"decider": p.supervisor}),
    refused("return_for_rework", "supervisor-conflicted", conflicted("supervisor")),
    refused("accept_resolution", "bob", persona("bob")),
    refused("accept_resolution", "agent", persona("agent")),
    refused("accept_resolution", "supervisor", persona("supervisor")),
    refused("accept_resolution", "compliance", persona("compliance")),
    refused("accept_resolution", "customer-deactivated", deactivated("alice")),
    refused("dispute_resolution", "bob", persona("bob")),
    refused("dispute_resolution", "agent", persona("agent")),
    refused("dispute_resolution", "system", persona(None)),
    refused("appeal", "bob", persona("bob")),
    refused("appeal", "agent", persona("agent")),
    refused("appeal", "compliance", persona("compliance")),
    refused("appeal", "system", persona(None)),
    refused("appeal", "customer-deactivated", deactivated("alice")),
    refused("decide_appeal", "agent", persona("agent")),
    refused("decide_appeal", "supervisor", persona("supervisor")),
    refused("decide_appeal", "compliance", persona("compliance")),
    refused("decide_appeal", "customer", persona("alice")),
    refused("decide_appeal", "the-decider", persona("reviewer"), fields=lambda p: {"decider": p.reviewer}),
    refused("decide_appeal", "the-approver", persona("reviewer"), fields=lambda p: {"approver": p.reviewer}),
    refused("decide_appeal", "reviewer-conflicted", conflicted("reviewer")),
    refused("withdraw", "bob", persona("bob")),
    refused("withdraw", "agent", persona("agent")),
    refused("withdraw", "supervisor", persona("supervisor")),
    refused("withdraw", "system", persona(None)),
    refused("withdraw", "customer-deactivated", deactivated("alice")),
    refused("close", "agent", persona("agent")),
    refused("close", "supervisor", persona("supervisor")),
    refused("close", "customer", persona("alice")),
    refused("reopen", "agent", persona("agent")),
    refused("reopen", "compliance", persona("compliance")),
    refused("reopen", "reviewer", persona("reviewer")),
    refused("reopen", "bob", persona("bob")),
    refused("reopen", "system", persona(None)),
    refused("reopen", "supervisor-conflicted", conflicted("supervisor")),
    refused("archive", "agent", persona("agent")),
    refused("archive", "supervisor", persona("supervisor")),
    refused("archive", "compliance", persona("compliance")),
]  # fmt: skip


@pytest.mark.parametrize("refusal", NOT_PERMITTED)
def test_each_transition_is_refused_to_those_who_may_not_take_it(p, refusal):
    step = STEP[refusal.step]
    complaint = place_for(p, step, step.sources[0], **refusal.fields(p))
    inputs = {**step.inputs(complaint, p), **refusal.inputs(complaint, p)}
    actor = refusal.actor(p, complaint)
    before = snapshot(complaint)

    with pytest.raises(NotPermitted):
        step.run(complaint, actor, inputs)

    assert_unchanged(complaint, before)


# --- Refused without each required input --------------------------------------------------------------


def bad(step, field, inputs, label=""):
    return pytest.param(step, field, inputs, id=f"{step}-{label or field}")


def with_decision(**changes):
    return lambda c, p: {"decision": decision(**changes)}


def with_remedy(**changes):
    return with_decision(remedies=(refund(**changes),))


def _a_duplicate_as_original(c, p):
    original = place(p, State.INVESTIGATING)
    return {"original": place(p, State.CLOSED, closure_reason=ClosureReason.DUPLICATE, duplicate_of=original)}


BAD_INPUTS = [
    bad("request_information", "message", lambda c, p: {"message": ""}, "empty-message"),
    bad("request_information", "message", lambda c, p: {"message": "  \n "}, "blank-message"),
    bad("request_information", "items", lambda c, p: {"items": ["passport_selfie"]}, "unknown-item"),
    bad("receive_information", "message", lambda c, p: {"message": " "}),
    bad("reject_out_of_scope", "reasons", lambda c, p: {"reasons": ""}),
    bad("reject_out_of_scope", "referral", lambda c, p: {"referral": "   "}),
    bad("close_as_duplicate", "original", lambda c, p: {"original": None}, "no-original"),
    bad("close_as_duplicate", "original", lambda c, p: {"original": c}, "itself"),
    bad("close_as_duplicate", "original", lambda c, p: {"original": place(p, State.INVESTIGATING, customer=p.bob)},
        "another-customers-complaint"),
    bad("close_as_duplicate", "original", _a_duplicate_as_original, "a-duplicate"),
    bad("start_investigation", "priority", lambda c, p: {"priority": ""}, "no-priority"),
    bad("start_investigation", "priority", lambda c, p: {"priority": "P9"}, "bad-priority"),
    bad("start_investigation", "team", lambda c, p: {"team": None}, "no-team"),
    bad("start_investigation", "category", lambda c, p: {"category": "crypto"}, "bad-category"),
    bad("start_investigation", "assignee", lambda c, p: {"assignee": p.compliance}, "assignee-who-cannot-work"),
    bad("start_investigation", "assignee", lambda c, p: {"assignee": conflict(p.other_agent, c)}, "conflicted-assignee"),
    bad("propose_resolution", "outcome", with_decision(outcome=""), "no-outcome"),
    bad("propose_resolution", "outcome", with_decision(outcome="won"), "bad-outcome"),
    bad("propose_resolution", "liability", with_decision(liability="nobody"), "bad-liability"),
    bad("propose_resolution", "reasons", with_decision(reasons="  "), "blank-reasons"),
    bad("propose_resolution", "recourse", with_decision(recourse=""), "no-recourse"),
    bad("propose_resolution", "remedies", with_decision(remedies=()), "no-remedies"),
    bad("propose_resolution", "remedies", with_remedy(kind="cash"), "unknown-remedy"),
    bad("propose_resolution", "remedies", with_remedy(kind=RemedyKind.COMPENSATION, amount=None), "monetary-without-amount"),
    bad("propose_resolution", "remedies", with_remedy(amount=Decimal("0")), "monetary-zero-amount"),
    bad("propose_resolution", "remedies", with_remedy(amount=Decimal("-5")), "negative-amount"),
    bad("propose_resolution", "remedies", with_remedy(amount="ten"), "amount-not-a-number"),
    bad("propose_resolution", "remedies", with_remedy(amount=Decimal("1e-19")), "amount-too-precise"),
    bad("propose_resolution", "remedies", with_remedy(asset=" "), "monetary-without-asset"),
    bad("propose_resolution", "remedies", with_remedy(kind=RemedyKind.APOLOGY), "apology-with-amount"),
    bad("propose_resolution", "remedies", with_remedy(reference_value=Decimal("-1")), "negative-reference-value"),
    bad("submit_for_approval", "reasons", with_decision(reasons="", remedies=(refund("5000"),)), "no-reasons"),
    bad("submit_for_approval", "remedies", with_decision(remedies=()), "no-remedies"),
    bad("submit_for_approval", "remedies", with_decision(remedies=(refund("5000", amount=Decimal("-5000")),)),
        "negative-amount"),
    bad("return_for_rework", "reason", lambda c, p: {"reason": ""}),
    bad("dispute_resolution", "reason", lambda c, p: {"reason": " "}),
    bad("appeal", "grounds", lambda c, p: {"grounds": ""}, "no-grounds"),
    bad("appeal", "grounds", lambda c, p: {"grounds": "\t "}, "blank-grounds"),
    bad("decide_appeal", "outcome", lambda c, p: {"outcome": "overturned"}, "bad-outcome"),
    bad("decide_appeal", "reasons", lambda c, p: {"reasons": ""}, "no-reasons"),
    bad("decide_appeal", "external_recourse", lambda c, p: {"external_recourse": " "}, "no-external-recourse"),
    bad("decide_appeal", "remedies", lambda c, p: {"outcome": AppealOutcome.CHANGED}, "changed-without-remedies"),
    bad("decide_appeal", "remedies",
        lambda c, p: {"outcome": AppealOutcome.CHANGED, "remedies": [refund(amount=Decimal("-1"))]},
        "changed-with-negative-amount"),
    bad("reopen", "reason", lambda c, p: {"reason": ""}),
]  # fmt: skip


@pytest.mark.parametrize("step_name, field, bad_inputs", BAD_INPUTS)
def test_each_transition_is_refused_without_its_required_inputs(p, step_name, field, bad_inputs):
    step = STEP[step_name]
    complaint = place_for(p, step, step.sources[0])
    inputs = {**step.inputs(complaint, p), **bad_inputs(complaint, p)}
    before = snapshot(complaint)

    with pytest.raises(ValidationError) as refused_input:
        step.run(complaint, who(p, step.actor), inputs)

    assert field in refused_input.value.message_dict
    assert_unchanged(complaint, before)


# --- The rules in the table's notes ---------------------------------------------------------------------


@pytest.mark.parametrize("source", [State.TRIAGE, State.INVESTIGATING, State.APPEALED])
def test_receiving_information_returns_to_the_state_the_request_came_from(p, source):
    complaint = place(p, source, approver=p.supervisor)
    services.complaint_request_information(complaint=complaint, actor=p.agent, message="Which wallet?")
    complaint.refresh_from_db()
    assert (complaint.state, complaint.return_state) == (State.AWAITING_CUSTOMER, source)

    services.complaint_receive_information(complaint=complaint, actor=p.alice, message="TRX wallet T9yD…")

    complaint.refresh_from_db()
    assert (complaint.state, complaint.return_state) == (source, "")


def test_staff_may_log_an_answer_the_customer_gave_by_phone(p):
    complaint = place(p, State.AWAITING_CUSTOMER, return_state=State.TRIAGE)
    before = snapshot(complaint)

    services.complaint_receive_information(complaint=complaint, actor=p.agent, message="Customer called: TRX.")

    assert_step_recorded(complaint, before, "receive_information", p.agent, State.AWAITING_CUSTOMER)
    assert complaint.state == State.TRIAGE
    assert complaint.messages.get(kind=MessageKind.INFORMATION_REPLY).channel == "phone"


@pytest.mark.parametrize("verified, refused", [(True, True), (False, False)])
def test_an_identity_document_is_never_asked_of_a_verified_customer(p, verified, refused):
    p.alice.customer_profile.verified = verified
    p.alice.customer_profile.save()
    complaint = place(p, State.TRIAGE)
    before = snapshot(complaint)
    ask = dict(complaint=complaint, actor=p.agent, message="Send your passport.", items=[InformationItem.IDENTITY_DOCUMENT])

    if refused:
        with pytest.raises(ValidationError) as error:
            services.complaint_request_information(**ask)
        assert "items" in error.value.message_dict
        assert_unchanged(complaint, before)
    else:
        services.complaint_request_information(**ask)
        complaint.refresh_from_db()
        assert complaint.state == State.AWAITING_CUSTOMER


@pytest.mark.parametrize("item, refused", [(InformationItem.ORDER_ID, True), (InformationItem.TX_HASH, False)])
def test_order_ids_the_complaint_already_names_are_never_asked_for(p, item, refused):
    complaint = place(p, State.INVESTIGATING)
    ComplaintIdentifier.objects.create(complaint=complaint, kind=IdentifierKind.ORDER_ID, value="ORD-12345")
    before = snapshot(complaint)
    ask = dict(complaint=complaint, actor=p.agent, message="Which order or transfer?", items=[item])

    if refused:
        with pytest.raises(ValidationError) as error:
            services.complaint_request_information(**ask)
        assert "items" in error.value.message_dict
        assert_unchanged(complaint, before)
    else:
        services.complaint_request_information(**ask)
        complaint.refresh_from_db()
        assert complaint.state == State.AWAITING_CUSTOMER


def test_a_complaint_is_appealed_only_once_even_after_the_appeal_decision(p):
    complaint = place(p, State.RESOLVED)
    services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="You ignored my screenshots.")
    services.complaint_decide_appeal(
        complaint=complaint, actor=p.reviewer, outcome=AppealOutcome.CONFIRMED,
        reasons="The decision stands.", external_recourse="The financial ombudsman.",
    )  # fmt: skip
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED and complaint.within_appeal_window()
    before = snapshot(complaint)

    with pytest.raises(WrongState, match="already been appealed"):
        services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="Still unhappy.")

    assert_unchanged(complaint, before)


@pytest.mark.parametrize("source", [State.RESOLUTION_PROPOSED, State.RESOLVED, State.CLOSED])
def test_an_appeal_after_the_window_is_refused(p, source):
    step = STEP["appeal"]
    complaint = place_for(p, step, source)
    window = timedelta(days=settings.REDRESS_APPEAL_WINDOW_DAYS)

    with time_machine.travel(complaint.decided_at + window - timedelta(minutes=1), tick=False):
        assert complaint.within_appeal_window()
    with time_machine.travel(complaint.decided_at + window + timedelta(minutes=1), tick=False):
        before = snapshot(complaint)
        with pytest.raises(WrongState, match="appeal window closed"):
            services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="Late, sorry.")
        assert_unchanged(complaint, before)


def test_an_appeal_on_the_last_day_of_the_window_is_allowed(p):
    complaint = place(p, State.RESOLVED)
    last_minute = complaint.decided_at + timedelta(days=settings.REDRESS_APPEAL_WINDOW_DAYS) - timedelta(minutes=1)

    with time_machine.travel(last_minute, tick=False):
        services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="Just in time.")

    complaint.refresh_from_db()
    assert complaint.state == State.APPEALED


@pytest.mark.parametrize(
    "closure_reason, allowed",
    [
        (ClosureReason.OUT_OF_SCOPE, True),
        (ClosureReason.NO_RESPONSE, True),
        (ClosureReason.WITHDRAWN, False),
        (ClosureReason.DUPLICATE, False),
    ],
)
def test_a_closed_complaint_is_appealable_only_when_closed_by_rejection_decision_or_no_response(p, closure_reason, allowed):
    # Closed today; a no-response closure has no decision, its window opens at closing.
    decided_at = None if closure_reason == ClosureReason.NO_RESPONSE else timezone.now()
    complaint = place(p, State.CLOSED, closure_reason=closure_reason, decided_at=decided_at)
    before = snapshot(complaint)

    if allowed:
        services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="I did answer, by phone.")
        assert_step_recorded(complaint, before, "appeal", p.alice, State.CLOSED)
        assert complaint.state == State.APPEALED
    else:
        with pytest.raises(WrongState, match="can't be appealed"):
            services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="Please look again.")
        assert_unchanged(complaint, before)


def test_a_proposed_resolution_is_disputed_only_once_then_it_is_accept_or_appeal(p):
    complaint = place(p, State.RESOLUTION_PROPOSED)
    services.complaint_dispute_resolution(complaint=complaint, actor=p.alice, reason="The fee was higher.")
    services.complaint_propose_resolution(complaint=complaint, actor=p.agent, decision=decision())
    before = snapshot(complaint)

    with pytest.raises(WrongState, match="already asked for one re-review"):
        services.complaint_dispute_resolution(complaint=complaint, actor=p.alice, reason="Still wrong.")

    assert_unchanged(complaint, before)
    services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="The re-review missed the fee.")
    complaint.refresh_from_db()
    assert complaint.state == State.APPEALED


def test_the_system_deems_a_resolution_accepted_only_after_the_period(p):
    complaint = place(p, State.RESOLUTION_PROPOSED)
    remedy_row(complaint, by=p.agent, value="12")
    deemed_at = complaint.decided_at + timedelta(days=settings.REDRESS_DEEMED_ACCEPTANCE_DAYS)
    before = snapshot(complaint)

    with time_machine.travel(deemed_at - timedelta(minutes=1), tick=False):
        with pytest.raises(WrongState, match="has until"):
            services.complaint_accept_resolution(complaint=complaint, actor=None)
    assert_unchanged(complaint, before)

    with time_machine.travel(deemed_at + timedelta(minutes=1), tick=False):
        services.complaint_accept_resolution(complaint=complaint, actor=None)

    assert_step_recorded(complaint, before, "accept_resolution", None, State.RESOLUTION_PROPOSED)
    assert complaint.state == State.RESOLVED
    assert remedy_states(complaint) == [RemedyState.ACCEPTED]
    assert complaint.audit_events.order_by("-seq").first().data["deemed"] is True


def test_closing_is_refused_while_the_appeal_window_is_open(p):
    complaint = place(p, State.RESOLVED)  # decided just now
    before = snapshot(complaint)

    with pytest.raises(WrongState, match="appeal window is open"):
        services.complaint_close(complaint=complaint)

    assert_unchanged(complaint, before)
    with time_machine.travel(complaint.appeal_window_ends_at + timedelta(minutes=1), tick=False):
        services.complaint_close(complaint=complaint)
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED


def test_a_complaint_appealed_after_a_no_response_closure_closes_after_the_appeal_decision(p):
    # The appeal clears the closing time its window ran from; closing must not wait forever.
    complaint = place_for(p, STEP["close_for_no_response"], State.AWAITING_CUSTOMER)
    services.complaint_close_for_no_response(complaint=complaint)
    services.complaint_appeal(complaint=complaint, actor=p.alice, grounds="I did answer, by phone.")
    services.complaint_decide_appeal(
        complaint=complaint, actor=p.reviewer, outcome=AppealOutcome.CONFIRMED,
        reasons="No answer reached us.", external_recourse="The financial ombudsman.",
    )  # fmt: skip
    complaint.refresh_from_db()
    before = snapshot(complaint)

    services.complaint_close(complaint=complaint)

    assert_step_recorded(complaint, before, "close", None, State.RESOLVED)
    assert complaint.closure_reason == ClosureReason.DECIDED


@pytest.mark.parametrize(
    "remedy_state, allowed",
    [
        (RemedyState.PROPOSED, False),
        (RemedyState.APPROVED, False),
        (RemedyState.ACCEPTED, False),
        (RemedyState.FAILED, False),
        (RemedyState.EXECUTED, True),
        (RemedyState.CANCELLED, True),
    ],
)
def test_closing_waits_until_every_remedy_is_executed_or_cancelled(p, remedy_state, allowed):
    complaint = place_for(p, STEP["close"], State.RESOLVED)
    remedy_row(complaint, by=p.agent, value="12", state=remedy_state)
    before = snapshot(complaint)

    if allowed:
        services.complaint_close(complaint=complaint)
        assert_step_recorded(complaint, before, "close", None, State.RESOLVED)
    else:
        with pytest.raises(WrongState, match="neither executed nor cancelled"):
            services.complaint_close(complaint=complaint)
        assert_unchanged(complaint, before)


@pytest.mark.parametrize(
    "requested_days_ago, reminded",
    [
        pytest.param(settings.REDRESS_NO_RESPONSE_DAYS + 1, False, id="no-reminder"),
        pytest.param(settings.REDRESS_NO_RESPONSE_DAYS - 1, True, id="too-early"),
    ],
)
def test_closing_for_no_response_needs_a_reminder_and_the_period(p, requested_days_ago, reminded):
    complaint = place(
        p, State.AWAITING_CUSTOMER, information_requested_at=_ago(requested_days_ago),
        information_reminder_sent_at=_ago(1) if reminded else None,
    )  # fmt: skip
    before = snapshot(complaint)

    with pytest.raises(WrongState, match="still has time"):
        services.complaint_close_for_no_response(complaint=complaint)

    assert_unchanged(complaint, before)


@pytest.mark.parametrize(
    "fields, message",
    [
        pytest.param({"legal_hold": True}, "legal hold", id="legal-hold"),
        pytest.param({"closed_at": _ago(1)}, "archive period", id="too-early"),
    ],
)
def test_archiving_is_refused_under_a_legal_hold_or_before_the_period(p, fields, message):
    complaint = place_for(p, STEP["archive"], State.CLOSED, **fields)
    before = snapshot(complaint)

    with pytest.raises(WrongState, match=message):
        services.complaint_archive(complaint=complaint)

    assert_unchanged(complaint, before)


def test_the_customer_reopens_by_replying_within_the_window_after_a_no_response_closure(p):
    complaint = place(p, State.CLOSED, closure_reason=ClosureReason.NO_RESPONSE, closed_at=_ago(5))
    before = snapshot(complaint)

    services.complaint_reopen(complaint=complaint, actor=p.alice, reason="Sorry, I was travelling: TRX.")

    assert_step_recorded(complaint, before, "reopen", p.alice, State.CLOSED)
    assert complaint.state == State.INVESTIGATING
    assert complaint.messages.get(kind=MessageKind.REOPEN).visibility == Visibility.PUBLIC


@pytest.mark.parametrize(
    "closure_reason, closed_days_ago",
    [
        pytest.param(ClosureReason.NO_RESPONSE, settings.REDRESS_REOPEN_WINDOW_DAYS + 1, id="no-response-window-over"),
        pytest.param(ClosureReason.WITHDRAWN, 1, id="withdrawn"),
        pytest.param(ClosureReason.OUT_OF_SCOPE, 1, id="out-of-scope"),
        pytest.param(ClosureReason.DECIDED, 1, id="decided"),
    ],
)
def test_the_customer_cannot_reopen_otherwise(p, closure_reason, closed_days_ago):
    complaint = place(p, State.CLOSED, closure_reason=closure_reason, closed_at=_ago(closed_days_ago))
    before = snapshot(complaint)

    with pytest.raises(WrongState):
        services.complaint_reopen(complaint=complaint, actor=p.alice, reason="Please look again.")

    assert_unchanged(complaint, before)


def test_submitting_for_approval_is_refused_within_the_proposers_limit(p):
    complaint = place(p, State.INVESTIGATING)
    before = snapshot(complaint)

    with pytest.raises(WrongState, match="within your own limit"):
        services.complaint_submit_for_approval(complaint=complaint, actor=p.agent, decision=decision())

    assert_unchanged(complaint, before)


def test_approval_moves_the_remedies_to_approved_and_records_the_approver(p):
    complaint = place(p, State.INVESTIGATING)
    big = decision(remedies=(refund("4000"), refund("100", kind=RemedyKind.COMPENSATION)))
    services.complaint_submit_for_approval(complaint=complaint, actor=p.agent, decision=big)
    before = snapshot(complaint)

    services.complaint_approve_resolution(complaint=complaint, actor=p.supervisor)

    assert_step_recorded(complaint, before, "approve_resolution", p.supervisor, State.AWAITING_APPROVAL)
    assert (complaint.state, complaint.decider, complaint.approver) == (State.RESOLUTION_PROPOSED, p.agent, p.supervisor)
    assert set(complaint.remedies.values_list("state", "approved_by", "proposed_by")) == {
        (RemedyState.APPROVED, p.supervisor.pk, p.agent.pk)
    }
    services.complaint_accept_resolution(complaint=complaint, actor=p.alice)
    assert remedy_states(complaint) == [RemedyState.ACCEPTED, RemedyState.ACCEPTED]


def test_a_resolution_returned_for_rework_can_be_proposed_again(p):
    complaint = place(p, State.INVESTIGATING)
    services.complaint_submit_for_approval(
        complaint=complaint, actor=p.agent, decision=decision(remedies=(refund("4000"),))
    )
    services.complaint_return_for_rework(complaint=complaint, actor=p.supervisor, reason="Too generous.")
    services.complaint_propose_resolution(complaint=complaint, actor=p.agent, decision=decision())

    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED
    assert remedy_states(complaint) == [RemedyState.CANCELLED, RemedyState.PROPOSED]


def test_a_changed_appeal_decision_grants_new_remedies_at_once(p):
    complaint = place(p, State.APPEALED, approver=p.supervisor)

    services.complaint_decide_appeal(
        complaint=complaint, actor=p.reviewer, outcome=AppealOutcome.CHANGED, reasons="The fill was late.",
        external_recourse="The financial ombudsman.", remedies=[refund("40")],
    )  # fmt: skip

    complaint.refresh_from_db()
    assert (complaint.state, complaint.appeal_outcome) == (State.RESOLVED, AppealOutcome.CHANGED)
    assert list(complaint.remedies.values_list("state", "from_appeal", "proposed_by")) == [
        (RemedyState.ACCEPTED, True, p.reviewer.pk)
    ]


@pytest.mark.parametrize(
    "remedy_state, after",
    [
        (RemedyState.PROPOSED, RemedyState.CANCELLED),
        (RemedyState.APPROVED, RemedyState.CANCELLED),
        (RemedyState.ACCEPTED, RemedyState.CANCELLED),
        (RemedyState.FAILED, RemedyState.CANCELLED),
        (RemedyState.EXECUTED, RemedyState.EXECUTED),
        (RemedyState.CANCELLED, RemedyState.CANCELLED),
    ],
)
def test_withdrawing_cancels_every_unsettled_remedy(p, remedy_state, after):
    complaint = place(p, State.RESOLVED)
    remedy_row(complaint, by=p.agent, value="12", state=remedy_state)

    services.complaint_withdraw(complaint=complaint, actor=p.alice)

    complaint.refresh_from_db()
    assert complaint.closure_reason == ClosureReason.WITHDRAWN
    assert remedy_states(complaint) == [after]


# --- Side effects happen only once the transaction commits -----------------------------------------------


NOTIFYING = [
    pytest.param("acknowledge", State.RECEIVED, Notification.Kind.ACKNOWLEDGEMENT, id="acknowledge"),
    pytest.param("request_information", State.INVESTIGATING, Notification.Kind.INFORMATION_REQUEST,
                 id="request_information"),
    pytest.param("propose_resolution", State.INVESTIGATING, Notification.Kind.RESOLUTION_PROPOSED,
                 id="propose_resolution"),
]  # fmt: skip


@pytest.mark.parametrize("name, source, kind", NOTIFYING)
def test_the_notification_is_sent_only_when_the_transition_commits(
    p, name, source, kind, django_capture_on_commit_callbacks, mailoutbox
):
    step = STEP[name]
    complaint = place_for(p, step, source)
    inputs = step.inputs(complaint, p)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        step.run(complaint, who(p, step.actor), inputs)

    notification = Notification.objects.get(complaint=complaint)
    assert (notification.kind, notification.status) == (kind, Notification.Status.PENDING)
    assert len(callbacks) == 1 and mailoutbox == []

    callbacks[0]()  # what the commit would run

    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert [message.to for message in mailoutbox] == [[p.alice.email]]


@pytest.mark.parametrize("name, source, kind", NOTIFYING)
def test_nothing_is_queued_when_the_surrounding_transaction_rolls_back(
    p, name, source, kind, django_capture_on_commit_callbacks, mailoutbox
):
    step = STEP[name]
    complaint = place_for(p, step, source)
    inputs = step.inputs(complaint, p)
    before = snapshot(complaint)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            step.run(complaint, who(p, step.actor), inputs)
            raise RuntimeError("the caller fails after the service returned")

    assert callbacks == []
    assert Notification.objects.count() == 0 and mailoutbox == []
    assert_unchanged(complaint, before)


def test_deemed_acceptance_is_refused_when_no_decision_date_was_recorded(complaint_in, agent):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, assignee=agent, decider=agent, decided_at=None)
    with pytest.raises(WrongState):
        services.complaint_accept_resolution(complaint=complaint, actor=None)
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED


def test_the_appeals_reviewer_logs_a_phone_answer_while_the_appeal_awaits_the_customer(complaint_in, reviewer):
    complaint = complaint_in(State.AWAITING_CUSTOMER, return_state=State.APPEALED)
    complaint = services.complaint_receive_information(complaint=complaint, actor=reviewer, message="Customer called: tx sent at 14:02")
    assert complaint.state == State.APPEALED
