"""The sweep: escalation rules and automatic steps, each firing exactly once, through the services."""

from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Team
from complaints import services
from complaints.audit import verify_chains
from complaints.choices import ClosureReason, Liability, Outcome, Priority, RemedyKind, RemedyState, State
from complaints.models import AuditEvent, Complaint, Notification
from escalation import sweep as sweeping
from escalation.models import ComplaintClock, EscalationRule, Firing, SlaPolicy
from escalation.notifications import DEEMED_ACCEPTANCE, ESCALATION_ALERT
from escalation.services import clocks_recompute

from .conftest import MONDAY_9, clock_of, file_complaint, sweep_and_run


def investigated(customer, agent, priority=Priority.P3):
    complaint = file_complaint(customer)
    return services.complaint_start_investigation(
        complaint=complaint, actor=agent, priority=priority, team=Team.objects.get(code="trade_risk"), assignee=agent
    )


def answered(customer, agent, priority=Priority.P3):
    """Investigated, with a first response sent, so only the resolution and legal clocks run."""
    complaint = investigated(customer, agent, priority)
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are on it.")
    return complaint


def proposed(customer, agent, remedy=RemedyKind.APOLOGY):
    decision = services.Decision(
        outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="The fill was late on our side.",
        recourse="You may appeal within 30 days.", remedies=(services.RemedyInput(kind=remedy),),
    )  # fmt: skip
    return services.complaint_propose_resolution(complaint=investigated(customer, agent), actor=agent, decision=decision)


def alerts(complaint, recipient=None):
    rows = Notification.objects.filter(complaint=complaint, kind=ESCALATION_ALERT)
    return rows.filter(recipient=recipient) if recipient else rows


def events(complaint, action):
    return AuditEvent.objects.filter(complaint=complaint, action=action)


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


# --- Escalation rules ------------------------------------------------------------------------------------


def test_an_at_risk_target_alerts_the_handler_once(alice, agent, monday, django_capture_on_commit_callbacks):
    complaint = answered(alice, agent)
    at_risk = clock_of(complaint).resolution_at_risk_at
    monday.move_to(at_risk - timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert not alerts(complaint).exists()

    monday.move_to(at_risk + timedelta(minutes=1))
    report = sweep_and_run(django_capture_on_commit_callbacks)
    assert report.claimed == 1
    alert = alerts(complaint).get()
    assert alert.recipient == agent and alert.subject == f"At risk: Resolution (SLA) on {complaint.reference}"
    event = events(complaint, "escalate").get()
    assert event.actor is None and event.data["rule"] == EscalationRule.objects.get(clock="resolution", trigger="at_risk").pk
    assert event.data["notified"] == [agent.pk]

    monday.shift(timedelta(minutes=1))
    assert sweep_and_run(django_capture_on_commit_callbacks).claimed == 0
    assert alerts(complaint).count() == 1 and events(complaint, "escalate").count() == 1
    assert list(verify_chains()) == []


def test_a_breached_target_goes_to_tier_two_with_an_audit_event_and_a_history_row(
    alice, agent, supervisor, monday, django_capture_on_commit_callbacks
):
    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_due_at + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)

    complaint = fresh(complaint)
    assert complaint.assignee == supervisor and complaint.priority == Priority.P3
    assert clock_of(complaint).tier == 2
    rule = EscalationRule.objects.get(clock="resolution", trigger="breached")
    event = events(complaint, "escalate").get(data__rule=rule.pk)
    assert event.data["before"]["assignee"] == agent.pk and event.data["after"]["assignee"] == supervisor.pk
    assert complaint.history.first().history_change_reason == f"escalation: {rule.name}"
    assert alerts(complaint, supervisor).count() == 1  # told once, as supervisor and as new handler
    assert "Handed to tier two" in alerts(complaint, supervisor).get().body_text
    # The at-risk alert to the handler came in the same sweep (its moment had passed too).
    assert alerts(complaint, agent).count() == 1


