"""No lost update, no broken chain, no repeated reference under real concurrency (PostgreSQL).

Each thread has its own database connection (Django's connections are per thread) and closes
it when done; a Barrier starts them together. SQLite serialises writers, so these tests only
mean something on PostgreSQL and are skipped elsewhere.

These tests commit for real (transaction=True), so the database is flushed after each one;
conftest's _migration_rows puts back what the data migrations made (role groups, teams, the
system chain) before each transactional test. (serialized_rollback=True can't: restoring
Group.permissions fires the audit signal before the system chain is restored.)
"""

import re
import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction

from accounts.models import Team
from accounts.roles import Role
from complaints import services
from complaints.audit import audit_append, verify_chains
from complaints.choices import Category, Liability, MessageKind, Outcome, RemedyKind, RemedyState, State
from complaints.exceptions import WrongState
from complaints.models import AuditChain, AuditEvent, Complaint, Message, Notification
from tests.factories import CustomerFactory, make_staff

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs PostgreSQL: row locks and sequences under real concurrency"
)

pytestmark = [
    pytest.mark.postgres,
    postgres_only,
    pytest.mark.django_db(transaction=True),
]

REFERENCE = re.compile(r"^CMP-\d{4}-\d{7}$")
LOCK_HOLD_SECONDS = 0.3


# --- Running threads together ------------------------------------------------------------------


