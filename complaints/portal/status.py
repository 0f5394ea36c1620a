"""What a customer sees of a complaint: its state in plain words, what they can do next and by
when, and a public timeline. Read-only and presentational; every change goes through services.

The timeline is built from the complaint's audit events (state changes, which hold no free
text) and its public messages. Internal notes are never loaded, and internal events (assignment,
transfer, rework, conflicts) are never shown. Staff appear as "the complaints desk", never by name.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from escalation.clocks import decision_due_at, first_response_due_at

from ..choices import (
    APPEALABLE_CLOSURES,
    OPEN_STATES,
    SUBCATEGORIES,
    ClosureReason,
    MessageKind,
    Phase,
    RemedyState,
    State,
)

# The state as the customer understands it, with a tone for the badge.
CUSTOMER_STATE = {
    State.RECEIVED: (_("Received"), "neutral"),
    State.TRIAGE: (_("Being reviewed"), "neutral"),
    State.AWAITING_CUSTOMER: (_("Waiting for your answer"), "action"),
    State.INVESTIGATING: (_("Under investigation"), "neutral"),
    State.AWAITING_APPROVAL: (_("Decision being checked"), "neutral"),
    State.RESOLUTION_PROPOSED: (_("Decision ready: your answer needed"), "action"),
    State.RESOLVED: (_("Resolved"), "done"),
    State.APPEALED: (_("Under appeal"), "neutral"),
    State.CLOSED: (_("Closed"), "closed"),
    State.ARCHIVED: (_("Closed"), "closed"),
}

# The phases as steps of a progress bar; intake and triage read as one step to a customer.
PHASE_STEPS = [
    ({Phase.INTAKE, Phase.TRIAGE}, pgettext_lazy("phase", "Received")),
    ({Phase.INVESTIGATION}, pgettext_lazy("phase", "Investigation")),
    ({Phase.RESOLUTION}, pgettext_lazy("phase", "Decision")),
    ({Phase.APPEAL}, pgettext_lazy("phase", "Appeal")),
    ({Phase.ARCHIVE}, pgettext_lazy("phase", "Closed")),
]

REMEDY_STATE = {
    RemedyState.PROPOSED: _("Offered"),
    RemedyState.APPROVED: _("Offered"),
    RemedyState.ACCEPTED: _("Accepted: being carried out"),
    RemedyState.EXECUTED: _("Done"),
    RemedyState.FAILED: _("Being carried out"),  # a failed payout is retried by staff
    RemedyState.CANCELLED: _("Withdrawn"),
}

_RATEABLE_CLOSED = {State.CLOSED, State.ARCHIVED}
_NO_WITHDRAW = {State.RESOLVED, State.APPEALED}  # nothing left to withdraw; an appeal is decided


def customer_state(complaint) -> tuple[str, str]:
    return CUSTOMER_STATE[State(complaint.state)]


def phase_label(complaint) -> str:
    return next(label for phases, label in PHASE_STEPS if complaint.phase in phases)


def phase_steps(complaint) -> list[dict]:
    current = next(i for i, (phases, _label) in enumerate(PHASE_STEPS) if complaint.phase in phases)
    return [
        {"label": label, "status": "done" if i < current else "current" if i == current else "todo"}
        for i, (_phases, label) in enumerate(PHASE_STEPS)
    ]


# --- What the customer can do -----------------------------------------------------------------------


@dataclass(frozen=True)
class CustomerActions:
    reply: str | None = None  # "answer" a request, "reopen" by replying, a plain "message", or None
    accept: bool = False
    dispute: bool = False
    appeal: bool = False
    withdraw: bool = False
    rate: bool = False

    @property
    def attach(self) -> bool:
        return self.reply is not None

    @property
    def decide(self) -> bool:
        return self.accept or self.dispute or self.appeal


def _reply_kind(complaint, now) -> str | None:
    if complaint.state == State.AWAITING_CUSTOMER:
        return "answer"
    if complaint.state in OPEN_STATES:
        return "message"
    ends = complaint.reopen_by_reply_ends_at
    if complaint.state == State.CLOSED and ends is not None and now <= ends:
        return "reopen"
    return None


def has_rating(complaint) -> bool:
    try:
        return complaint.rating is not None
    except complaint._meta.model.rating.RelatedObjectDoesNotExist:
        return False


def can_appeal(complaint) -> bool:
    return (
        complaint.state in {State.RESOLUTION_PROPOSED, State.RESOLVED, State.CLOSED}
        and complaint.appealed_at is None
        and (complaint.state != State.CLOSED or complaint.closure_reason in APPEALABLE_CLOSURES)
        and complaint.within_appeal_window()
    )


def customer_actions(user, complaint) -> CustomerActions:
    """The one place that decides which actions the portal offers; the services decide again."""
    if user is None or user.pk != complaint.customer_id or not user.is_active:
        return CustomerActions()
    state = complaint.state
    rateable = state == State.RESOLVED or (state in _RATEABLE_CLOSED and complaint.closure_reason == ClosureReason.DECIDED)
    return CustomerActions(
        reply=_reply_kind(complaint, timezone.now()),
        accept=state == State.RESOLUTION_PROPOSED,
        dispute=state == State.RESOLUTION_PROPOSED and complaint.disputed_at is None,
        appeal=can_appeal(complaint),
        withdraw=state in OPEN_STATES and state not in _NO_WITHDRAW,
        rate=rateable and not has_rating(complaint),
    )


# --- What happens next, and by when ------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    text: str
    urgent: bool = False


def when(moment) -> str:
    """A date and time as the customer reads it, in the page's language; times are UTC."""
    return f"{date_format(timezone.localtime(moment), 'DATETIME_FORMAT')} (UTC)"


