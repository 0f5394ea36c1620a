"""Deadlines and escalation in the console: configuration edited by supervisors and audited,
records read-only, freeze requests confirmed through their service."""

import pytest
from django.urls import reverse

from complaints.choices import Category, Channel
from complaints.models import AuditEvent
from escalation.models import EscalationRule, Firing, FreezeRequest, SlaPolicy

from .conftest import file_complaint

CHANGELISTS = ["businesscalendar", "slapolicy", "regime", "escalationrule", "complaintclock", "firing",
               "deadlineextension", "externalreferral", "supervisorqueueitem", "freezerequest"]  # fmt: skip


@pytest.mark.parametrize("model", CHANGELISTS)
def test_a_supervisor_sees_every_list(signed_in, supervisor, model, alice):
    file_complaint(alice)
    assert signed_in(supervisor).get(reverse(f"admin:escalation_{model}_changelist")).status_code == 200


def test_an_agent_sees_the_clocks_but_not_the_configuration(signed_in, agent):
    client = signed_in(agent)
    assert client.get(reverse("admin:escalation_complaintclock_changelist")).status_code == 200
    assert client.get(reverse("admin:escalation_slapolicy_changelist")).status_code == 403
    assert client.get(reverse("admin:escalation_escalationrule_add")).status_code == 403


def test_records_are_read_only_even_for_a_superuser(signed_in, alice, django_user_model):
    root = django_user_model.objects.create_superuser(email="root@redress.test", password="x")
    complaint = file_complaint(alice)
    client = signed_in(root)
    assert client.get(reverse("admin:escalation_complaintclock_add")).status_code == 403
    response = client.post(reverse("admin:escalation_complaintclock_delete", args=[complaint.pk]), {"post": "yes"})
    assert response.status_code == 403


def test_a_supervisor_edits_a_policy_and_it_is_audited(signed_in, supervisor):
    policy = SlaPolicy.objects.get(priority="P2")
    url = reverse("admin:escalation_slapolicy_change", args=[policy.pk])
    form = {"name": policy.name, "is_active": "on", "priority": "P2", "category": "", "channel": "", "time_basis": "business",
            "calendar": "", "first_response_hours": "2", "next_update_hours": "8", "resolution_hours": "40", "at_risk_percent": "80"}  # fmt: skip
    response = signed_in(supervisor).post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    policy.refresh_from_db()
    assert (policy.first_response_hours, policy.at_risk_percent) == (2, 80)
    event = AuditEvent.objects.filter(complaint=None, action="slapolicy_changed").latest("id")
    assert event.actor == supervisor and event.data["values"]["at_risk_percent"] == 80


def test_a_rule_needs_an_action(signed_in, supervisor):
    form = {"name": "Nothing", "is_active": "on", "clock": "decision", "trigger": "breached", "delay": "0", "priority": ""}
    response = signed_in(supervisor).post(reverse("admin:escalation_escalationrule_add"), form)
    assert response.status_code == 200 and "Choose at least one action." in response.content.decode()
    assert not EscalationRule.objects.filter(name="Nothing").exists()


def test_a_security_specialist_confirms_a_freeze_request_from_the_list(signed_in, alice, security_specialist, settings):
    settings.FREEZE_WEBHOOK_URL = ""
    complaint = file_complaint(alice, category=Category.ACCOUNT_SECURITY, funds_at_risk=True, channel=Channel.EMAIL)
    freeze = FreezeRequest.objects.get(complaint=complaint)
    response = signed_in(security_specialist).post(
        reverse("admin:escalation_freezerequest_changelist"), {"action": "confirm", "_selected_action": [freeze.pk]}
    )
    assert response.status_code == 302
    freeze.refresh_from_db()
    assert (freeze.status, freeze.confirmed_by) == (FreezeRequest.Status.PENDING, security_specialist)
    assert AuditEvent.objects.filter(complaint=complaint, action="freeze_confirmed", actor=security_specialist).exists()
    assert not Firing.objects.exists()
