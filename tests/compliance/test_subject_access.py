"""A customer's subject-access export: a ZIP of their complaints, public messages and evidence,
for compliance only, recorded on the system chain."""

import io
import json
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from complaints import services
from complaints.models import AuditEvent
from tests.lifecycle import investigate

from .conftest import file


@pytest.fixture
def alices(alice, bob, agent):
    complaint = investigate(file(alice), agent)
    services.evidence_attach(complaint=complaint, actor=alice, upload=SimpleUploadedFile("proof.txt", b"order 77120\n"))
    services.complaint_add_message(complaint=complaint, actor=agent, body="Internal: suspect a bot.", internal=True)
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are looking into it.")
    file(bob, summary="Bob's own problem")
    return complaint


def export(client, customer: str, **extra):
    return client.post(reverse("compliance:subject-access"), {"customer": customer, **extra})


def unzip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_the_customers_complaints_messages_and_evidence(client, compliance, alice, alices):
    client.force_login(compliance)
    response = export(client, "ALICE@example.com")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = unzip(response)
    record = json.loads(archive.read(f"{alices.reference}/complaint.json"))
    bodies = [message["body"] for message in record["messages"]]
    assert "We are looking into it." in bodies
    assert "Internal: suspect a bot." not in bodies
    evidence = record["evidence"][0]
    assert archive.read(evidence["file"]) == b"order 77120\n"
    assert not any("Bob" in name for name in archive.namelist())
    event = AuditEvent.objects.filter(complaint=None).latest("id")
    assert (event.action, event.actor, event.data) == (
        "subject_access_exported", compliance, {"customer": alice.pk, "complaints": 1, "files": 1, "internal": False}
    )
    assert "alice" not in json.dumps(event.data)


def test_internal_notes_only_when_asked(client, compliance, alices):
    client.force_login(compliance)
    archive = unzip(export(client, alices.customer.customer_profile.exchange_uid, include_internal="on"))
    record = json.loads(archive.read(f"{alices.reference}/complaint.json"))
    assert "Internal: suspect a bot." in [message["body"] for message in record["messages"]]


def test_an_unknown_customer_is_a_form_error(client, compliance, alices):
    client.force_login(compliance)
    before = AuditEvent.objects.count()
    response = export(client, "nobody@example.com")
    assert response.status_code == 200 and "No customer" in response.content.decode()
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("persona", ["agent", "supervisor"])
def test_only_compliance_exports(client, request, persona, alices):
    client.force_login(request.getfixturevalue(persona))
    before = AuditEvent.objects.count()
    assert export(client, "alice@example.com").status_code == 403
    assert AuditEvent.objects.count() == before


def test_the_customer_is_never_in_the_url(client, compliance):
    client.force_login(compliance)
    assert client.get(reverse("compliance:subject-access"), {"customer": "alice@example.com"}).status_code == 200
    assert not AuditEvent.objects.filter(action="subject_access_exported").exists()