def _answer_by(complaint):
    asked = complaint.information_requested_at
    return asked + timedelta(days=settings.REDRESS_NO_RESPONSE_DAYS) if asked else None


def _deadline_steps(complaint, actions: CustomerActions) -> list[Step]:
    """Steps that wait on the customer, each with its date."""
    steps = []
    if complaint.state == State.AWAITING_CUSTOMER:
        answer_by = _answer_by(complaint)
        text = _("We need more information from you: please answer below.")
        if answer_by:
            text = _("We need more information from you: please answer below by %(date)s. If we don't hear from you, we may close your complaint after a reminder.") % {"date": when(answer_by)}
        steps.append(Step(text, urgent=True))
    if complaint.state == State.RESOLUTION_PROPOSED and complaint.deemed_acceptance_at:
        steps.append(Step(_("Our decision is below. Accept it, ask once for a re-review, or appeal. If we don't hear from you by %(date)s, the decision is taken as accepted.") % {"date": when(complaint.deemed_acceptance_at)}, urgent=True))
    if actions.reply == "reopen":
        steps.append(Step(_("We closed your complaint because we did not hear back. You can reopen it by replying below until %(date)s.") % {"date": when(complaint.reopen_by_reply_ends_at)}, urgent=True))
    if actions.appeal:
        steps.append(Step(_("If you disagree with our decision, you can appeal until %(date)s.") % {"date": when(complaint.appeal_window_ends_at)}))
    return steps


def _commitments(complaint, staff_replied: bool) -> list[Step]:
    """What the exchange has committed to, and by when."""
    steps, state = [], complaint.state
    if state in {State.RECEIVED, State.TRIAGE} and not staff_replied:
        steps.append(Step(_("A member of our team will respond by %(date)s.") % {"date": when(first_response_due_at(complaint))}))
    if state in _BEFORE_DECISION and complaint.decided_at is None:
        steps.append(Step(_("We will give you our decision by %(date)s at the latest. If we cannot, we will tell you why and when to expect it.") % {"date": when(decision_due_at(complaint))}))
    return steps


_BEFORE_DECISION = {State.RECEIVED, State.TRIAGE, State.INVESTIGATING, State.AWAITING_APPROVAL, State.AWAITING_CUSTOMER}
_STATE_STEP = {
    State.AWAITING_APPROVAL: _("A senior colleague is checking our proposed decision before we send it to you."),
    State.RESOLVED: _("Our decision is accepted. We are carrying out what we offered."),
    State.APPEALED: _("Someone who did not take the original decision is reviewing your appeal."),
}


def next_steps(complaint, actions: CustomerActions, *, staff_replied: bool) -> list[Step]:
    steps = _deadline_steps(complaint, actions)
    if complaint.state in _STATE_STEP:
        steps.append(Step(_STATE_STEP[complaint.state]))
    if complaint.state == State.INVESTIGATING and complaint.disputed_at is not None:
        steps.append(Step(_("We are looking at our decision again, as you asked.")))
    steps += _commitments(complaint, staff_replied)
    if complaint.state in {State.CLOSED, State.ARCHIVED} and not actions.appeal and actions.reply is None:
        steps.append(Step(_("This complaint is closed. If something new has happened, you can file a new complaint.")))
    if actions.rate:
        steps.append(Step(_("Tell us how we handled your complaint: rate it below.")))
    return steps


# --- The timeline --------------------------------------------------------------------------------------

