"""Each transition POSTed from the complaint page, and the ways it is refused with nothing changed."""

from decimal import Decimal

import pytest

from complaints.models import AuditEvent, Complaint, Notification

from .conftest import act_url, change_url


def events(complaint):
    return list(AuditEvent.objects.filter(complaint=complaint).values_list("action", flat=True))


def post(client, complaint, name, data=None, **extra):
    complaint.refresh_from_db()
    payload = {"version": complaint.version, **(data or {})}
    return client.post(act_url(complaint, name), payload, **extra)


def reload(complaint):
    return Complaint.objects.get(pk=complaint.pk)


# --- succeeding --------------------------------------------------------------------------------------


def test_an_agent_triages_and_starts_the_investigation(signed_in, agent, complaint_in, team):
    complaint = complaint_in("triage")
    response = post(signed_in(agent), complaint, "start_investigation",
                    {"category": "deposit_withdrawal", "subcategory": "withdrawal_delayed", "priority": "P2",
                     "team": team("customer_service").pk, "assignee": agent.pk})  # fmt: skip
    assert response.status_code == 302 and response["Location"] == change_url(complaint)
    complaint = reload(complaint)
    assert (complaint.state, complaint.priority, complaint.assignee, complaint.subcategory) == (
        "investigating", "P2", agent, "withdrawal_delayed")
    assert events(complaint)[-1] == "start_investigation"


def test_asking_for_information_notifies_the_customer(signed_in, agent, assigned):
    complaint = assigned("investigating")
    post(signed_in(agent), complaint, "request_information", {"message": "Which wallet did you send to?", "items": ["wallet_address"]})
    assert reload(complaint).state == "awaiting_customer"
    assert Notification.objects.filter(complaint=complaint, kind="information_request").exists()


def test_an_agent_logs_an_answer_given_by_phone(signed_in, agent, assigned):
    complaint = assigned("awaiting_customer", return_state="investigating")
    post(signed_in(agent), complaint, "receive_information", {"message": "Wallet ends 9f3a", "channel": "phone"})
    complaint = reload(complaint)
    assert complaint.state == "investigating"
    assert complaint.messages.get().channel == "phone"


def test_rejecting_out_of_scope_closes_with_reasons(signed_in, agent, complaint_in):
    complaint = complaint_in("triage")
    post(signed_in(agent), complaint, "reject_out_of_scope", {"reasons": "A token issuer's matter.", "referral": "Contact the issuer."})
    complaint = reload(complaint)
    assert (complaint.state, complaint.closure_reason) == ("closed", "out_of_scope")


def test_proposing_within_the_limit_goes_to_the_customer(signed_in, agent, assigned):
    complaint = assigned("investigating")
    post(signed_in(agent), complaint, "propose_resolution", {
        "outcome": "upheld", "liability": "platform_fault", "reasons": "Our node lagged.", "recourse": "Appeal in 30 days.",
        "remedies-TOTAL_FORMS": 3, "remedies-INITIAL_FORMS": 0,
        "remedies-0-kind": "fee_refund", "remedies-0-amount": "12", "remedies-0-asset": "USDT", "remedies-0-reference_value": "12",
    })  # fmt: skip
    complaint = reload(complaint)
    assert complaint.state == "resolution_proposed" and complaint.decider == agent
    assert [r.kind for r in complaint.remedies.all()] == ["fee_refund"]


def test_proposing_above_the_limit_submits_it_for_approval(signed_in, agent, assigned):
    complaint = assigned("investigating")
    response = post(signed_in(agent), complaint, "propose_resolution", {
        "outcome": "upheld", "liability": "platform_fault", "reasons": "Our node lagged.", "recourse": "Appeal in 30 days.",
        "remedies-TOTAL_FORMS": 3, "remedies-INITIAL_FORMS": 0,
        "remedies-0-kind": "compensation", "remedies-0-amount": "2500", "remedies-0-asset": "USDT",
        "remedies-0-reference_value": "2500",
    }, follow=True)  # fmt: skip
    assert reload(complaint).state == "awaiting_approval"
    assert "waits for a supervisor" in response.content.decode()


