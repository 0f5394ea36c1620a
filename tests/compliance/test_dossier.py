"""The dossier reconstitutes every stage of a complaint: the page (printable), its JSON and CSV
exports (streamed), each view and export recorded on the system chain; only compliance reads it."""

import csv
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints import services
from complaints.choices import AppealOutcome, RemedyKind, State
from complaints.compliance.dossier import dossier_build
from complaints.models import AuditEvent
from escalation.services import deadline_extend
from tests.lifecycle import investigate

from .conftest import decision, file

STAGES = [
    "file", "acknowledge", "start_investigation", "request_information", "receive_information", "submit_for_approval",
    "approve_resolution", "accept_resolution", "appeal", "decide_appeal",
]  # fmt: skip


@pytest.fixture
def appealed(alice, agent, supervisor, reviewer):
    """Through every stage: investigation, a question, approval, acceptance, an appeal decided."""
    complaint = investigate(file(alice), agent)
    services.complaint_add_message(complaint=complaint, actor=agent, body="Checked the order book: 8% slip.", internal=True)
    complaint = services.complaint_request_information(complaint=complaint, actor=agent, message="Which order ID?")
    complaint = services.complaint_receive_information(complaint=complaint, actor=alice, message="Order 77120.")
    big = services.RemedyInput(kind=RemedyKind.COMPENSATION, amount=Decimal("900"), asset="USDT", reference_value=Decimal("900"))
    complaint = services.complaint_submit_for_approval(complaint=complaint, actor=agent, decision=decision(big))
    complaint = services.complaint_approve_resolution(complaint=complaint, actor=supervisor)
    complaint = services.complaint_accept_resolution(complaint=complaint, actor=alice)
    complaint = services.complaint_appeal(complaint=complaint, actor=alice, grounds="The amount ignores the fees.")
    more = services.RemedyInput(kind=RemedyKind.COMPENSATION, amount=Decimal("950"), asset="USDT", reference_value=Decimal("950"))
    complaint = services.complaint_decide_appeal(
        complaint=complaint, actor=complaint.assignee, outcome=AppealOutcome.CHANGED, reasons="Fees were left out.",
        external_recourse="The Financial Ombudsman Service.", remedies=[more],
    )  # fmt: skip
    assert complaint.state == State.RESOLVED
    return complaint


def test_the_dossier_of_an_appealed_complaint_holds_every_stage_in_order_with_every_change(appealed, agent):
    dossier = dossier_build(appealed)
    actions = [entry.action for entry in dossier.sections["timeline"]]
    transitions = [action for action in actions if action in STAGES]
    assert transitions == STAGES
    seqs = [int(entry.subject[1:]) for entry in dossier.sections["timeline"]]
    assert seqs == list(range(1, len(seqs) + 1))
    rework = {(e.field, e.before, e.after) for e in dossier.sections["field_changes"]}
    assert ("state", State.RESOLVED, State.APPEALED) in rework
    assert ("state", State.APPEALED, State.RESOLVED) in rework
    assert ("appeal_outcome", "", AppealOutcome.CHANGED) in rework
    assert ("approver", "", str(appealed.approver_id)) in rework
    changes = dossier.sections["field_changes"]
    assert [c.at for c in changes if c.field == "state"] == sorted(c.at for c in changes if c.field == "state")
    appeal_row = next(e for e in dossier.sections["timeline"] if e.action == "appeal")
    assert appeal_row.actor == appealed.customer.email and (appeal_row.before, appeal_row.after) == ("resolved", "appealed")
    bodies = [entry.detail["body"] for entry in dossier.sections["messages"]]
    assert "Checked the order book: 8% slip." in bodies  # internal notes too
    assert any("Fees were left out." in body for body in bodies)
    remedy_states = [(e.subject, e.after) for e in dossier.sections["remedy_changes"] if e.field == "state"]
    assert ("cancelled" in {after for _subject, after in remedy_states}) and ("accepted" in {after for _s, after in remedy_states})
    assert dossier.chain.verified


def test_deadline_extensions_and_evidence_are_in_the_dossier(alice, agent, settings):
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile

    complaint = investigate(file(alice), agent)
    due = complaint.clock.decision_due_at
    deadline_extend(complaint=complaint, actor=agent, new_due_at=due + timedelta(days=10), reason="Waiting for the chain analysis.")
    services.evidence_attach(complaint=complaint, actor=alice, upload=SimpleUploadedFile("proof.txt", b"order 77120\n"))
    dossier = dossier_build(complaint)
    extension = next(e for e in dossier.sections["deadlines"] if e.section == "extension")
    assert extension.detail["reason"] == "Waiting for the chain analysis."
    item = dossier.sections["evidence"][0]
    assert item.detail["name"] == "proof.txt" and len(item.detail["sha256"]) == 64


