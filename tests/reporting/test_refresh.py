"""Keeping facts and roll-ups current: the command, and the periodic refresh of what changed."""

from datetime import date
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from complaints import services
from complaints.reporting import tasks
from complaints.reporting.models import ComplaintFact, DailyRollup, RefreshMark
from complaints.reporting.queries import Filters, report
from complaints.reporting.refresh import refresh_all, refresh_recent


def _today() -> Filters:
    today = timezone.now().date()
    return Filters(today, today)


def _decision():
    return services.Decision(
        "upheld", "platform_fault", "We delayed it.", "Appeal within 30 days.", (services.RemedyInput(kind="explanation"),)
    )


def test_the_command_rebuilds_facts_and_rollups(october):
    ComplaintFact.objects.all().delete()
    DailyRollup.objects.all().delete()
    out = StringIO()
    call_command("reporting_refresh", "--full", stdout=out)
    assert "6 facts, 6 step limits computed" in out.getvalue()
    assert report(Filters(date(2026, 10, 1), date(2026, 10, 31))).received["count"] == 6


def test_a_decision_reaches_the_report_at_the_next_refresh(complaint_in, agent, team_cs):
    complaint = complaint_in("investigating", assignee=agent, team=team_cs, priority="P3")
    refresh_all()
    assert report(_today()).decided["count"] == 0
    services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=_decision())
    assert tasks.refresh_recent() == 1
    refreshed = report(_today())
    assert (refreshed.received["count"], refreshed.decided["count"], refreshed.decided["upheld"]) == (1, 1, 1)
    assert ComplaintFact.objects.get(pk=complaint.pk).decision_team_id == team_cs.pk


def test_a_refresh_with_nothing_new_does_nothing(complaint_in, agent, team_cs):
    complaint_in("investigating", assignee=agent, team=team_cs)
    refresh_all()
    mark = RefreshMark.objects.get().last_event_id
    assert refresh_recent() == 0
    assert RefreshMark.objects.get().last_event_id == mark


def test_a_large_burst_is_taken_in_batches_without_losing_any(complaint_in, agent, team_cs):
    made = [complaint_in("investigating", assignee=agent, team=team_cs, priority="P3") for _ in range(3)]
    refresh_all()
    for complaint in made:
        services.complaint_add_message(complaint=complaint, actor=agent, body="We are looking into it.")
    assert [refresh_recent(batch=2), refresh_recent(batch=2), refresh_recent(batch=2)] == [2, 1, 0]


def test_a_new_complaint_gets_its_facts_and_step_limits(alice, team_cs):
    from complaints.services import Filing, complaint_file

    complaint = complaint_file(
        customer=alice,
        filing=Filing(category="fees", summary="Charged twice", description="The trading fee was charged twice."),
    )  # fmt: skip
    refresh_recent()
    fact = ComplaintFact.objects.get(pk=complaint.pk)
    assert fact.category == "fees" and fact.decision_due_at is not None and fact.deadlines_at is not None
