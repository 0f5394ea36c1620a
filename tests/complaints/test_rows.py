"""complaints.rows: the filing's INSERTs, compiled once, store what save() stores."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.forms.models import model_to_dict
from django.utils import timezone

from complaints import rows, services
from complaints.choices import State
from complaints.history import Snapshot, history_rows
from complaints.models import Complaint, ComplaintIdentifier, Notification
from escalation.models import ComplaintClock
from tests.factories import ComplaintFactory


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


def _filing(number: int) -> services.Filing:
    return services.Filing(
        category="deposit_withdrawal", subcategory="withdrawal_missing", summary=f"Withdrawal {number} missing",
        description="My withdrawal never arrived.", order_ids=(f"WD-{number:08d}",),
    )  # fmt: skip


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


# --- together(): one statement on PostgreSQL ---------------------------------------------------------


def _acknowledgement(complaint) -> Notification:
    return Notification(complaint=complaint, to_email="alice@example.test", kind=Notification.Kind.ACKNOWLEDGEMENT, language="en")


def test_rows_written_together_reach_the_database_in_one_statement(complaint_in, django_assert_num_queries):
    complaint = complaint_in(State.TRIAGE, with_clock=False)
    notification = _acknowledgement(complaint)
    identifiers = [ComplaintIdentifier(complaint=complaint, kind="order_id", value=f"TOGETHER-{n}") for n in range(2)]
    postgres = connection.vendor == "postgresql"

    # On PostgreSQL: the reserved key, then one WITH of three INSERTs; elsewhere one per table.
    with django_assert_num_queries(2 if postgres else 3):
        with rows.together(Notification):
            rows.insert(notification)
            assert notification.pk is not None  # reserved: rows built later may refer to it
            rows.insert(*identifiers)
            rows.insert(ComplaintClock(complaint=complaint))

    assert Notification.objects.filter(pk=notification.pk, complaint=complaint).exists()
    assert ComplaintClock.objects.filter(pk=complaint.pk).exists()
    stored = dict(ComplaintIdentifier.objects.filter(complaint=complaint).values_list("pk", "value"))
    assert stored == {identifier.pk: identifier.value for identifier in identifiers}  # keys set at the end


def test_a_row_updated_while_queued_is_written_with_its_last_values(complaint_in):
    complaint = complaint_in(State.TRIAGE)
    notification = _acknowledgement(complaint)

    with rows.together(Notification):
        rows.insert(notification)
        notification.subject = "Filed"
        rows.update(notification, ("subject",))

    assert Notification.objects.get(pk=notification.pk).subject == "Filed"


def test_a_failure_inside_the_block_writes_nothing(complaint_in):
    complaint = complaint_in(State.TRIAGE)

    with pytest.raises(RuntimeError), transaction.atomic():
        with rows.together(Notification):
            rows.insert(_acknowledgement(complaint))
            raise RuntimeError("refused")

    assert not Notification.objects.filter(complaint=complaint).exists()


def test_a_history_row_can_copy_a_row_queued_in_the_same_statement(alice):
    complaint = ComplaintFactory.build(customer=alice, state=State.TRIAGE, reference="CMP-2026-0777777")
    snapshot = Snapshot(complaint.received_at, alice, "file", created=True)

    with rows.together(Complaint):
        rows.insert(complaint)
        history_rows(complaint, [snapshot])

    (row,) = complaint.history.all()
    assert (row.reference, row.state, row.history_type, row.history_user_id) == ("CMP-2026-0777777", State.TRIAGE, "+", alice.pk)


def test_values_with_quotes_and_json_survive_the_statement(complaint_in):
    """The WITH's values go as parameters of a prepared statement, never into its text."""
    complaint = complaint_in(State.TRIAGE)
    notification = _acknowledgement(complaint)
    notification.subject = "It's 100% \"broken\"; DROP TABLE x; --"
    notification.context = {"quote": "l'été", "nested": [1, None, True]}

    with rows.together():
        rows.insert(notification)

    stored = Notification.objects.get(pk=notification.pk)
    assert (stored.subject, stored.context) == (notification.subject, notification.context)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_filing_statements_are_prepared_once_per_connection(alice):
    """config.database.prepared_cursor: after a filing or two, PostgreSQL holds the WITH and the
    complaint's INSERT as prepared statements, and only binds them."""
    for number in range(3):
        services.complaint_file(customer=alice, filing=_filing(number))
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [statement for (statement,) in cursor.fetchall()]

    assert any(statement.startswith("WITH p0 AS (INSERT INTO") for statement in prepared)
    assert any(statement.startswith('INSERT INTO "complaints_complaint"') for statement in prepared)
