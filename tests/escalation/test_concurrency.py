"""Overlapping sweeps and retried work on PostgreSQL: every firing claimed and done exactly once.

Two threads, each with its own connection, sweep at the same moment; a barrier inside makes
both read the same due rows before either claims, so both really try to claim the same
firings. Skipped on SQLite, which serialises writers.
"""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Team
from complaints import services
from complaints.audit import verify_chains
from complaints.choices import Liability, Outcome, RemedyKind, State
from complaints.models import AuditEvent, Complaint, Notification
from escalation import sweep as sweeping
from escalation.models import Firing
from escalation.notifications import DEEMED_ACCEPTANCE, ESCALATION_ALERT
from tests.complaints.test_concurrency import run_together

from .conftest import clock_of, file_complaint

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL: concurrent claims"),
    pytest.mark.django_db(transaction=True),
]


def investigated(customer, agent):
    complaint = file_complaint(customer)
    complaint = services.complaint_start_investigation(
        complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
    )
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are on it.")
    return complaint


def proposed(customer, agent):
    decision = services.Decision(
        outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="Late fill.", recourse="Appeal within 30 days.",
        remedies=(services.RemedyInput(kind=RemedyKind.APOLOGY),),
    )  # fmt: skip
    return services.complaint_propose_resolution(complaint=investigated(customer, agent), actor=agent, decision=decision)


@pytest.fixture
def both_read_before_claiming(monkeypatch):
    """Hold each sweep between reading its rows and claiming until the other has read too."""
    import threading

    barrier, real_claim, tried = threading.Barrier(2), sweeping.claim, {}

    def claim(candidates, now):
        name = threading.current_thread().name
        if name.startswith("job-"):
            tried[name] = len(candidates)
            barrier.wait(timeout=20)
        return real_claim(candidates, now)

    monkeypatch.setattr(sweeping, "claim", claim)
    return tried


def test_two_overlapping_sweeps_fire_each_rule_and_step_once(alice, agent, supervisor, settings, both_read_before_claiming):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        breached = investigated(alice, agent)
        deemed = proposed(alice, agent)
    later = max(clock_of(breached).resolution_due_at, start + timedelta(days=settings.REDRESS_DEEMED_ACCEPTANCE_DAYS)) + timedelta(minutes=1)

    with time_machine.travel(later, tick=False):
        reports = run_together(sweeping.sweep, sweeping.sweep)
    assert not [r for r in reports if isinstance(r, Exception)], reports
    # Both sweeps tried to claim every firing; between them they claimed each once.
    assert both_read_before_claiming["job-0"] == both_read_before_claiming["job-1"] == Firing.objects.count() > 3
    assert sum(r.claimed for r in reports) == Firing.objects.count()  # every firing claimed by exactly one sweep

    keys = list(Firing.objects.values_list("complaint_id", "key", "anchor_at"))
    assert len(keys) == len(set(keys))
    assert set(Firing.objects.values_list("status", flat=True)) == {Firing.Status.DONE}
    # The breached complaint: one at-risk alert to the handler, one tier-two hand-over.
    breached = Complaint.objects.get(pk=breached.pk)
    assert breached.assignee == supervisor
    assert Notification.objects.filter(complaint=breached, kind=ESCALATION_ALERT, recipient=agent).count() == 1
    assert AuditEvent.objects.filter(complaint=breached, action="escalate").count() == Firing.objects.filter(complaint=breached).count()
    # The proposal: one reminder, one deemed acceptance, one notice.
    deemed = Complaint.objects.get(pk=deemed.pk)
    assert deemed.state == State.RESOLVED
    assert AuditEvent.objects.filter(complaint=deemed, action="accept_resolution").count() == 1
    assert Notification.objects.filter(complaint=deemed, kind=DEEMED_ACCEPTANCE).count() == 1
    assert Notification.objects.filter(complaint=deemed, kind=Notification.Kind.REMINDER).count() == 1
    assert list(verify_chains()) == []


def test_a_firing_run_by_two_workers_at_once_is_done_once(alice, agent, monkeypatch):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        complaint = investigated(alice, agent)
    with time_machine.travel(clock_of(complaint).resolution_at_risk_at + timedelta(minutes=1), tick=False):
        monkeypatch.setattr(sweeping, "_enqueue", lambda ids: None)  # claim only; the two "workers" run it below
        sweeping.sweep()
        firing = Firing.objects.get(complaint=complaint)
        outcomes = run_together(lambda: sweeping.firing_execute(firing.pk), lambda: sweeping.firing_execute(firing.pk))
    assert sorted(outcomes) == [Firing.Status.DONE, "gone"]
    assert Notification.objects.filter(complaint=complaint, kind=ESCALATION_ALERT).count() == 1
    assert AuditEvent.objects.filter(complaint=complaint, action="escalate").count() == 1
