"""Nothing audited can be added, changed or deleted from the admin, by anyone."""

import pytest
from django.urls import reverse

from complaints.audit import audit_append
from complaints.models import AuditEvent
from tests.factories import UserFactory


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@redress.test", is_staff=True, is_superuser=True)


@pytest.fixture
def event(complaint_in):
    complaint = complaint_in("triage")
    return audit_append(complaint=complaint, actor=None, action="test")


@pytest.mark.parametrize("model", ["auditevent", "auditchain", "notification", "complaint"])
def test_a_superuser_cannot_add_audited_records(client, superuser, model):
    client.force_login(superuser)
    assert client.get(reverse(f"admin:complaints_{model}_add")).status_code == 403


def test_a_superuser_cannot_change_or_delete_an_audit_event(client, superuser, event):
    client.force_login(superuser)
    change = reverse("admin:complaints_auditevent_change", args=[event.pk])
    delete = reverse("admin:complaints_auditevent_delete", args=[event.pk])
    assert client.post(change, {"action": "forged"}).status_code == 403
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "test"


def test_a_superuser_cannot_bulk_delete_audit_events(client, superuser, event):
    client.force_login(superuser)
    url = reverse("admin:complaints_auditevent_changelist")
    client.post(url, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_the_compliance_officer_reads_audit_events(client, compliance, event):
    client.force_login(compliance)
    response = client.get(reverse("admin:complaints_auditevent_changelist"))
    assert response.status_code == 200
    assert event.complaint.reference in response.content.decode()


def test_a_customer_cannot_enter_the_admin(client, alice):
    client.force_login(alice)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
