from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from accounts.models import ConflictOfInterest, Team
from accounts.roles import ROLE_PERMISSIONS, Role
from complaints.audit import verify_chains
from complaints.models import AuditEvent


def system_events(action):
    return AuditEvent.objects.filter(complaint=None, action=action)


@pytest.mark.django_db
def test_the_migration_creates_every_role_with_its_permissions_and_every_team():
    for role, permissions in ROLE_PERMISSIONS.items():
        group = Group.objects.get(name=role)
        granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}
        assert granted == set(permissions)
    assert set(Team.objects.values_list("code", flat=True)) == set(Team.Code.values)


def test_roles_grant_what_each_person_needs(agent, supervisor, reviewer, compliance, alice):
    assert agent.has_perm("complaints.work_complaint") and not agent.has_perm("complaints.approve_resolution")
    assert supervisor.has_perm("complaints.approve_resolution")
    assert reviewer.has_perm("complaints.decide_appeal") and not reviewer.has_perm("complaints.work_complaint")
    assert compliance.has_perm("complaints.view_auditevent")
    assert not compliance.has_perm("complaints.work_complaint") and not compliance.has_perm("complaints.change_complaint")
    assert not alice.has_perm("complaints.view_complaint")


def test_changing_an_approval_limit_is_recorded_on_the_system_chain(supervisor):
    before = system_events("staff_profile_saved").count()
    profile = supervisor.staff_profile
    profile.approval_limit = Decimal("250000.5")
    profile.save()
    event = system_events("staff_profile_saved").latest("seq")
    assert system_events("staff_profile_saved").count() == before + 1
    assert event.data["user"] == supervisor.pk
    assert Decimal(event.data["approval_limit"]) == Decimal("250000.5")
    assert list(verify_chains()) == []


def test_granting_and_removing_a_role_is_recorded(agent):
    supervisors = Group.objects.get(name=Role.SUPERVISOR)
    agent.groups.add(supervisors)
    agent.groups.remove(supervisors)
    changes = [e.data["change"] for e in system_events("roles_changed").filter(data__users=[agent.pk]).order_by("seq")]
    assert changes[-2:] == ["add", "remove"]


def test_making_someone_staff_is_recorded(alice):
    alice.is_staff = True
    alice.save()
    event = system_events("user_access_changed").latest("seq")
    assert event.data["before"]["is_staff"] is False and event.data["after"]["is_staff"] is True


def test_declaring_a_conflict_goes_on_the_complaints_chain_without_the_reason_text(agent, complaint_in):
    complaint = complaint_in("triage")
    ConflictOfInterest.objects.create(staff=agent, complaint=complaint, reason="My brother-in-law")
    event = complaint.audit_events.get(action="conflict_declared")
    assert event.data["staff"] == agent.pk
    assert "brother" not in str(event.data)
    assert list(verify_chains()) == []