PAGE_QUERIES = 27


def _dossier_queries(client, complaint) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("compliance:dossier", args=[complaint.pk])).status_code == 200
    return len(queries)


def test_the_page_costs_the_same_queries_however_long_the_history(client, compliance, alice, agent, appealed, django_assert_num_queries):
    client.force_login(compliance)
    short = file(alice)
    _dossier_queries(client, short)  # warm caches (content types, permissions)
    assert _dossier_queries(client, short) == _dossier_queries(client, appealed)
    # session, user, permissions (2); complaint and conflicts (3); the view's record on the system
    # chain (lock, insert, head); the sections: history reasons, events, field changes, messages,
    # evidence, remedies, remedy history, clock, extensions, pauses, holds, erasure; the chain's
    # check: chain, latest seal, events, sealed heads, latest sealed head
    with django_assert_num_queries(PAGE_QUERIES):
        client.get(reverse("compliance:dossier", args=[appealed.pk]))


def test_viewing_is_recorded_on_the_system_chain(client, compliance, appealed):
    client.force_login(compliance)
    response = client.get(reverse("compliance:dossier", args=[appealed.pk]))
    assert appealed.reference in response.content.decode()
    event = AuditEvent.objects.filter(complaint=None).latest("id")
    assert (event.action, event.actor, event.data) == ("dossier_viewed", compliance, {"complaint": appealed.pk})


def test_the_json_export_streams_every_entry_and_is_recorded(client, compliance, appealed):
    client.force_login(compliance)
    response = client.get(reverse("compliance:dossier-export", args=[appealed.pk, "json"]))
    assert response.streaming and response["Content-Disposition"].startswith("attachment")
    document = json.loads(b"".join(response.streaming_content))
    assert document["complaint"]["reference"] == appealed.reference
    timeline = [e["action"] for e in document["entries"] if e["section"] == "timeline"]
    assert [a for a in timeline if a in STAGES] == STAGES
    event = AuditEvent.objects.filter(complaint=None).latest("id")
    assert (event.action, event.data) == ("dossier_exported", {"complaint": appealed.pk, "format": "json"})


def test_the_csv_export_has_one_row_per_entry(client, compliance, appealed):
    client.force_login(compliance)
    response = client.get(reverse("compliance:dossier-export", args=[appealed.pk, "csv"]))
    assert response.streaming
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == sum(len(section) for section in dossier_build(appealed).sections.values())
    assert {"section", "before", "after"} <= set(rows[0])
    assert any(row["field"] == "appeal_outcome" and row["after"] == "changed" for row in rows)


def test_an_unknown_format_is_404(client, compliance, appealed):
    client.force_login(compliance)
    assert client.get(reverse("compliance:dossier-export", args=[appealed.pk, "xml"])).status_code == 404


@pytest.mark.parametrize("persona", ["agent", "supervisor", "reviewer"])
def test_other_staff_are_refused(client, request, persona, appealed):
    client.force_login(request.getfixturevalue(persona))
    before = AuditEvent.objects.count()
    assert client.get(reverse("compliance:dossier", args=[appealed.pk])).status_code == 403
    assert client.get(reverse("compliance:dossier-export", args=[appealed.pk, "json"])).status_code == 403
    assert AuditEvent.objects.count() == before


def test_a_customer_is_sent_to_sign_in(client, alice, appealed):
    client.force_login(alice)
    response = client.get(reverse("compliance:dossier", args=[appealed.pk]))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_a_conflicted_officer_gets_404(client, compliance, appealed):
    from accounts.models import ConflictOfInterest

    ConflictOfInterest.objects.create(staff=compliance, complaint=appealed, reason="My brother's account.")
    client.force_login(compliance)
    assert client.get(reverse("compliance:dossier", args=[appealed.pk])).status_code == 404


def test_a_missing_complaint_is_404(client, compliance):
    client.force_login(compliance)
    assert client.get(reverse("compliance:dossier", args=[999999])).status_code == 404


def test_post_is_refused(client, compliance, appealed):
    client.force_login(compliance)
    assert client.post(reverse("compliance:dossier", args=[appealed.pk])).status_code == 405
