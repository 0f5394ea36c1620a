"""Evidence is served only to its owner and to staff who may see it, as a download."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ConflictOfInterest
from complaints import services
from complaints.models import AuditEvent

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def evidence(alice, complaint_in):
    complaint = complaint_in("triage")
    upload = SimpleUploadedFile("statement.pdf", PDF, content_type="application/pdf")
    return services.evidence_attach(complaint=complaint, actor=alice, upload=upload)


def download(client, user, evidence):
    client.force_login(user)
    return client.get(reverse("evidence-download", args=[evidence.pk]))


def test_the_owner_downloads_it_as_an_attachment_that_is_never_sniffed(client, alice, evidence):
    response = download(client, alice, evidence)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"].startswith('attachment; filename="statement.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"


def test_a_download_is_recorded_on_the_system_chain(client, agent, evidence):
    download(client, agent, evidence)
    event = AuditEvent.objects.filter(complaint=None, action="evidence_downloaded").get()
    assert event.actor == agent and event.data["evidence"] == evidence.pk


def test_another_customer_gets_404(client, bob, evidence):
    assert download(client, bob, evidence).status_code == 404


def test_a_conflicted_agent_gets_404(client, agent, evidence):
    ConflictOfInterest.objects.create(staff=agent, complaint=evidence.complaint, reason="related")
    assert download(client, agent, evidence).status_code == 404


def test_staff_whose_role_cannot_view_evidence_get_404(client, evidence):
    from tests.factories import UserFactory

    no_role = UserFactory(is_staff=True)
    assert download(client, no_role, evidence).status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, evidence):
    response = client.get(reverse("evidence-download", args=[evidence.pk]))
    assert response.status_code == 302


def test_post_is_refused(client, alice, evidence):
    client.force_login(alice)
    assert client.post(reverse("evidence-download", args=[evidence.pk])).status_code == 405


def test_there_is_no_public_url_for_evidence_files(evidence, settings):
    assert settings.STORAGES["evidence"]["OPTIONS"]["base_url"] is None
    assert "static" not in evidence.file.path.split("/")
