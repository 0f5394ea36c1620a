"""Both clocks of a complaint: the regime from intake, SLA policies, pauses, and the due-times row."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Team
from complaints import services
from complaints.choices import Category, Channel, Liability, Outcome, Priority, RemedyKind, State
from complaints.models import Notification
from complaints.notifications import notification_render
from escalation import clocks
from escalation.models import ClockPause, ComplaintClock, Regime, SlaPolicy
from escalation.services import clocks_recompute

from .conftest import MONDAY_9, clock_of, file_complaint, set_jurisdiction

LONDON = ZoneInfo("Europe/London")

def regime_code(complaint) -> str:
    return clock_of(complaint).regime.code


def decision() -> services.Decision:
    return services.Decision(
        outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="The fill was late on our side.",
        recourse="You may appeal within 30 days.", remedies=(services.RemedyInput(kind=RemedyKind.APOLOGY),),
    )  # fmt: skip


# --- Regimes ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("jurisdiction, regime", [("GB", "fca-disp"), ("DE", "mica"), ("", "mica"), ("US", "mica")])
def test_the_regime_comes_from_the_customers_jurisdiction_or_the_default(alice, monday, jurisdiction, regime):
    set_jurisdiction(alice, jurisdiction)
    assert regime_code(file_complaint(alice)) == regime


def test_the_regime_chosen_at_intake_is_kept_when_the_customer_moves(alice, agent, monday):
    complaint = file_complaint(set_jurisdiction(alice, "GB"))
    set_jurisdiction(alice, "FR")
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are looking into it.")
    assert regime_code(complaint) == "fca-disp"


def test_mica_decision_is_due_two_months_after_receipt_at_the_end_of_the_day(alice, monday):
    complaint = file_complaint(alice)
    assert clock_of(complaint).decision_due_at == datetime(2027, 1, 23, 23, 59, 59, 999999, tzinfo=UTC)


def test_disp_gives_eight_weeks_and_a_three_business_day_summary_resolution_window(alice, monday):
    complaint = file_complaint(set_jurisdiction(alice, "GB"))
    row = clock_of(complaint)
    assert row.decision_due_at.astimezone(LONDON) == datetime(2027, 1, 18, 23, 59, 59, 999999, tzinfo=LONDON)
    assert row.summary_resolution_ends_at.astimezone(LONDON) == datetime(2026, 11, 26, 17, 0, tzinfo=LONDON)


def test_a_uk_payment_services_complaint_gets_fifteen_business_days(alice, monday):
    complaint = file_complaint(
        set_jurisdiction(alice, "GB"), category=Category.DEPOSIT_WITHDRAWAL, subcategory="withdrawal_delayed",
        disputed_amount="250", disputed_asset="GBP",
    )  # fmt: skip
    row = clock_of(complaint)
    assert row.regime_rule.name == "Payment services (PSRs 2017)"
    # 15 UK business days after Monday 23 November 2026, over no holiday: Monday 14 December.
    assert row.decision_due_at.astimezone(LONDON) == datetime(2026, 12, 14, 17, 0, tzinfo=LONDON)


def test_a_uk_crypto_withdrawal_is_not_a_payment_service(alice, monday):
    complaint = file_complaint(set_jurisdiction(alice, "GB"), category=Category.DEPOSIT_WITHDRAWAL, disputed_amount="1", disputed_asset="BTC")
    assert clock_of(complaint).regime_rule is None


def test_the_acknowledgement_names_the_real_deadlines(alice, monday):
    set_jurisdiction(alice, "GB")
    complaint = file_complaint(alice, category=Category.DEPOSIT_WITHDRAWAL, disputed_amount="250", disputed_asset="GBP")
    acknowledgement = notification_render(Notification.objects.get(complaint=complaint, kind=Notification.Kind.ACKNOWLEDGEMENT))
    assert "Dec. 14, 2026" in acknowledgement.body_text  # the payment-services deadline
    # The unclassified policy promises a first response in 8 working hours: Monday 17:00 UTC.
    assert "Nov. 23, 2026, 5 p.m." in acknowledgement.body_text
    assert clocks.decision_due_at(complaint) == clock_of(complaint).decision_due_at


def test_the_older_call_style_with_a_date_of_receipt_still_works(db):
    assert clocks.decision_due_at(MONDAY_9) == datetime(2027, 1, 23, 23, 59, 59, 999999, tzinfo=UTC)
    assert clocks.first_response_due_at(MONDAY_9) == MONDAY_9 + timedelta(hours=24)


def test_with_nothing_configured_the_settings_apply(alice, monday, settings):
    Regime.objects.all().delete()
    SlaPolicy.objects.all().delete()
    settings.REDRESS_DECISION_DEADLINE_MONTHS = 3
    complaint = file_complaint(alice)
    row = clock_of(complaint)
    assert row.regime is None and row.sla_policy is None
    assert row.decision_due_at == datetime(2027, 2, 23, 23, 59, 59, 999999, tzinfo=UTC)
    assert row.first_response_due_at == MONDAY_9 + timedelta(hours=settings.REDRESS_FIRST_RESPONSE_HOURS)


# --- SLA policies ---------------------------------------------------------------------------------------


def test_the_most_specific_policy_applies(alice, agent, monday):
    narrow = SlaPolicy.objects.create(
        name="P2 security by phone", priority=Priority.P2, category=Category.ACCOUNT_SECURITY, channel=Channel.PHONE,
        time_basis="calendar", first_response_hours=Decimal("0.5"), resolution_hours=Decimal("12"),
    )  # fmt: skip
    SlaPolicy.objects.create(
        name="P2 security", priority=Priority.P2, category=Category.ACCOUNT_SECURITY, time_basis="calendar",
        first_response_hours=Decimal("1"), resolution_hours=Decimal("24"),
    )  # fmt: skip
    complaint = file_complaint(alice, category=Category.ACCOUNT_SECURITY, channel=Channel.PHONE)
    assert clock_of(complaint).sla_policy.name == "Unclassified (before triage)"
    services.complaint_start_investigation(complaint=complaint, actor=agent, priority=Priority.P2, team=Team.objects.get(code="security"))
    row = clock_of(complaint)
    assert row.sla_policy == narrow
    assert row.resolution_due_at == MONDAY_9 + timedelta(hours=12)
    assert row.resolution_at_risk_at == MONDAY_9 + timedelta(hours=9)  # 75% of the time used


def test_business_hours_policies_count_only_working_time(alice, agent, monday):
    complaint = file_complaint(alice)
    services.complaint_start_investigation(complaint=complaint, actor=agent, priority=Priority.P2, team=Team.objects.get(code="trade_risk"))
    # P2: 40 working hours on the desk's 09:00–17:00 UTC weekdays = five working days.
    assert clock_of(complaint).resolution_due_at == datetime(2026, 11, 27, 17, 0, tzinfo=UTC)


# --- Pause and resume -------------------------------------------------------------------------------------


def test_the_sla_clock_pauses_while_awaiting_the_customer_and_the_legal_clock_does_not(alice, agent, monday):
    complaint = file_complaint(alice)
    services.complaint_start_investigation(complaint=complaint, actor=agent, priority=Priority.P3, team=Team.objects.get(code="trade_risk"), assignee=agent)
    before = clock_of(complaint)
    assert before.resolution_due_at == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 80 working hours

    monday.move_to(datetime(2026, 11, 23, 13, 0, tzinfo=UTC))  # 4 working hours used
    services.complaint_request_information(complaint=complaint, actor=agent, message="Please send the order ID.")
    paused = clock_of(complaint)
    assert paused.sla_paused_at == datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert (paused.resolution_due_at, paused.resolution_at_risk_at) == (None, None)
    assert paused.decision_due_at == before.decision_due_at  # the regulator's clock runs on
    view = {c.kind: c for c in clocks.clocks_of(complaint).clocks.values()}
    assert view["resolution"].status == "paused" and view["resolution"].remaining == timedelta(hours=76)

    monday.move_to(datetime(2026, 11, 25, 11, 0, tzinfo=UTC))  # the customer answers on Wednesday at 11:00
    services.complaint_receive_information(complaint=complaint, actor=alice, message="Order 123456.")
    resumed = clock_of(complaint)
    assert resumed.sla_paused_at is None
    # 76 working hours from Wednesday 11:00: 6 that day, then 70 = 8 working days and 6 hours → Tuesday 8 December 15:00.
    assert resumed.resolution_due_at == datetime(2026, 12, 8, 15, 0, tzinfo=UTC)
    assert resumed.decision_due_at == before.decision_due_at
    assert list(ClockPause.objects.filter(complaint=complaint).values_list("started_at", "ended_at")) == [
        (datetime(2026, 11, 23, 13, 0, tzinfo=UTC), datetime(2026, 11, 25, 11, 0, tzinfo=UTC))
    ]


def test_the_legal_clock_stops_when_a_decision_is_communicated(alice, agent, monday):
    complaint = file_complaint(alice)
    services.complaint_start_investigation(complaint=complaint, actor=agent, priority=Priority.P3, team=Team.objects.get(code="trade_risk"), assignee=agent)
    complaint = services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=decision())
    row = clock_of(complaint)
    assert (row.decision_due_at, row.resolution_due_at, row.first_response_due_at) == (None, None, None)
    assert row.deemed_acceptance_at == MONDAY_9 + timedelta(days=14)
    view = clocks.clocks_of(complaint).clocks["decision"]
    assert view.status == "met" and view.met_at == MONDAY_9 and view.due_at > MONDAY_9


# --- First response and next update ----------------------------------------------------------------------


def test_a_staff_reply_meets_the_first_response_but_an_internal_note_does_not(alice, agent, monday):
    complaint = file_complaint(alice)
    services.complaint_add_message(complaint=complaint, actor=agent, body="Checking with the desk.", internal=True)
    assert clock_of(complaint).first_response_due_at is not None
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are looking into your order.")
    assert clock_of(complaint).first_response_due_at is None


def test_each_customer_message_starts_a_next_update_clock_until_staff_answer(alice, agent, monday):
    complaint = file_complaint(alice)
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are looking into your order.")
    assert clock_of(complaint).next_update_due_at is None
    monday.shift(timedelta(hours=1))
    services.complaint_add_message(complaint=complaint, actor=alice, body="Any news?")
    monday.shift(timedelta(hours=1))
    services.complaint_add_message(complaint=complaint, actor=alice, body="Hello?")
    row = clock_of(complaint)
    assert row.next_update_started_at == MONDAY_9 + timedelta(hours=1)  # the oldest unanswered message
    assert row.next_update_due_at == datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # 16 working hours: 7 + 8 + 1
    assert row.next_due_at == row.next_update_due_at < row.resolution_due_at
    services.complaint_add_message(complaint=complaint, actor=agent, body="The desk has your order.")
    assert clock_of(complaint).next_update_due_at is None


def test_recomputing_writes_no_history_row(alice, agent, monday):
    complaint = file_complaint(alice)
    history = complaint.history.count()
    revision = clock_of(complaint).revision
    clocks_recompute(complaint)
    assert complaint.history.count() == history
    assert clock_of(complaint).revision == revision + 1


def test_closing_stops_every_clock_and_schedules_the_archive(alice, monday, settings):
    complaint = file_complaint(alice)
    services.complaint_withdraw(complaint=complaint, actor=alice)
    row = clock_of(complaint)
    assert all(getattr(row, f"{kind}_due_at") is None for kind in ("first_response", "next_update", "resolution", "decision"))
    assert row.next_due_at is None
    assert row.archive_at == MONDAY_9 + timedelta(days=settings.REDRESS_ARCHIVE_AFTER_DAYS) == row.next_check_at


def test_a_factory_made_complaint_gets_its_row_on_first_recompute(complaint_in):
    # A complaint saved without the services (the factory's own recompute turned off) has no row yet.
    complaint = complaint_in(State.TRIAGE, with_clock=False)
    assert not ComplaintClock.objects.filter(pk=complaint.pk).exists()
    clocks_recompute(complaint)
    assert clock_of(complaint).regime.code == "mica"