def test_a_missed_legal_deadline_raises_the_priority_and_escalates(alice, agent, supervisor, monday, django_capture_on_commit_callbacks):
    complaint = answered(alice, agent, priority=Priority.P4)
    monday.move_to(clock_of(complaint).decision_due_at + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    complaint = fresh(complaint)
    assert complaint.priority == Priority.P3 and complaint.assignee == supervisor
    rule = EscalationRule.objects.get(clock="decision", trigger="breached")
    assert events(complaint, "escalate").get(data__rule=rule.pk).data["after"]["priority"] == Priority.P3
    # Later sweeps don't raise it again: the firing is claimed for this deadline.
    monday.shift(timedelta(days=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert fresh(complaint).priority == Priority.P3


def test_with_no_supervisor_free_the_breach_lands_in_the_supervisors_queue(alice, agent, monday, django_capture_on_commit_callbacks):
    from escalation.queries import in_supervisor_queue

    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_due_at + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert fresh(complaint).assignee == agent
    assert list(in_supervisor_queue(Complaint.objects.all())) == [complaint]


def test_a_rule_for_another_priority_or_switched_off_does_not_fire(alice, agent, monday, django_capture_on_commit_callbacks):
    EscalationRule.objects.exclude(clock="resolution", trigger="at_risk").update(is_active=False)
    EscalationRule.objects.filter(clock="resolution").update(priority=Priority.P1)
    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_due_at + timedelta(minutes=1))
    assert sweep_and_run(django_capture_on_commit_callbacks).claimed == 0
    assert not alerts(complaint).exists()


def test_a_rule_with_a_delay_fires_that_long_after_the_breach(alice, agent, monday, django_capture_on_commit_callbacks):
    EscalationRule.objects.update(is_active=False)
    rule = EscalationRule.objects.create(name="A day late", clock="resolution", trigger="breached", delay=timedelta(days=1), notify_assignee=True)
    complaint = answered(alice, agent)
    due = clock_of(complaint).resolution_due_at
    monday.move_to(due + timedelta(hours=1))
    sweep_and_run(django_capture_on_commit_callbacks)  # also recomputes: the rule is a configuration change
    sweep_and_run(django_capture_on_commit_callbacks)
    assert not alerts(complaint).exists()
    assert clock_of(complaint).next_check_at == due + timedelta(days=1)  # the cursor waits for it
    monday.move_to(due + timedelta(days=1, minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert alerts(complaint).get().recipient == agent
    assert Firing.objects.get(complaint=complaint).rule == rule


# --- The cost of a sweep ------------------------------------------------------------------------------------


def test_a_sweep_reads_only_the_rows_that_are_due(alice, agent, monday, complaint_in):
    due = answered(alice, agent)
    monday.move_to(clock_of(due).resolution_at_risk_at + timedelta(minutes=1))

    def queries_with(not_due: int) -> tuple[int, int]:
        for _ in range(not_due):
            clocks_recompute(complaint_in(State.TRIAGE, received_at=timezone.now()))
        ComplaintClock.objects.filter(pk=due.pk).update(next_check_at=clock_of(due).resolution_at_risk_at)
        Firing.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            report = sweeping.sweep()
        return report.rows, len(queries)

    assert queries_with(2) == queries_with(40)
    assert ComplaintClock.objects.count() == 43


# --- Automatic steps --------------------------------------------------------------------------------------------


def test_deemed_acceptance_comes_after_a_reminder(alice, agent, monday, settings, django_capture_on_commit_callbacks):
    complaint = proposed(alice, agent)
    deemed = complaint.decided_at + timedelta(days=settings.REDRESS_DEEMED_ACCEPTANCE_DAYS)
    reminder_at = deemed - timedelta(days=settings.REDRESS_REMINDER_DAYS_BEFORE)
    assert (clock_of(complaint).deemed_acceptance_at, clock_of(complaint).reminder_at) == (deemed, reminder_at)

    monday.move_to(reminder_at + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    reminder = Notification.objects.get(complaint=complaint, kind=Notification.Kind.REMINDER)
    assert "treat the decision as accepted" in reminder.body_text
    assert events(complaint, "reminder_sent").get().data["about"] == "acceptance"
    assert fresh(complaint).state == State.RESOLUTION_PROPOSED

    monday.move_to(deemed + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    complaint = fresh(complaint)
    assert complaint.state == State.RESOLVED
    accepted = events(complaint, "accept_resolution").get()
    assert accepted.actor is None and accepted.data["deemed"] is True
    notice = Notification.objects.get(complaint=complaint, kind=DEEMED_ACCEPTANCE)
    assert "we now treat it as accepted" in notice.body_text and "Apology" in notice.body_text
    assert set(complaint.remedies.values_list("state", flat=True)) == {RemedyState.EXECUTED}

    sweep_and_run(django_capture_on_commit_callbacks)
    assert Notification.objects.filter(complaint=complaint, kind=Notification.Kind.REMINDER).count() == 1
    assert events(complaint, "accept_resolution").count() == 1


def test_no_answer_to_a_request_for_information_closes_the_complaint_after_a_reminder(
    alice, agent, monday, settings, django_capture_on_commit_callbacks
):
    complaint = investigated(alice, agent)
    services.complaint_request_information(complaint=complaint, actor=agent, message="Please send the order ID.")
    asked = fresh(complaint).information_requested_at
    period, notice = timedelta(days=settings.REDRESS_NO_RESPONSE_DAYS), timedelta(days=settings.REDRESS_REMINDER_DAYS_BEFORE)

    monday.move_to(asked + period - notice + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    complaint = fresh(complaint)
    assert complaint.information_reminder_sent_at is not None and complaint.state == State.AWAITING_CUSTOMER
    reminder = Notification.objects.get(complaint=complaint, kind=Notification.Kind.REMINDER)
    assert "we will close your complaint" in reminder.body_text
    assert complaint.history.first().history_change_reason == "reminder"

    monday.move_to(asked + period + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    complaint = fresh(complaint)
    assert (complaint.state, complaint.closure_reason) == (State.CLOSED, ClosureReason.NO_RESPONSE)
    closure = Notification.objects.get(complaint=complaint, kind=Notification.Kind.CLOSURE)
    assert "you can reopen it by replying" in closure.body_text
    assert events(complaint, "close_for_no_response").get().actor is None

    # The customer replies within the reopen window: the complaint is back under investigation.
    services.complaint_reopen(complaint=complaint, actor=alice, reason="Sorry, here is the order ID: 123.")
    assert fresh(complaint).state == State.INVESTIGATING


def test_a_reminder_sent_late_still_leaves_the_customer_time_to_answer(alice, agent, monday, settings, django_capture_on_commit_callbacks):
    complaint = investigated(alice, agent)
    services.complaint_request_information(complaint=complaint, actor=agent, message="Please send the order ID.")
    asked = fresh(complaint).information_requested_at
    late = asked + timedelta(days=settings.REDRESS_NO_RESPONSE_DAYS + 5)  # the sweep was down for days
    monday.move_to(late)
    sweep_and_run(django_capture_on_commit_callbacks)
    complaint = fresh(complaint)
    assert complaint.state == State.AWAITING_CUSTOMER and complaint.information_reminder_sent_at == late
    assert clock_of(complaint).no_response_close_at == late + timedelta(days=settings.REDRESS_REMINDER_DAYS_BEFORE)


def test_a_resolved_complaint_closes_when_the_appeal_window_ends_and_every_remedy_is_settled(
    alice, agent, monday, settings, django_capture_on_commit_callbacks
):
    complaint = proposed(alice, agent, remedy=RemedyKind.ACCOUNT_UNFREEZE)
    services.complaint_accept_resolution(complaint=complaint, actor=alice)
    ends = fresh(complaint).appeal_window_ends_at
    monday.move_to(ends + timedelta(minutes=5))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert fresh(complaint).state == State.RESOLVED  # the unfreeze is not done yet
    assert clock_of(complaint).appeal_close_at is None

    services.remedy_record_execution(remedy=complaint.remedies.get(), actor=agent, ledger_reference="UNFREEZE-77")
    sweep_and_run(django_capture_on_commit_callbacks)
    complaint = fresh(complaint)
    assert (complaint.state, complaint.closure_reason) == (State.CLOSED, ClosureReason.DECIDED)
    assert events(complaint, "close").get().actor is None


def test_a_closed_complaint_is_archived_after_the_period_unless_on_legal_hold(
    alice, monday, settings, django_capture_on_commit_callbacks
):
    held, free = file_complaint(alice), file_complaint(alice)
    for complaint in (held, free):
        services.complaint_withdraw(complaint=complaint, actor=alice)
    Complaint.objects.filter(pk=held.pk).update(legal_hold=True)  # placed without telling the clocks
    monday.move_to(MONDAY_9 + timedelta(days=settings.REDRESS_ARCHIVE_AFTER_DAYS, minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert fresh(free).state == State.ARCHIVED
    assert fresh(held).state == State.CLOSED
    # The executor recomputed under the lock, saw the hold, and recorded the firing as stale.
    assert Firing.objects.get(complaint=held).status == Firing.Status.STALE
    assert clock_of(held).archive_at is None


# --- Exactly once, and failures ------------------------------------------------------------------------------


def test_running_a_firing_twice_does_the_work_once(alice, agent, monday, django_capture_on_commit_callbacks):
    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_at_risk_at + timedelta(minutes=1))
    sweeping.sweep()  # claimed; the hand-over after commit never happens in this test's transaction
    firing = Firing.objects.get(complaint=complaint)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeping.firing_execute(firing.pk) == Firing.Status.DONE
        assert sweeping.firing_execute(firing.pk) == "gone"
    assert alerts(complaint).count() == 1
    firing.refresh_from_db()
    assert (firing.status, firing.attempts) == (Firing.Status.DONE, 1)


def test_a_firing_no_longer_due_when_it_runs_is_stale_and_does_nothing(alice, agent, monday):
    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_at_risk_at + timedelta(minutes=1))
    sweeping.sweep()
    services.complaint_propose_resolution(
        complaint=complaint, actor=agent,
        decision=services.Decision(outcome=Outcome.NOT_UPHELD, liability=Liability.CUSTOMER_ERROR, reasons="r",
                                   recourse="a", remedies=(services.RemedyInput(kind=RemedyKind.EXPLANATION),)),
    )  # fmt: skip
    firing = Firing.objects.get(complaint=complaint)
    assert sweeping.firing_execute(firing.pk) == Firing.Status.STALE
    assert not alerts(complaint).exists()


def test_an_unexpected_error_leaves_the_firing_pending_then_failed(alice, agent, monday, monkeypatch):
    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_at_risk_at + timedelta(minutes=1))
    sweeping.sweep()
    firing = Firing.objects.get(complaint=complaint)

    def broken(**kwargs):
        raise RuntimeError("mail relay down")

    monkeypatch.setattr("escalation.services.complaint_escalate", broken)
    assert sweeping.firing_execute_safely(firing.pk) == "error"
    firing.refresh_from_db()
    assert (firing.status, firing.attempts, firing.note) == (Firing.Status.PENDING, 1, "RuntimeError: mail relay down")
    for _ in range(sweeping.MAX_ATTEMPTS - 1):
        sweeping.firing_execute_safely(firing.pk)
    firing.refresh_from_db()
    assert firing.status == Firing.Status.FAILED


def test_pending_firings_left_behind_are_handed_out_again(alice, agent, monday, django_capture_on_commit_callbacks):
    complaint = answered(alice, agent)
    monday.move_to(clock_of(complaint).resolution_at_risk_at + timedelta(minutes=1))
    sweeping.sweep()  # claimed, but the worker never got it
    monday.shift(sweeping.STALE_AFTER + timedelta(minutes=1))
    report = sweep_and_run(django_capture_on_commit_callbacks)
    assert report.requeued == 1
    assert Firing.objects.get(complaint=complaint).status == Firing.Status.DONE
    assert alerts(complaint).count() == 1


# --- Configuration changes -------------------------------------------------------------------------------------


def test_a_policy_edit_is_audited_and_recomputes_open_clocks_in_the_background(
    alice, agent, monday, django_capture_on_commit_callbacks
):
    complaint = answered(alice, agent)
    policy = SlaPolicy.objects.get(priority=Priority.P3)
    policy.resolution_hours = 8
    policy.save()
    event = AuditEvent.objects.filter(complaint=None).latest("id")
    assert event.action == "slapolicy_changed" and event.data["values"]["resolution_hours"] == "8.00"
    assert event.data["values"]["name"] == {"sha256": event.data["values"]["name"]["sha256"]}  # text as a digest
    assert clock_of(complaint).resolution_due_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # not yet

    report = sweep_and_run(django_capture_on_commit_callbacks)
    assert report.recompute_requested
    assert clock_of(complaint).resolution_due_at == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert not sweep_and_run(django_capture_on_commit_callbacks).recompute_requested  # once


def test_a_complaint_a_supervisor_already_handles_stays_with_them(alice, supervisor, monday, django_capture_on_commit_callbacks):
    complaint = answered(alice, supervisor)
    monday.move_to(clock_of(complaint).resolution_due_at + timedelta(minutes=1))
    sweep_and_run(django_capture_on_commit_callbacks)
    assert fresh(complaint).assignee == supervisor and clock_of(complaint).tier == 2
