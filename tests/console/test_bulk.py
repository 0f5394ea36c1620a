"""Bulk actions: each selected complaint succeeds or is reported with its own reason."""

from django.contrib.messages import get_messages

from complaints.models import AuditEvent, Complaint

from .conftest import CHANGELIST


def run(client, action, complaints, **fields):
    data = {"action": action, "_selected_action": [c.pk for c in complaints], "apply": "1", **fields}
    return client.post(CHANGELIST + "?state=all", data)


def test_the_first_post_shows_the_steps_form(signed_in, agent, complaint_in):
    complaints = [complaint_in("triage"), complaint_in("triage")]
    response = signed_in(agent).post(CHANGELIST, {"action": "bulk_start_investigation", "_selected_action": [c.pk for c in complaints]})
    html = response.content.decode()
    assert response.status_code == 200 and "Start investigation: 2 complaint(s)" in html
    assert all(c.reference in html for c in complaints)
    assert Complaint.objects.filter(state="investigating").count() == 0


def test_a_bulk_transition_reports_each_refusal_and_does_the_rest(signed_in, agent, complaint_in, assigned, team):
    ready = [complaint_in("triage"), complaint_in("triage")]
    already = assigned("investigating")
    client = signed_in(agent)
    response = run(client, "bulk_start_investigation", [*ready, already], priority="P2", team=team("kyc").pk)
    assert response.status_code == 302
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("done for 2 complaint(s)" in note for note in notes)
    assert any(already.reference in note and "it is investigating" in note for note in notes)
    assert [Complaint.objects.get(pk=c.pk).state for c in ready] == ["investigating", "investigating"]
    assert Complaint.objects.get(pk=already.pk).team.code == "customer_service"


def test_bulk_assign_to_an_agent_and_team(signed_in, supervisor, other_agent, complaint_in, team):
    complaints = [complaint_in("triage"), complaint_in("investigating")]
    run(signed_in(supervisor), "bulk_assign", complaints, assignee=other_agent.pk, team=team("customer_service").pk)
    for complaint in complaints:
        complaint.refresh_from_db()
        assert (complaint.assignee, complaint.team.code) == (other_agent, "customer_service")


def test_bulk_priority_is_audited_and_refuses_closed_ones(signed_in, agent, assigned):
    open_one, closed = assigned("investigating"), assigned("closed", closure_reason="decided")
    response = run(signed_in(agent), "bulk_set_priority", [open_one, closed], priority="P1")
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert Complaint.objects.get(pk=open_one.pk).priority == "P1"
    assert Complaint.objects.get(pk=closed.pk).priority == "P3"
    assert any(closed.reference in note for note in notes)
    assert AuditEvent.objects.get(complaint=open_one, action="edit").data == {"fields": ["priority"]}


def test_bulk_steps_need_their_fields(signed_in, agent, complaint_in):
    complaint = complaint_in("triage")
    response = run(signed_in(agent), "bulk_reject_out_of_scope", [complaint], reasons="", referral="")
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).state == "triage"


def test_bulk_approval_respects_each_limit(signed_in, small_supervisor, awaiting_approval):
    from decimal import Decimal

    small, big = awaiting_approval(total=Decimal(800)), awaiting_approval(total=Decimal(5000))
    response = run(signed_in(small_supervisor), "bulk_approve_resolution", [small, big])
    notes = [str(m) for m in get_messages(response.wsgi_request)]
    assert Complaint.objects.get(pk=small.pk).state == "resolution_proposed"
    assert Complaint.objects.get(pk=big.pk).state == "awaiting_approval"
    assert any(big.reference in note and "above your approval limit" in note for note in notes)


def test_read_only_roles_get_no_bulk_actions(signed_in, compliance, complaint_in):
    complaint_in("triage")
    html = signed_in(compliance).get(CHANGELIST).content.decode()
    assert 'name="action"' not in html
