"""Retention: after its regime's period the complaint's personal data is erased everywhere it
lived, as an audited event, and the audit chain still verifies; a legal hold stops it."""

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from axes.models import AccessAttempt, AccessLog
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

from complaints import services
from complaints.choices import State
from complaints.compliance import retention
from complaints.compliance.erasure import ERASED, complaint_erase
from complaints.compliance.holds import legal_hold_place
from complaints.compliance.models import Erasure, RetentionPolicy
from complaints.compliance.tasks import retention_sweep
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import AuditEvent, Complaint, Evidence, Message, Notification
from escalation.models import Regime
from tests.lifecycle import investigate

from .conftest import file

SECRET = "+44 7700 900123"  # in the description: personal data to be erased
YEARS = timedelta(days=366 * 6)


@pytest.fixture
def closed(alice, agent):
    """Alice's complaint: a file, notes, a decision, a withdrawal — closed six years ago."""
    with time_machine.travel(timezone.now() - YEARS, tick=False):
        complaint = investigate(file(alice, order_ids=["BTC-77120"]), agent)
        services.evidence_attach(complaint=complaint, actor=alice, upload=SimpleUploadedFile("proof.txt", b"my wallet 0xabc\n"))
        services.complaint_add_message(complaint=complaint, actor=agent, body=f"Called Alice on {SECRET}.", internal=True)
        services.complaint_add_message(complaint=complaint, actor=agent, body="Dear Alice, we are checking.")
        complaint = services.complaint_withdraw(complaint=complaint, actor=alice, reason="Alice gave up; ring me on " + SECRET)
    AccessAttempt.objects.create(username=alice.email, ip_address="10.0.0.1", user_agent="x", failures_since_start=1)
    AccessLog.objects.create(username=alice.email, ip_address="10.0.0.1", user_agent="x")
    assert complaint.state == State.CLOSED
    return complaint


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def test_erasure_removes_the_personal_data_everywhere_and_the_chain_still_verifies(closed, alice, django_capture_on_commit_callbacks):
    stored = Evidence.objects.get(complaint=closed)
    storage, name = stored.file.storage, stored.file.name
    assert storage.exists(name)
    events_before = AuditEvent.objects.filter(complaint=closed).count()

    with django_capture_on_commit_callbacks(execute=True):
        erasure = complaint_erase(complaint=closed)

    complaint = Complaint.objects.get(pk=closed.pk)
    assert (complaint.summary, complaint.description) == (ERASED, ERASED)
    assert not complaint.identifiers.exists()
    assert all(message.body == ERASED for message in Message.objects.filter(complaint=closed))
    evidence = Evidence.objects.get(complaint=closed)
    assert (evidence.original_name, evidence.file.name) == (ERASED, "") and not storage.exists(name)
    assert all(n.to_email == "" and n.body_text == ERASED for n in Notification.objects.filter(complaint=closed))
    assert not AccessAttempt.objects.filter(username=alice.email).exists()
    assert not AccessLog.objects.filter(username=alice.email).exists()
    # History rows: nothing of what stood before is left, change reasons included.
    for history in (Complaint.history.filter(id=closed.pk), Message.history.filter(complaint_id=closed.pk)):
        for row in history:
            assert SECRET not in str(row.__dict__)
            assert "Alice gave up" not in (row.history_change_reason or "")
    assert all(row.original_name == ERASED and row.file == "" for row in Evidence.history.filter(complaint_id=closed.pk))
    # Audited with counts only, and every chain still verifies.
    event = AuditEvent.objects.filter(complaint=closed).latest("seq")
    assert event.action == "personal_data_erased" and event.data["erasure"] == erasure.pk
    assert event.data["counts"]["complaints.messages"] >= 4
    assert SECRET not in str(event.data)
    assert AuditEvent.objects.filter(complaint=closed).count() == events_before + 1
    assert "verified" in verify()


def test_the_dossier_still_reads_after_erasure(client, compliance, closed):
    complaint_erase(complaint=closed)
    client.force_login(compliance)
    response = client.get(f"/admin/compliance/complaints/{closed.pk}/dossier/")
    assert response.status_code == 200
    assert SECRET not in response.content.decode()


def test_a_legal_hold_on_the_complaint_prevents_erasure(closed, compliance):
    legal_hold_place(actor=compliance, complaint=closed, reason="Litigation: case 2031/7.")
    with pytest.raises(WrongState, match="legal hold"):
        complaint_erase(complaint=closed)
    assert Complaint.objects.get(pk=closed.pk).description != ERASED
    assert not Erasure.objects.exists()


def test_a_legal_hold_on_the_customer_stops_the_sweep(closed, alice, supervisor):
    legal_hold_place(actor=supervisor, customer=alice, reason="Regulator's information request.")
    assert retention_sweep() == "erased 0, skipped 0"
    assert not retention.due_for_erasure().exists()
    assert SECRET in Complaint.objects.get(pk=closed.pk).description