def test_a_supervisor_approves_an_over_limit_resolution(signed_in, supervisor, awaiting_approval):
    complaint = awaiting_approval()
    post(signed_in(supervisor), complaint, "approve_resolution")
    complaint = reload(complaint)
    assert complaint.state == "resolution_proposed" and complaint.approver == supervisor


def test_the_approver_returns_it_for_rework_with_a_reason(signed_in, supervisor, awaiting_approval):
    complaint = awaiting_approval()
    post(signed_in(supervisor), complaint, "return_for_rework", {"reason": "Check the ledger first."})
    complaint = reload(complaint)
    assert complaint.state == "investigating"
    assert complaint.messages.get().visibility == "internal"


def test_the_reviewer_decides_an_appeal(signed_in, reviewer, assigned, agent):
    complaint = assigned("appealed", decider=agent)
    post(signed_in(reviewer), complaint, "decide_appeal", {
        "outcome": "confirmed", "reasons": "The decision stands.", "external_recourse": "The ombudsman.",
        "remedies-TOTAL_FORMS": 3, "remedies-INITIAL_FORMS": 0,
    })  # fmt: skip
    complaint = reload(complaint)
    assert (complaint.state, complaint.appeal_reviewer, complaint.appeal_outcome) == ("resolved", reviewer, "confirmed")


def test_a_supervisor_reopens_a_closed_complaint(signed_in, supervisor, assigned):
    complaint = assigned("closed", closure_reason="decided")
    post(signed_in(supervisor), complaint, "reopen", {"reason": "New evidence from the exchange."})
    assert reload(complaint).state == "investigating"


def test_merging_a_duplicate_links_and_closes_it(signed_in, agent, complaint_in):
    original, duplicate = complaint_in("investigating"), complaint_in("triage")
    post(signed_in(agent), duplicate, "merge", {"original": original.reference})
    duplicate = reload(duplicate)
    assert (duplicate.state, duplicate.closure_reason, duplicate.duplicate_of) == ("closed", "duplicate", original)
    assert duplicate.links.filter(related=original).exists() and original.links.filter(related=duplicate).exists()


# --- refused, nothing changed --------------------------------------------------------------------------


def test_an_agent_cannot_approve_403(signed_in, other_agent, awaiting_approval):
    complaint = awaiting_approval()
    before = events(complaint)
    response = post(signed_in(other_agent), complaint, "approve_resolution")
    assert response.status_code == 403
    assert "Your role does not allow this action" in response.content.decode()
    assert reload(complaint).state == "awaiting_approval" and events(complaint) == before


def test_the_compliance_officer_cannot_act_403(signed_in, compliance, complaint_in, team):
    complaint = complaint_in("triage")
    response = post(signed_in(compliance), complaint, "start_investigation", {"priority": "P3", "team": team("kyc").pk})
    assert response.status_code == 403 and reload(complaint).state == "triage"


def test_a_step_the_state_no_longer_allows_is_refused_with_a_message(signed_in, agent, assigned, team):
    complaint = assigned("investigating")
    response = post(signed_in(agent), complaint, "start_investigation", {"priority": "P1", "team": team("kyc").pk}, follow=True)
    assert "no longer possible" in response.content.decode()
    complaint = reload(complaint)
    assert complaint.priority == "P3" and complaint.team.code == "customer_service"


def test_a_stale_form_is_refused_after_another_agent_acted(signed_in, agent, other_agent, complaint_in, team):
    from complaints import services

    complaint = complaint_in("triage")
    stale_version = complaint.version
    services.complaint_assign(complaint=complaint, actor=other_agent, assignee=other_agent)  # meanwhile
    response = signed_in(agent).post(act_url(complaint, "reject_out_of_scope"), {
        "version": stale_version, "reasons": "Not ours.", "referral": "The issuer.",
    }, follow=True)  # fmt: skip
    assert "Someone changed this complaint after you opened it" in response.content.decode()
    assert reload(complaint).state == "triage"


