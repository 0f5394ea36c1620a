"""The complaint page: conversation, evidence, remedies, related complaints, direct edits with a
version check, transfer and conflict, history — and a query count that doesn't grow."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import ConflictOfInterest
from complaints import services
from complaints.models import AuditEvent, CannedResponse, Complaint, ComplaintIdentifier, Evidence, Notification, Remedy
from tests.factories import UserFactory

from .conftest import act_url, change_url

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def page(client, complaint):
    response = client.get(change_url(complaint))
    assert response.status_code == 200
    return response.content.decode()


# --- clocks -----------------------------------------------------------------------------------------------


def test_the_head_shows_both_clocks_coloured_by_status(signed_in, agent, assigned):
    from datetime import timedelta

    from django.utils import timezone

    from escalation.queries import staff_clocks

    # Three days without a first response: the SLA target is breached, the regulatory decision is not.
    complaint = assigned("investigating", received_at=timezone.now() - timedelta(days=3))
    html = page(signed_in(agent), complaint)
    clocks = {clock.kind: clock for clock in staff_clocks(complaint)}
    decision, first = clocks["decision"], clocks["first_response"]
    assert decision.regulatory and decision.state == "on_track" and first.state == "breached"
    regime = complaint.clock.regime
    assert regime is not None and f"({regime.name})" in html
    assert "Decision due" in html and "SLA targets" in html
    assert f'<span class="deadline deadline-on_track" title="on_track">{timezone.localtime(decision.due_at):%Y-%m-%d %H:%M}' in html
    assert f"{first.label}: " in html
    assert f'<span class="deadline deadline-breached" title="breached">{timezone.localtime(first.due_at):%Y-%m-%d %H:%M} — breached' in html


# --- conversation ----------------------------------------------------------------------------------


def test_public_replies_and_internal_notes_look_different(signed_in, agent, assigned):
    complaint = assigned("investigating")
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are checking the chain.")
    services.complaint_add_message(complaint=complaint, actor=agent, body="Node provider says lag.", internal=True)
    html = page(signed_in(agent), complaint)
    assert 'class="message public"' in html and "Reply to customer" in html
    assert 'class="message internal"' in html and "Internal note" in html


def test_replying_publicly_notifies_the_customer_and_a_note_does_not(signed_in, agent, assigned):
    complaint = assigned("investigating")
    client = signed_in(agent)
    client.post(act_url(complaint, "message"), {"body": "We found your deposit.", "visibility": "public"})
    client.post(act_url(complaint, "message"), {"body": "Ledger ref 77.", "visibility": "internal"})
    assert [m.visibility for m in complaint.messages.all()] == ["public", "internal"]
    assert Notification.objects.filter(complaint=complaint, kind="reply").count() == 1


def test_canned_responses_of_the_category_and_language_are_offered_filled_in(signed_in, agent, assigned):
    complaint = assigned("investigating")
    CannedResponse.objects.create(title="Deposit checks", category="deposit_withdrawal", language="en",
                                  body="Dear {customer}, about {reference}: we are checking.")  # fmt: skip
    CannedResponse.objects.create(title="KYC only", category="kyc", language="en", body="kyc")
    CannedResponse.objects.create(title="Chinese", category="", language="zh-hans", body="您好")
    CannedResponse.objects.create(title="Retired", category="", language="en", body="old", is_active=False)
    html = page(signed_in(agent), complaint)
    assert "Deposit checks" in html and f"about {complaint.reference}: we are checking" in html
    assert "KYC only" not in html and "Chinese" not in html and "Retired" not in html
    assert 'data-canned-target="id_message_body"' in html and "console/console.js" in html


def test_the_forms_written_out_on_the_page_post_what_their_forms_read(signed_in, agent, assigned):
    from complaints.console.forms import EvidenceForm, LinkForm, MessageForm

    html = page(signed_in(agent), assigned("investigating"))
    for form, names in [(MessageForm, {"body", "visibility"}), (EvidenceForm, {"upload"}), (LinkForm, {"related"})]:
        assert set(form.base_fields) - {"version"} == names
        assert all(f'name="{name}"' in html for name in names)


# --- evidence ------------------------------------------------------------------------------------------


def test_agents_attach_collected_evidence_listed_with_its_digest(signed_in, agent, assigned):
    complaint = assigned("investigating")
    client = signed_in(agent)
    upload = SimpleUploadedFile("login-log.png", PNG, content_type="image/png")
    response = client.post(act_url(complaint, "attach_evidence"), {"upload": upload})
    assert response.status_code == 302
    evidence = Evidence.objects.get(complaint=complaint)
    assert evidence.purpose == Evidence.Purpose.COLLECTED and evidence.uploaded_by == agent
    html = page(client, complaint)
    assert "login-log.png" in html and evidence.sha256 in html and "image/png" in html
    assert reverse("evidence-download", args=[evidence.pk]) in html


def test_a_file_that_is_not_what_it_claims_is_refused_on_the_form(signed_in, agent, assigned):
    complaint = assigned("investigating")
    upload = SimpleUploadedFile("trades.png", b"MZ\x90\x00 not a png", content_type="image/png")
    response = signed_in(agent).post(act_url(complaint, "attach_evidence"), {"upload": upload})
    assert response.status_code == 200 and "is not really a PNG image" in response.content.decode()
    assert not Evidence.objects.filter(complaint=complaint).exists()


def test_evidence_download_is_refused_to_a_role_without_access(signed_in, agent, assigned):
    complaint = assigned("investigating")
    evidence = services.evidence_attach(complaint=complaint, actor=agent,
                                        upload=SimpleUploadedFile("a.png", PNG, content_type="image/png"))  # fmt: skip
    no_role = UserFactory(is_staff=True)
    response = signed_in(no_role).get(reverse("evidence-download", args=[evidence.pk]))
    assert response.status_code == 404


def test_the_compliance_officer_may_download_evidence(signed_in, compliance, agent, assigned):
    complaint = assigned("investigating")
    evidence = services.evidence_attach(complaint=complaint, actor=agent,
                                        upload=SimpleUploadedFile("a.png", PNG, content_type="image/png"))  # fmt: skip
    assert signed_in(compliance).get(reverse("evidence-download", args=[evidence.pk])).status_code == 200


# --- remedies --------------------------------------------------------------------------------------------


@pytest.fixture
def accepted_remedy(assigned, agent):
    complaint = assigned("resolved", decider=agent)
    return Remedy.objects.create(complaint=complaint, kind="fee_refund", amount=Decimal(12), asset="USDT",
                                 reference_value=Decimal(12), proposed_by=agent, state="accepted")  # fmt: skip


def test_an_agent_records_a_remedys_execution_with_the_ledger_reference(signed_in, agent, accepted_remedy):
    complaint = accepted_remedy.complaint
    signed_in(agent).post(act_url(complaint, "remedy_execute"), {"remedy": accepted_remedy.pk, "ledger_reference": "LEDGER-9"})
    accepted_remedy.refresh_from_db()
    assert (accepted_remedy.state, accepted_remedy.ledger_reference) == ("executed", "LEDGER-9")
    assert AuditEvent.objects.filter(complaint=complaint, action="remedy_execute").exists()


def test_a_failed_remedy_lands_in_the_supervisors_queue_who_retry_it(signed_in, agent, supervisor, accepted_remedy):
    complaint = accepted_remedy.complaint
    signed_in(agent).post(act_url(complaint, "remedy_fail"), {"remedy": accepted_remedy.pk, "reason": "Ledger down"})
    accepted_remedy.refresh_from_db()
    assert accepted_remedy.state == "failed"
    client = signed_in(supervisor)
    assert complaint.reference in client.get("/admin/complaints/complaint/?remedy=failed").content.decode()
    assert 'remedy_retry' in page(client, complaint)
    client.post(act_url(complaint, "remedy_retry"), {"remedy": accepted_remedy.pk})
    accepted_remedy.refresh_from_db()
    assert accepted_remedy.state == "accepted"


def test_agents_may_not_retry_a_failed_remedy(signed_in, agent, accepted_remedy):
    Remedy.objects.filter(pk=accepted_remedy.pk).update(state="failed")
    response = signed_in(agent).post(act_url(accepted_remedy.complaint, "remedy_retry"), {"remedy": accepted_remedy.pk})
    assert response.status_code == 403


def test_a_remedy_of_another_complaint_is_refused(signed_in, agent, accepted_remedy, assigned):
    other = assigned("resolved")
    Remedy.objects.create(complaint=other, kind="apology", proposed_by=agent, state="accepted")
    response = signed_in(agent).post(act_url(other, "remedy_execute"), {"remedy": accepted_remedy.pk, "ledger_reference": "X"})
    assert response.status_code == 200 and "not part of the complaint" in response.content.decode()
    accepted_remedy.refresh_from_db()
    assert accepted_remedy.state == "accepted"


# --- related complaints -------------------------------------------------------------------------------------


def test_complaints_with_the_same_transaction_are_suggested_and_linked(signed_in, agent, assigned, bob, complaint_in):
    tx = "ab" * 32
    complaint, same_tx, unrelated = assigned("investigating"), complaint_in("triage", customer=bob), complaint_in("triage")
    for c in (complaint, same_tx):
        ComplaintIdentifier.objects.create(complaint=c, kind="tx_hash", network="TRON", value=tx)
    client = signed_in(agent)
    html = page(client, complaint)
    assert same_tx.reference in html and unrelated.reference not in html
    client.post(act_url(complaint, "link"), {"related": same_tx.reference})
    assert complaint.links.filter(related=same_tx).exists()
    assert AuditEvent.objects.filter(complaint=complaint, action="link").exists()


# --- direct edits, transfer, conflict ---------------------------------------------------------------------


def edit(client, complaint, version, **fields):
    data = {"expected_version": version, "summary": complaint.summary, "subcategory": complaint.subcategory,
            "priority": complaint.priority, "root_cause": complaint.root_cause, **fields}  # fmt: skip
    return client.post(change_url(complaint), data, follow=True)


def test_a_direct_edit_is_saved_through_an_audited_service(signed_in, agent, assigned):
    complaint = assigned("investigating")
    edit(signed_in(agent), complaint, complaint.version, summary="USDT withdrawal on TRON never arrived", root_cause="node lag")
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.summary == "USDT withdrawal on TRON never arrived" and complaint.root_cause == "node lag"
    event = AuditEvent.objects.filter(complaint=complaint).latest("seq")
    assert (event.action, sorted(event.data["fields"]), event.actor) == ("edit", ["root_cause", "summary"], agent)
    assert complaint.history.first().history_change_reason == "edit: summary, root_cause"


def test_a_stale_save_is_refused_and_changes_nothing(signed_in, agent, other_agent, assigned):
    complaint = assigned("investigating")
    opened_at_version = complaint.version
    services.complaint_add_message(complaint=complaint, actor=other_agent, body="x")  # no version change
    services.complaint_assign(complaint=complaint, actor=other_agent, assignee=other_agent)  # version changes
    response = edit(signed_in(agent), complaint, opened_at_version, summary="Overwritten")
    assert "Someone changed this complaint after you opened it" in response.content.decode()
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.summary == "My USDT withdrawal never arrived" and complaint.assignee == other_agent
    assert not AuditEvent.objects.filter(complaint=complaint, action="edit").exists()


def test_fields_outside_the_editable_set_cannot_be_changed_by_posting_them(signed_in, agent, assigned):
    complaint = assigned("investigating")
    edit(signed_in(agent), complaint, complaint.version, state="closed", reasons="forged", assignee="", legal_hold="on")
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert (complaint.state, complaint.reasons, complaint.assignee_id is not None, complaint.legal_hold) == (
        "investigating", "", True, False)


def test_a_field_error_shows_next_to_the_field_and_saves_nothing(signed_in, agent, assigned):
    complaint = assigned("investigating")
    html = edit(signed_in(agent), complaint, complaint.version, summary="").content.decode()
    assert '<div class="form-row errors field-summary"><ul class="errorlist"' in html and "This field is required." in html
    assert Complaint.objects.get(pk=complaint.pk).summary == complaint.summary
    assert not AuditEvent.objects.filter(complaint=complaint, action="edit").exists()


def test_the_record_shows_values_as_the_admin_does(signed_in, agent, assigned):
    original = assigned("investigating")
    complaint = assigned("closed", closure_reason="duplicate", duplicate_of=original, funds_at_risk=True,
                         description="Line one\nLine <two>")  # fmt: skip
    html = re.sub(r">\s+<", "><", page(signed_in(agent), complaint))
    assert f'<label>Duplicate of:</label><div class="readonly"><a href="{change_url(original)}">{original.reference}</a></div>' in html
    assert '<div class="readonly">Line one<br>Line &lt;two&gt;</div>' in html
    assert '<div class="readonly"><img src="/static/admin/img/icon-yes.svg" alt="True"></div>' in html
    assert '<div class="readonly">Closed</div>' in html and '<label>Closure reason:</label>' in html


def test_a_closed_complaint_has_no_save_button(signed_in, agent, assigned):
    html = page(signed_in(agent), assigned("closed", closure_reason="decided"))
    assert 'name="_save"' not in html


def test_fields_of_later_phases_are_hidden(signed_in, agent, complaint_in):
    html = page(signed_in(agent), complaint_in("triage"))
    assert "field-summary" in html and "field-priority" in html
    assert "field-outcome" not in html and "field-appeal_outcome" not in html and "field-closure_reason" not in html


def test_transfer_to_another_team_is_audited_and_clears_the_handler(signed_in, agent, assigned, team):
    complaint = assigned("investigating")
    signed_in(agent).post(act_url(complaint, "transfer"),
                          {"version": complaint.version, "team": team("security").pk, "reason": "Looks like account takeover."})  # fmt: skip
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.team.code == "security" and complaint.assignee is None
    assert AuditEvent.objects.filter(complaint=complaint, action="transfer").exists()


def test_declaring_a_conflict_recuses_the_agent(signed_in, agent, assigned):
    complaint = assigned("investigating")
    client = signed_in(agent)
    client.post(act_url(complaint, "declare_conflict"), {"reason": "The customer is my brother."})
    assert ConflictOfInterest.objects.filter(staff=agent, complaint=complaint).exists()
    assert Complaint.objects.get(pk=complaint.pk).assignee is None
    assert AuditEvent.objects.filter(complaint=complaint, action="conflict_declared").exists()
    assert 'id="action-' not in page(client, complaint)


# --- history ------------------------------------------------------------------------------------------------


def test_history_shows_field_diffs_and_audit_events_read_only(signed_in, supervisor, agent, assigned):
    complaint = assigned("investigating")
    services.complaint_assign(complaint=complaint, actor=supervisor, assignee=supervisor)
    response = signed_in(supervisor).get(reverse("admin:complaints_complaint_history", args=[complaint.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Assignee:" in html and "Audit events" in html and ">assign<" in html
    assert "Choose a date from the list below to revert" not in html
    assert "Deleted user" not in html  # an empty foreign key is a dash, not a "deleted" user


def test_agents_read_the_history_a_staff_member_without_a_role_gets_403(signed_in, agent, assigned):
    from tests.factories import UserFactory

    complaint = assigned("investigating")
    url = reverse("admin:complaints_complaint_history", args=[complaint.pk])
    assert signed_in(agent).get(url).status_code == 200
    assert signed_in(UserFactory(is_staff=True)).get(url).status_code == 403


# --- query counts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("messages", [1, 50])
def test_the_page_costs_the_same_queries_with_1_or_50_messages(signed_in, agent, assigned, django_assert_num_queries, messages):
    from complaints.models import Message

    complaint = assigned("investigating")
    Message.objects.bulk_create(Message(complaint=complaint, author=agent if i % 2 else complaint.customer, body=f"m{i}",
                                        visibility="internal" if i % 3 == 0 else "public") for i in range(messages))  # fmt: skip
    for i in range(3):
        Evidence.objects.create(complaint=complaint, original_name=f"f{i}.png", content_type="image/png", extension=".png",
                                size=10, sha256="0" * 64, uploaded_by=agent, file=f"x/{i}.png")  # fmt: skip
    client = signed_in(agent)
    client.get(change_url(complaint))  # warm the session and the content types
    # session, user, complaint (with its clock row), the staff named on it (one query by id), the user's permissions
    # (2), remedies, the declared-conflict check (one, however many actor rules ask: policies.conflicts_remembered),
    # identifiers, links, canned responses, messages with their authors, evidence with its uploaders: 13; then both
    # clocks (escalation.queries.staff_clocks: the configuration token, the staff-answer and waiting-message
    # aggregates, the latest extension, the pauses: 5; the regime and its name come with the complaint and the
    # configuration) and the outbox (1): 19, however long the conversation. No action form is built here: each opens
    # on its own page.
    with django_assert_num_queries(PAGE_QUERIES):
        assert client.get(change_url(complaint)).status_code == 200


PAGE_QUERIES = 19  # 13 + staff_clocks (5) + the outbox (1)


def test_the_user_list_shows_roles_and_second_factor_without_a_query_per_row(signed_in, compliance, agent, supervisor,
                                                                            django_assert_max_num_queries):  # fmt: skip
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=agent, name="phone", confirmed=True)
    client = signed_in(compliance)
    client.get("/admin/accounts/user/")
    with django_assert_max_num_queries(10):
        response = client.get("/admin/accounts/user/?kind=staff")
    html = response.content.decode()
    assert response.status_code == 200 and "agent@redress.test" in html and "supervisor" in html
