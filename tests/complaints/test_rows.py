"""complaints.rows: the filing's INSERTs, compiled once, store what save() stores."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from complaints import rows, services
from complaints.choices import State
from complaints.models import Complaint, ComplaintIdentifier, Notification
from escalation.models import ComplaintClock


def _stored(instance) -> dict:
    """The row as the database holds it, but for its key and the moment it was written."""
    fresh = type(instance).objects.get(pk=instance.pk)
    assert fresh.created_at is not None  # auto_now_add, set on insert as by save()
    return {name: value for name, value in model_to_dict(fresh).items() if name not in {"id", "created_at"}}


def test_an_inserted_row_holds_what_save_stores(complaint_in):
    complaint = complaint_in(State.TRIAGE)
    values = {
        "complaint": complaint, "recipient": complaint.customer, "to_email": "alice@example.test",
        "kind": Notification.Kind.ACKNOWLEDGEMENT, "language": "zh-hans", "subject": "我们已收到您的投诉",
        "context": {"decision_due_at": "2027-01-05T17:00:00+00:00", "amount": "12.5"},
    }  # fmt: skip
    saved = Notification(**values)
    saved.save()
    inserted = Notification(**values)
    rows.insert(inserted)

    assert inserted.pk is not None and inserted.pk != saved.pk
    assert _stored(inserted) == _stored(saved)
    assert not inserted._state.adding


def test_several_rows_in_one_statement_each_get_their_own_key(complaint_in, django_assert_num_queries):
    complaint = complaint_in(State.TRIAGE)
    identifiers = [ComplaintIdentifier(complaint=complaint, kind="order_id", value=f"ORDER-{n}") for n in range(3)]

    with django_assert_num_queries(1):
        rows.insert(*identifiers)

    stored = dict(ComplaintIdentifier.objects.filter(complaint=complaint).values_list("pk", "value"))
    assert stored == {identifier.pk: identifier.value for identifier in identifiers}


def test_a_row_keyed_by_its_parent_is_inserted_with_that_key(complaint_in):
    complaint = complaint_in(State.TRIAGE, with_clock=False)
    due = timezone.now() + timedelta(days=3)
    clock = ComplaintClock(complaint=complaint, resolution_due_at=due)

    rows.insert(clock)

    assert ComplaintClock.objects.get(pk=complaint.pk).resolution_due_at == due


def test_an_inserted_complaint_can_move_on(alice, agent):
    """save() records the state a row was saved in, and the next save checks it: so must insert."""
    filing = services.Filing(
        category="deposit_withdrawal", subcategory="withdrawal_missing", summary="Withdrawal missing",
        description="My withdrawal never arrived.", disputed_amount=Decimal("500"), disputed_asset="USDT",
    )  # fmt: skip
    complaint = services.complaint_file(customer=alice, filing=filing)

    services.complaint_assign(complaint=complaint, actor=agent, assignee=agent)

    assert Complaint.objects.get(pk=complaint.pk).assignee == agent


def test_update_writes_only_the_named_fields(complaint_in):
    complaint = complaint_in(State.TRIAGE)
    notification = Notification(complaint=complaint, to_email="a@example.test", kind=Notification.Kind.REPLY, language="en")
    rows.insert(notification)
    Notification.objects.filter(pk=notification.pk).update(to_email="changed@example.test")
    notification.subject, notification.to_email = "New subject", "stale@example.test"

    rows.update(notification, ("subject",))

    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.subject, stored.to_email) == ("New subject", "changed@example.test")


@pytest.mark.parametrize("count", [1, 2])
def test_the_statement_is_built_once_per_shape(complaint_in, count):
    complaint = complaint_in(State.TRIAGE)
    make = lambda n: ComplaintIdentifier(complaint=complaint, kind="order_id", value=f"SHAPE-{count}-{n}")  # noqa: E731
    rows.insert(*(make(n) for n in range(count)))
    before = rows._insert_sql.cache_info().hits

    rows.insert(*(make(n + 10) for n in range(count)))

    assert rows._insert_sql.cache_info().hits == before + 1