def run_together(*jobs, timeout: float = 60) -> list:
    """Run each job in its own thread, started together; return each one's result or exception."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def work(index, job):
        try:
            barrier.wait(timeout=timeout)
            results[index] = job()
        except Exception as error:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = error
        finally:
            connection.close()  # this thread's own connection, back to the pool

    threads = [threading.Thread(target=work, args=(i, job), name=f"job-{i}") for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (deadlock?)"
    return results


@pytest.fixture
def slow_lock(monkeypatch):
    """Hold the complaint's row lock a moment, so the other thread really waits on it.

    Returns the names of the threads in the order they got the lock."""
    order: list[str] = []
    real_lock = services._lock

    def hold(complaint):
        locked = real_lock(complaint)
        name = threading.current_thread().name
        if name.startswith("job-"):  # not the test's own set-up in the main thread
            order.append(name)
            time.sleep(LOCK_HOLD_SECONDS)
        return locked

    monkeypatch.setattr(services, "_lock", hold)
    return order


def fresh(complaint: Complaint) -> Complaint:
    return Complaint.objects.get(pk=complaint.pk)


def counts(complaint: Complaint) -> tuple[int, int]:
    return complaint.history.count(), AuditEvent.objects.filter(complaint=complaint).count()


def one_winner(results: list) -> tuple[int, WrongState]:
    """Exactly one result is a success and the other a WrongState; return (winner, error)."""
    errors = [r for r in results if isinstance(r, Exception)]
    assert len(errors) == 1, results
    assert isinstance(errors[0], WrongState), repr(errors[0])
    winner = next(i for i, r in enumerate(results) if not isinstance(r, Exception))
    return winner, errors[0]


def assert_chains_clean():
    assert list(verify_chains()) == []


# --- Setting up real complaints (through the services) ------------------------------------------


def filed(customer) -> Complaint:
    filing = services.Filing(
        category=Category.TRADE_DISPUTE, summary="Order filled late", description="My limit order filled 40s late."
    )
    return services.complaint_file(customer=customer, filing=filing)


def investigated(customer, agent) -> Complaint:
    return services.complaint_start_investigation(
        complaint=filed(customer), actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
    )


def decision(amount: str) -> services.Decision:
    remedy = services.RemedyInput(
        kind=RemedyKind.COMPENSATION, amount=Decimal(amount), asset="USDT", reference_value=Decimal(amount)
    )
    return services.Decision(
        outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="The fill was late on our side.",
        recourse="You may appeal within 30 days.", remedies=(remedy,),
    )  # fmt: skip


# --- Conflicting transitions --------------------------------------------------------------------------


def test_withdrawal_and_rejection_race_and_exactly_one_wins(alice, agent, slow_lock):
    complaint = filed(alice)
    assert complaint.state == State.TRIAGE
    history, events = counts(complaint)

    results = run_together(
        lambda: services.complaint_withdraw(complaint=fresh(complaint), actor=alice, reason="Sorted it out myself."),
        lambda: services.complaint_reject_out_of_scope(
            complaint=fresh(complaint), actor=agent, reasons="This is about a third-party wallet.", referral="Ask the wallet."
        ),
    )
    winner, error = one_winner(results)
    assert slow_lock[0] == f"job-{winner}"  # the first to lock won; the other waited, then saw the change
    assert "it can't be" in error.message
    complaint = fresh(complaint)
    assert complaint.state == State.CLOSED
    assert complaint.closure_reason == ("withdrawn" if winner == 0 else "out_of_scope")
    assert counts(complaint) == (history + 1, events + 1)
    kinds = set(Message.objects.filter(complaint=complaint).values_list("kind", flat=True))
    assert kinds == ({MessageKind.WITHDRAWAL} if winner == 0 else {MessageKind.DECISION})
    assert_chains_clean()


def test_an_agent_starting_an_investigation_while_the_customer_withdraws_is_refused(alice, agent, monkeypatch):
    """The customer's withdrawal holds the row; the agent's step waits for it and is refused."""
    complaint = filed(alice)
    history, events = counts(complaint)
    withdrawal_locked, real_lock = threading.Event(), services._lock

    def lock(target):
        if threading.current_thread().name == "job-1":  # the agent waits until the customer holds the lock
            assert withdrawal_locked.wait(10)
        locked = real_lock(target)
        if threading.current_thread().name == "job-0":
            withdrawal_locked.set()
            time.sleep(LOCK_HOLD_SECONDS)
        return locked

    monkeypatch.setattr(services, "_lock", lock)
    withdrawn, refused = run_together(
        lambda: services.complaint_withdraw(complaint=fresh(complaint), actor=alice),
        lambda: services.complaint_start_investigation(
            complaint=fresh(complaint), actor=agent, priority="P2", team=Team.objects.get(code="trade_risk"), assignee=agent
        ),
    )
    assert isinstance(withdrawn, Complaint) and withdrawn.state == State.CLOSED
    assert isinstance(refused, WrongState)
    assert refused.message == "This complaint is closed, so it can't be put under investigation now."
    complaint = fresh(complaint)
    assert (complaint.state, complaint.priority, complaint.team_id, complaint.assignee_id) == (State.CLOSED, "", None, None)
    assert counts(complaint) == (history + 1, events + 1)
    assert_chains_clean()


def test_two_supervisors_approving_the_same_resolution_approve_it_once(alice, agent, supervisor, slow_lock):
    second = make_staff(Role.SUPERVISOR, team="customer_service", limit=Decimal("100000"), email="supervisor3@redress.test")
    complaint = services.complaint_submit_for_approval(complaint=investigated(alice, agent), actor=agent, decision=decision("2000"))
    assert complaint.state == State.AWAITING_APPROVAL
    history, events = counts(complaint)
    sent_before = Notification.objects.filter(complaint=complaint, kind=Notification.Kind.RESOLUTION_PROPOSED).count()

    results = run_together(
        lambda: services.complaint_approve_resolution(complaint=fresh(complaint), actor=supervisor),
        lambda: services.complaint_approve_resolution(complaint=fresh(complaint), actor=second),
    )
    winner, error = one_winner(results)
    assert slow_lock[0] == f"job-{winner}"
    assert error.message == "This complaint is resolution proposed, so it can't be approved now."
    complaint = fresh(complaint)
    assert complaint.state == State.RESOLUTION_PROPOSED
    assert complaint.approver == (supervisor, second)[winner]
    assert counts(complaint) == (history + 1, events + 1)
    assert list(complaint.remedies.values_list("state", "approved_by")) == [(RemedyState.APPROVED, complaint.approver.pk)]
    assert Message.objects.filter(complaint=complaint, kind=MessageKind.DECISION).count() == 1
    assert Notification.objects.filter(complaint=complaint, kind=Notification.Kind.RESOLUTION_PROPOSED).count() == sent_before + 1
    assert_chains_clean()


def test_accepting_and_disputing_at_once_leaves_exactly_one(alice, agent, slow_lock):
    complaint = services.complaint_propose_resolution(complaint=investigated(alice, agent), actor=agent, decision=decision("100"))
    history, events = counts(complaint)

    results = run_together(
        lambda: services.complaint_accept_resolution(complaint=fresh(complaint), actor=alice),
        lambda: services.complaint_dispute_resolution(complaint=fresh(complaint), actor=alice, reason="The amount is wrong."),
    )
    winner, error = one_winner(results)
    assert slow_lock[0] == f"job-{winner}"
    assert "so it can't be" in error.message
    complaint = fresh(complaint)
    remedy_states = set(complaint.remedies.values_list("state", flat=True))
    disputes = Message.objects.filter(complaint=complaint, kind=MessageKind.DISPUTE).count()
    if winner == 0:  # accepted: the remedies moved on and no dispute was recorded
        assert (complaint.state, remedy_states, disputes, complaint.disputed_at) == (State.RESOLVED, {"accepted"}, 0, None)
    else:  # disputed: the remedies stay proposed, the refused acceptance moved nothing
        assert (complaint.state, remedy_states, disputes, complaint.resolved_at) == (State.INVESTIGATING, {"proposed"}, 1, None)
    assert counts(complaint) == (history + 1, events + 1)
    assert_chains_clean()


# --- The audit chain ----------------------------------------------------------------------------------


def test_twenty_threads_appending_to_one_chain_leave_it_contiguous(complaint_in):
    complaint = complaint_in(State.TRIAGE)

    def append(i):
        def job():
            with transaction.atomic():
                event = audit_append(complaint=complaint, actor=None, action="test", data={"i": i})
                time.sleep(0.01)  # hold the chain head a moment so the others queue on it
            return event.seq

        return job

    results = run_together(*(append(i) for i in range(20)))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert sorted(results) == list(range(1, 21))
    chain = AuditChain.objects.get(complaint=complaint)
    events = list(chain.events.order_by("seq"))
    assert [e.seq for e in events] == list(range(1, 21))
    assert sorted(e.data["i"] for e in events) == list(range(20))
    assert all(e.prev_hash == before.hash for before, e in zip(events, events[1:]))
    assert (chain.head_seq, chain.head_hash) == (20, events[-1].hash)
    assert_chains_clean()


# --- Intake -------------------------------------------------------------------------------------------


def test_concurrent_intake_issues_distinct_references(db):
    customers = [CustomerFactory(email=f"trader{i}@example.com") for i in range(10)]

    def file_five(customer):
        return lambda: [filed(customer).reference for _ in range(5)]

    results = run_together(*(file_five(c) for c in customers))
    assert not [r for r in results if isinstance(r, Exception)], results
    references = [ref for batch in results for ref in batch]
    assert len(references) == 50
    assert len(set(references)) == 50
    assert all(REFERENCE.match(ref) for ref in references), references
    assert Complaint.objects.count() == 50
    assert set(Complaint.objects.values_list("reference", flat=True)) == set(references)
    assert AuditChain.objects.filter(complaint__isnull=False).count() == 50
    assert_chains_clean()