def test_the_sweep_erases_what_is_due_once(closed):
    assert list(retention.due_for_erasure()) == [closed]
    assert retention_sweep() == "erased 1, skipped 0"
    assert retention_sweep() == "erased 0, skipped 0"
    with pytest.raises(WrongState, match="already erased"):
        complaint_erase(complaint=closed)


def test_retention_follows_the_regime(closed):
    """MiCA keeps five years, DISP three; a longer MiCA period keeps the data longer."""
    regime = Complaint.objects.get(pk=closed.pk).clock.regime
    assert regime.code == "mica" and retention.retention_years(closed) == 5
    assert RetentionPolicy.objects.get(regime__code="fca-disp").years == 3
    policy = RetentionPolicy.objects.get(regime=regime)
    policy.years = 7
    policy.save()
    assert not retention.due_for_erasure().exists()
    with pytest.raises(WrongState, match="retention period"):
        complaint_erase(complaint=closed)
    event = AuditEvent.objects.filter(complaint=None).latest("id")
    assert (event.action, event.data["years"]) == ("retentionpolicy_changed", 7)


def test_a_complaint_within_retention_is_not_erased(alice, agent):
    complaint = services.complaint_withdraw(complaint=file(alice), actor=alice)
    assert not retention.due_for_erasure().exists()
    with pytest.raises(WrongState):
        complaint_erase(complaint=complaint)


def test_an_open_complaint_is_never_erased(alice, agent):
    with time_machine.travel(timezone.now() - YEARS, tick=False):
        complaint = investigate(file(alice), agent)
    with pytest.raises(WrongState):
        complaint_erase(complaint=complaint)


def test_only_the_system_erases(closed, compliance):
    with pytest.raises(NotPermitted):
        complaint_erase(complaint=closed, actor=compliance)
    assert not Erasure.objects.exists()


def test_a_registered_eraser_takes_part(closed, monkeypatch):
    from complaints.compliance import erasers

    seen = []
    monkeypatch.setattr(erasers, "_ERASERS", {**erasers._ERASERS})
    erasers.register_eraser("tests.extra", lambda complaint: seen.append(complaint.pk) or 3)
    erasure = complaint_erase(complaint=closed)
    assert seen == [closed.pk] and erasure.counts["tests.extra"] == 3


def test_a_disp_complaint_is_due_after_three_years(bob, agent):
    bob.customer_profile.jurisdiction = "GB"
    bob.customer_profile.save()
    with time_machine.travel(timezone.now() - timedelta(days=366 * 4), tick=False):
        complaint = services.complaint_withdraw(complaint=file(bob), actor=bob)
    assert Complaint.objects.get(pk=complaint.pk).clock.regime.code == "fca-disp"
    assert list(retention.due_for_erasure()) == [complaint]
    assert Regime.objects.filter(code="mica").exists()


def test_the_channels_records_are_erased_too(closed, alice):
    """Quarantined e-mail from the customer's address and the API's idempotency records."""
    from django.apps import apps

    InboundEmail = apps.get_model("channels", "InboundEmail")
    with time_machine.travel(closed.closed_at - timedelta(days=1), tick=False):
        quarantined = InboundEmail.objects.create(
            claim_key="q" * 64, message_id="<q1@example.com>", outcome=InboundEmail.Outcome.QUARANTINED, reason=InboundEmail.Reason.NO_TOKEN,
            sender=alice.email, subject="About " + SECRET, raw=b"From: alice\\r\\n\\r\\n" + SECRET.encode(),
        )  # fmt: skip
    linked = InboundEmail.objects.create(claim_key="m" * 64, message_id="<m1@example.com>", outcome=InboundEmail.Outcome.MESSAGE, complaint=closed, sender=alice.email)
    erasure = complaint_erase(complaint=closed)
    for email in InboundEmail.objects.filter(pk__in=[quarantined.pk, linked.pk]):
        assert (email.sender, email.subject, bytes(email.raw)) == ("", "", b"") and email.erased_at
    assert erasure.counts["channels.inbound_emails"] == 2


def test_the_api_idempotency_key_is_erased_and_the_claim_kept(closed):
    from django.apps import apps

    Integration, ApiIntake = apps.get_model("channels", "Integration"), apps.get_model("channels", "ApiIntake")
    chat = Integration.objects.create(name="Chat tool", channel="live_chat", token_digest="a" * 64, token_prefix="abc")
    intake = ApiIntake.objects.create(integration=chat, idempotency_key="alice-ticket-" + SECRET, body_sha256="b" * 64, complaint=closed)
    complaint_erase(complaint=closed)
    intake.refresh_from_db()
    assert SECRET not in intake.idempotency_key and intake.body_sha256 == "b" * 64