def test_a_missing_reason_is_a_form_error_and_changes_nothing(signed_in, supervisor, awaiting_approval):
    complaint = awaiting_approval()
    before = events(complaint)
    response = post(signed_in(supervisor), complaint, "return_for_rework", {"reason": "  "})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was changed" in page and "This field is required" in page
    assert reload(complaint).state == "awaiting_approval" and events(complaint) == before


def test_a_service_validation_error_is_shown_on_the_form(signed_in, agent, assigned):
    complaint = assigned("investigating")
    response = post(signed_in(agent), complaint, "propose_resolution", {
        "outcome": "upheld", "liability": "platform_fault", "reasons": "r", "recourse": "r",
        "remedies-TOTAL_FORMS": 3, "remedies-INITIAL_FORMS": 0,
    })  # fmt: skip
    assert response.status_code == 200
    assert "Name at least one remedy" in response.content.decode()
    assert reload(complaint).state == "investigating"


def test_over_the_limit_from_triage_is_refused(signed_in, agent, assigned):
    complaint = assigned("triage")
    response = post(signed_in(agent), complaint, "propose_resolution", {
        "outcome": "upheld", "liability": "platform_fault", "reasons": "r", "recourse": "r",
        "remedies-TOTAL_FORMS": 1, "remedies-INITIAL_FORMS": 0, "remedies-0-kind": "compensation",
        "remedies-0-amount": "900", "remedies-0-asset": "USDT", "remedies-0-reference_value": "900",
    }, follow=True)  # fmt: skip
    assert "start the investigation first" in response.content.decode()
    assert reload(complaint).state == "triage" and not complaint.remedies.exists()


def test_get_shows_the_form_and_unknown_actions_are_404(signed_in, agent, assigned):
    complaint = assigned("investigating")
    client = signed_in(agent)
    assert client.get(act_url(complaint, "request_information")).status_code == 200
    assert client.post(act_url(complaint, "self_destruct")).status_code == 404


def test_customers_cannot_post_actions(signed_in, alice, complaint_in):
    complaint = complaint_in("triage")
    response = post(signed_in(alice), complaint, "reject_out_of_scope", {"reasons": "x", "referral": "y"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert reload(complaint).state == "triage"


# --- four eyes ------------------------------------------------------------------------------------------


def test_the_proposer_cannot_approve_their_own_resolution(signed_in, supervisor, assigned):
    from complaints.models import Remedy

    complaint = assigned("awaiting_approval", assignee=supervisor, decider=supervisor)
    Remedy.objects.create(complaint=complaint, kind="compensation", amount=Decimal(900), asset="USDT",
                          reference_value=Decimal(900), proposed_by=supervisor)  # fmt: skip
    response = post(signed_in(supervisor), complaint, "approve_resolution")
    assert response.status_code == 403 and "cannot approve it" in response.content.decode()
    assert reload(complaint).state == "awaiting_approval"


def test_a_supervisor_below_the_total_cannot_approve(signed_in, small_supervisor, awaiting_approval):
    complaint = awaiting_approval()
    response = post(signed_in(small_supervisor), complaint, "approve_resolution")
    assert response.status_code == 403 and "above your approval limit" in response.content.decode()
    assert reload(complaint).state == "awaiting_approval"


@pytest.mark.parametrize("who, sees", [("supervisor", True), ("small_supervisor", False), ("agent", False)])
def test_awaiting_my_approval_lists_what_each_may_approve(request, signed_in, awaiting_approval, who, sees):
    complaint = awaiting_approval()
    user = request.getfixturevalue(who)
    page = signed_in(user).get("/admin/complaints/complaint/?approval=mine").content.decode()
    assert (complaint.reference in page) is sees
