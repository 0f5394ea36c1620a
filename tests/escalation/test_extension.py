"""Extending the regulatory decision deadline: a recorded, audited action the customer is told of."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import Team
from complaints import services
from complaints.choices import Category, Liability, Outcome, RemedyKind
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditEvent, Notification
from escalation.models import DeadlineExtension
from escalation.queries import customer_deadlines
from escalation.services import deadline_extend

from .conftest import clock_of, file_complaint, set_jurisdiction

REASON = "We are waiting for the blockchain analytics report on the withdrawal."


def test_an_extension_moves_the_deadline_audits_it_and_tells_the_customer(alice, agent, monday, django_capture_on_commit_callbacks):
    complaint = file_complaint(alice)
    before = clock_of(complaint).decision_due_at
    with django_capture_on_commit_callbacks() as callbacks:
        extension = deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 15), reason=REASON)
    assert extension.previous_due_at == before
    assert extension.new_due_at == datetime(2027, 2, 15, 23, 59, 59, 999999, tzinfo=UTC)  # the end of that day
    assert clock_of(complaint).decision_due_at == extension.new_due_at
    event = AuditEvent.objects.filter(complaint=complaint).latest("seq")
    assert event.action == "deadline_extended" and event.actor == agent
    assert event.data["extension"] == extension.pk and "blockchain" not in str(event.data)
    notice = Notification.objects.get(complaint=complaint, kind=Notification.Kind.DEADLINE_EXTENSION)
    assert REASON in notice.body_text and "Feb. 15, 2027" in notice.body_text and "Jan. 23, 2027" in notice.body_text
    assert len(callbacks) == 1  # the e-mail goes after commit
    deadlines = customer_deadlines(complaint)
    assert deadlines.decision_extended and deadlines.extension_reason == REASON
    assert deadlines.decision_due_at == extension.new_due_at


def test_a_second_extension_builds_on_the_first(alice, agent, monday):
    complaint = file_complaint(alice)
    deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 15), reason=REASON)
    with pytest.raises(ValidationError, match="later than the current deadline"):
        deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 1), reason=REASON)
    deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 3, 1), reason="Still waiting.")
    assert clock_of(complaint).decision_due_at.date() == date(2027, 3, 1)
    assert DeadlineExtension.objects.filter(complaint=complaint).count() == 2


def test_an_extension_is_refused_without_a_reason_or_to_an_earlier_date(alice, agent, monday):
    complaint = file_complaint(alice)
    with pytest.raises(ValidationError, match="why"):
        deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 15), reason="  ")
    with pytest.raises(ValidationError, match="later than the current deadline"):
        deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 1, 10), reason=REASON)
    assert not DeadlineExtension.objects.exists()
    assert not Notification.objects.filter(kind=Notification.Kind.DEADLINE_EXTENSION).exists()


def test_the_regimes_limit_holds(alice, agent, monday):
    # A UK payment-services complaint: 15 business days, 35 at most.
    complaint = file_complaint(set_jurisdiction(alice, "GB"), category=Category.DEPOSIT_WITHDRAWAL, disputed_amount="90", disputed_asset="GBP")
    with pytest.raises(ValidationError, match="can't come later than"):
        deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 1), reason=REASON)
    deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 1, 8), reason=REASON)
    assert clock_of(complaint).decision_due_at.date() == date(2027, 1, 8)


def test_a_uk_complaint_cannot_be_extended_past_eight_weeks(alice, agent, monday):
    complaint = file_complaint(set_jurisdiction(alice, "GB"))
    with pytest.raises(ValidationError, match="FCA DISP"):
        deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 1), reason=REASON)


def test_only_staff_extend_and_only_before_the_decision(alice, agent, monday):
    complaint = file_complaint(alice)
    with pytest.raises(NotPermitted):
        deadline_extend(complaint=complaint, actor=alice, new_due_at=date(2027, 2, 15), reason=REASON)
    complaint = services.complaint_start_investigation(complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent)
    services.complaint_propose_resolution(
        complaint=complaint, actor=agent,
        decision=services.Decision(outcome=Outcome.NOT_UPHELD, liability=Liability.CUSTOMER_ERROR, reasons="r", recourse="a",
                                   remedies=(services.RemedyInput(kind=RemedyKind.EXPLANATION),)),
    )  # fmt: skip
    with pytest.raises(WrongState, match="decision has been communicated"):
        deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 2, 15), reason=REASON)


def test_a_breach_rule_fires_again_for_the_new_deadline(alice, agent, supervisor, monday, django_capture_on_commit_callbacks):
    from escalation.models import EscalationRule, Firing

    from .conftest import sweep_and_run

    complaint = file_complaint(alice)
    at_risk = clock_of(complaint).decision_at_risk_at
    monday.move_to(at_risk + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    rule = EscalationRule.objects.get(clock="decision", trigger="at_risk")
    assert Firing.objects.filter(complaint=complaint, rule=rule).count() == 1
    deadline_extend(complaint=complaint, actor=agent, new_due_at=date(2027, 3, 31), reason=REASON)
    monday.move_to(clock_of(complaint).decision_at_risk_at + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert Firing.objects.filter(complaint=complaint, rule=rule, status=Firing.Status.DONE).count() == 2
