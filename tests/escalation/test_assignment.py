"""Workload: the least-loaded available member of a team gets the complaint; supervisors rebalance."""

import pytest

from accounts.models import ConflictOfInterest, StaffProfile
from accounts.roles import Role
from complaints.choices import State
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditEvent, Complaint
from escalation.assignment import complaint_assign_least_loaded, team_rebalance
from tests.factories import ComplaintFactory, make_staff


@pytest.fixture
def desk(db):
    """Three trade-risk specialists."""
    return [make_staff(Role.SPECIALIST, team="trade_risk", email=f"trader{i}@redress.test") for i in range(3)]


def load(user, count, team=None):
    return [ComplaintFactory(state=State.INVESTIGATING, assignee=user, team=team or user.staff_profile.team) for _ in range(count)]


def open_count(user) -> int:
    return Complaint.objects.filter(assignee=user, state__in=[State.INVESTIGATING, State.TRIAGE]).count()


def test_the_least_loaded_available_member_gets_the_complaint(desk, complaint_in):
    busy, idle, away = desk
    load(busy, 3)
    load(idle, 1)
    StaffProfile.objects.filter(user=away).update(out_of_office=True)
    complaint = complaint_in(State.INVESTIGATING, team=busy.staff_profile.team)
    complaint = complaint_assign_least_loaded(complaint=complaint)
    assert complaint.assignee == idle
    event = AuditEvent.objects.filter(complaint=complaint, action="assign").get()
    assert event.actor is None and event.data["auto"] is True and event.data["after"]["assignee"] == idle.pk


def test_a_conflicted_member_is_never_chosen(desk, complaint_in, alice):
    first, second, third = desk
    load(second, 2)
    load(third, 2)
    ConflictOfInterest.objects.create(staff=first, customer=alice, reason="Family.")
    complaint = complaint_in(State.INVESTIGATING, team=first.staff_profile.team)
    assert complaint_assign_least_loaded(complaint=complaint).assignee == second


def test_staff_asking_for_it_go_through_the_assignment_service(desk, agent, complaint_in):
    complaint = complaint_in(State.TRIAGE, team=desk[0].staff_profile.team)
    complaint = complaint_assign_least_loaded(complaint=complaint, actor=agent)
    assert complaint.assignee == desk[0]
    assert AuditEvent.objects.filter(complaint=complaint, action="assign").get().actor == agent


def test_nobody_available_is_said_plainly(desk, complaint_in):
    StaffProfile.objects.filter(user__in=desk).update(out_of_office=True)
    complaint = complaint_in(State.INVESTIGATING, team=desk[0].staff_profile.team)
    with pytest.raises(WrongState, match="Nobody in the team is available"):
        complaint_assign_least_loaded(complaint=complaint)


def test_a_supervisor_rebalances_the_team(desk, supervisor):
    busy, idle, away = desk
    load(busy, 6)
    load(away, 2)
    StaffProfile.objects.filter(user=away).update(out_of_office=True)
    moves = team_rebalance(team=busy.staff_profile.team, actor=supervisor)
    assert open_count(away) == 0
    assert (open_count(busy), open_count(idle)) in {(4, 4), (5, 3), (3, 5)} and abs(open_count(busy) - open_count(idle)) <= 1
    assert len(moves) == AuditEvent.objects.filter(action="assign", actor=supervisor).count() >= 4


def test_only_a_supervisor_rebalances(desk, agent):
    with pytest.raises(NotPermitted):
        team_rebalance(team=desk[0].staff_profile.team, actor=agent)
