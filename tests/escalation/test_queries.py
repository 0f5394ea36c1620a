"""What the console's queues and the portal read: next deadlines, both clocks, derived from now."""

from datetime import UTC, datetime, timedelta

from complaints import services
from complaints.models import Complaint
from escalation.queries import (
    customer_deadlines,
    deadline_status,
    filter_by_deadline,
    order_by_deadline,
    staff_clocks,
    with_next_deadline,
)

from .conftest import MONDAY_9, clock_of, file_complaint


def three(alice, monday):
    """Filed Monday 09:00, Tuesday 09:00 and Wednesday 09:00: first responses due 17:00 each day."""
    made = []
    for day in range(3):
        monday.move_to(MONDAY_9 + timedelta(days=day))
        made.append(file_complaint(alice))
    return made


def test_queues_filter_and_sort_by_the_next_deadline_compared_with_now(alice, monday):
    mon, tue, wed = three(alice, monday)
    now = datetime(2026, 11, 25, 16, 0, tzinfo=UTC)  # Wednesday 16:00: Monday's and Tuesday's are breached
    queue = Complaint.objects.all()
    assert set(filter_by_deadline(queue, "breached", now)) == {mon, tue}
    assert list(filter_by_deadline(queue, "at_risk", now)) == [wed]  # 75% of its 8 hours are gone
    assert list(filter_by_deadline(queue, "on_track", now)) == []
    assert list(filter_by_deadline(queue, "on_track", datetime(2026, 11, 25, 10, 0, tzinfo=UTC))) == [wed]
    assert list(order_by_deadline(queue)) == [mon, tue, wed]
    rows = {c.pk: c for c in with_next_deadline(queue, now)}
    assert rows[mon.pk].next_deadline == datetime(2026, 11, 23, 17, 0, tzinfo=UTC)
    assert (rows[mon.pk].deadline_breached, rows[wed.pk].deadline_breached, rows[wed.pk].deadline_at_risk) == (True, False, True)


def test_the_annotation_costs_no_query_per_row(alice, monday, django_assert_num_queries):
    three(alice, monday)
    with django_assert_num_queries(1):
        assert len([c.next_deadline for c in with_next_deadline(Complaint.objects.all())]) == 3


def test_deadline_status_is_derived_from_now():
    due, at_risk = datetime(2026, 11, 23, 17, tzinfo=UTC), datetime(2026, 11, 23, 15, tzinfo=UTC)
    assert deadline_status(due, at_risk, datetime(2026, 11, 23, 14, tzinfo=UTC)) == "on_track"
    assert deadline_status(due, at_risk, datetime(2026, 11, 23, 16, tzinfo=UTC)) == "at_risk"
    assert deadline_status(due, at_risk, datetime(2026, 11, 23, 17, tzinfo=UTC)) == "breached"
    assert deadline_status(None) == ""


def test_the_console_page_shows_both_clocks(alice, agent, monday):
    complaint = file_complaint(alice)
    monday.move_to(datetime(2026, 11, 23, 16, 0, tzinfo=UTC))
    clocks = {c.kind: c for c in staff_clocks(complaint)}
    assert [c.regulatory for c in staff_clocks(complaint)] == [False, False, False, True, True]
    assert clocks["first_response"].state == "at_risk" and not clocks["first_response"].breached
    assert clocks["decision"].status == "running" and clocks["decision"].state == "on_track"
    assert clocks["acknowledgement"].status == "met"
    assert clocks["next_update"].status == "idle"


def test_the_portal_gets_the_customers_deadlines(alice, agent, monday):
    complaint = file_complaint(alice)
    deadlines = customer_deadlines(complaint)
    assert deadlines.regime == "MiCA (EU)"
    assert deadlines.first_response_due_at == clock_of(complaint).first_response_due_at
    assert deadlines.decision_due_at == clock_of(complaint).decision_due_at
    assert not deadlines.decision_extended and deadlines.answer_by is None and deadlines.decision_made_at is None
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are on it.")
    assert customer_deadlines(complaint).first_response_due_at is None
