"""Which actions each role sees: available_actions is what the page renders and what the tests
pin, per role and state."""

import pytest

from complaints.console.actions import available_names
from accounts.models import ConflictOfInterest

from .conftest import change_url

HANDLING = ["assign", "transfer", "declare_conflict", "message", "attach_evidence", "link"]


def test_an_agent_triaging_sees_the_triage_steps(agent, complaint_in):
    complaint = complaint_in("triage")
    assert available_names(agent, complaint) == [
        "start_investigation", "request_information", "reject_out_of_scope", "merge", *HANDLING,
    ]  # fmt: skip


def test_only_the_handler_may_propose_a_resolution(agent, other_agent, assigned):
    complaint = assigned("investigating")
    assert "propose_resolution" in available_names(agent, complaint)
    assert "propose_resolution" not in available_names(other_agent, complaint)


def test_a_supervisor_whose_limit_covers_it_may_approve_or_return(supervisor, awaiting_approval):
    names = available_names(supervisor, awaiting_approval())
    assert {"approve_resolution", "return_for_rework"} <= set(names)


def test_a_supervisor_below_the_total_may_return_but_not_approve(small_supervisor, awaiting_approval):
    names = available_names(small_supervisor, awaiting_approval())
    assert "approve_resolution" not in names and "return_for_rework" in names


def test_the_proposer_may_neither_approve_nor_return(supervisor, assigned):
    from decimal import Decimal

    from complaints.models import Remedy

    complaint = assigned("awaiting_approval", assignee=supervisor, decider=supervisor)
    Remedy.objects.create(complaint=complaint, kind="compensation", amount=Decimal(900), asset="USDT",
                          reference_value=Decimal(900), proposed_by=supervisor)  # fmt: skip
    names = available_names(supervisor, complaint)
    assert "approve_resolution" not in names and "return_for_rework" not in names


def test_the_appeals_reviewer_decides_appeals_but_not_ones_they_decided(reviewer, assigned, agent):
    complaint = assigned("appealed", decider=agent)
    assert "decide_appeal" in available_names(reviewer, complaint)
    complaint.decider = reviewer
    assert "decide_appeal" not in available_names(reviewer, complaint)


def test_a_supervisor_may_reopen_a_closed_complaint_and_an_agent_may_not(supervisor, agent, assigned):
    complaint = assigned("closed", closure_reason="decided")
    assert "reopen" in available_names(supervisor, complaint)
    assert "reopen" not in available_names(agent, complaint)


@pytest.mark.parametrize("state", ["triage", "investigating", "awaiting_approval", "resolved", "appealed", "closed"])
def test_the_compliance_officer_has_no_actions(compliance, assigned, state):
    assert available_names(compliance, assigned(state)) == []


def test_an_archived_complaint_offers_nothing(agent, supervisor, assigned):
    complaint = assigned("archived", closure_reason="decided")
    assert available_names(agent, complaint) == []
    assert available_names(supervisor, complaint) == []


def test_a_conflicted_agent_has_no_actions(agent, assigned):
    complaint = assigned("investigating")
    ConflictOfInterest.objects.create(staff=agent, complaint=complaint, reason="my cousin")
    assert available_names(agent, complaint) == []


def test_the_page_renders_exactly_the_available_buttons(signed_in, agent, assigned):
    complaint = assigned("investigating")
    page = signed_in(agent).get(change_url(complaint)).content.decode()
    for name in ["propose_resolution", "request_information", "assign", "transfer", "declare_conflict"]:
        assert f'id="action-{name}"' in page
    for name in ["start_investigation", "approve_resolution", "reopen", "decide_appeal"]:
        assert f'id="action-{name}"' not in page


def test_the_compliance_officer_reads_the_page_without_buttons_or_forms(signed_in, compliance, awaiting_approval):
    response = signed_in(compliance).get(change_url(awaiting_approval()))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<details" not in page and 'class="console-reply"' not in page
    assert "Read-only" in page
    assert 'name="_save"' not in page