# The audit actions a customer sees, in their words: (your words, words when someone else acted).
_EVENT_TEXT = {
    "file": (_("You filed your complaint."), _("Your complaint was registered.")),
    "acknowledge": (None, _("We acknowledged your complaint and e-mailed you a confirmation with the deadlines that apply.")),
    "start_investigation": (None, _("We started investigating.")),
    "request_information": (None, _("We asked you for more information.")),
    "receive_information": (_("You sent the information we asked for."), _("We recorded your answer to our request.")),
    "close_for_no_response": (None, _("We closed your complaint because we did not receive the information we asked for.")),
    "reject_out_of_scope": (None, _("We decided this is not a complaint we can decide, and told you where to turn.")),
    "close_as_duplicate": (None, _("We closed this complaint because it repeats another of your complaints.")),
    "propose_resolution": (None, None),  # its decision message says it
    "submit_for_approval": (None, _("Our proposed decision went to a senior colleague for approval.")),
    "approve_resolution": (None, None),  # its decision message says it
    "accept_resolution": (_("You accepted our decision."), _("Our decision was taken as accepted, as we had no answer in time.")),
    "dispute_resolution": (_("You asked us to look at our decision again."), None),
    "appeal": (_("You appealed."), None),
    "decide_appeal": (None, _("An independent reviewer decided your appeal.")),
    "withdraw": (_("You withdrew your complaint."), None),
    "close": (None, _("Your complaint was closed: the decision has been carried out.")),
    "reopen": (_("You replied and your complaint was reopened."), _("We reopened your complaint.")),
    "archive": (None, _("Your complaint was archived.")),
    "remedy_execute": (None, _("Done: %(remedy)s.")),
    "rate": (_("You rated how we handled your complaint."), None),
    "message": (None, None),  # shown through its public message only
}
TIMELINE_ACTIONS = list(_EVENT_TEXT)

_MESSAGE_TITLE = {
    MessageKind.COMMENT: (_("You wrote"), _("The complaints desk wrote")),
    MessageKind.INFORMATION_REQUEST: (None, _("We asked you for more information")),
    MessageKind.INFORMATION_REPLY: (_("Your answer"), _("Your answer, as recorded by us")),
    MessageKind.DECISION: (None, _("Our decision")),
    MessageKind.APPEAL_GROUNDS: (_("Your grounds of appeal"), None),
    MessageKind.APPEAL_DECISION: (None, _("The appeal decision")),
    MessageKind.DISPUTE: (_("What you disagree with"), None),
    MessageKind.WITHDRAWAL: (_("Why you withdrew"), None),
    MessageKind.REOPEN: (_("Your reply"), _("Why we reopened your complaint")),
}


@dataclass
class Entry:
    at: datetime
    text: str = ""
    title: str = ""
    body: str = ""
    by_customer: bool = False
    files: list = field(default_factory=list)
    kind: str = "event"


def _pick(pair, yours: bool) -> str | None:
    mine, theirs = pair
    return (mine or theirs) if yours else (theirs or mine)


def _message_entry(message, customer_id, files) -> Entry:
    yours = message.author_id == customer_id
    title = _pick(_MESSAGE_TITLE.get(message.kind, (_("You wrote"), _("The complaints desk wrote"))), yours)
    return Entry(at=message.created_at, title=title, body=message.body, by_customer=yours, files=files, kind="message")


def _event_text(event, customer_id, remedies) -> str | None:
    yours = event.actor_id is not None and event.actor_id == customer_id
    text = _pick(_EVENT_TEXT[event.action], yours)
    if text and event.action == "remedy_execute":
        remedy = remedies.get(event.data.get("remedy"))
        return text % {"remedy": remedy_label(remedy)} if remedy else None
    return text


def amount(value) -> str:
    """A Decimal(38, 18) without its trailing zeros: 12.5, not 12.500000000000000000."""
    return "" if value is None else f"{value.normalize():f}"


def remedy_label(remedy) -> str:
    label = str(remedy.get_kind_display())
    if remedy.amount is not None:
        return f"{label} {amount(remedy.amount)} {remedy.asset}"
    return label


def subcategory_label(complaint) -> str:
    return str(dict(SUBCATEGORIES.get(complaint.category, [])).get(complaint.subcategory, ""))


def build_timeline(complaint, *, events, messages, evidence, remedies) -> list[Entry]:
    """Events and public messages, oldest first. `messages` must hold public messages only."""
    customer_id = complaint.customer_id
    files_of = {}
    for item in evidence:
        files_of.setdefault(item.message_id, []).append(item)
    public = {message.pk: message for message in messages}
    remedy_by_id = {remedy.pk: remedy for remedy in remedies}
    shown, entries = set(), []
    for event in events:
        message = public.get((event.data or {}).get("message"))
        text = _event_text(event, customer_id, remedy_by_id)
        if message is not None and message.pk not in shown:
            entry = _message_entry(message, customer_id, files_of.get(message.pk, []))
            entry.text = text or ""
            entries.append(entry)
            shown.add(message.pk)
        elif text:
            entries.append(Entry(at=event.at, text=text, by_customer=event.actor_id == customer_id))
    for message in messages:
        if message.pk not in shown:
            entries.append(_message_entry(message, customer_id, files_of.get(message.pk, [])))
    entries.sort(key=lambda entry: entry.at)
    return entries
