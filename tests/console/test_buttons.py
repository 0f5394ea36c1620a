"""Which actions each role sees: available_actions is what the page renders and what the tests
pin, per role and state."""

import pytest

from complaints.console.actions import available_names
from accounts.models import ConflictOfInterest

from .conftest import act_url, change_url

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
        assert f'href="{act_url(complaint, name)}" class="console-action' in page and f'id="action-{name}"' in page
    for name in ["start_investigation", "approve_resolution", "reopen", "decide_appeal"]:
        assert f'id="action-{name}"' not in page


def test_each_button_opens_its_form_on_a_page_of_its_own(signed_in, agent, assigned):
    complaint = assigned("investigating")
    client = signed_in(agent)
    page = client.get(change_url(complaint)).content.decode()
    # The complaint page builds no action form but the reply, the attachment and the link.
    assert 'name="remedies-TOTAL_FORMS"' not in page and 'name="assignee"' not in page and 'name="reason"' not in page
    response = client.get(act_url(complaint, "propose_resolution"))
    form = response.content.decode()
    assert response.status_code == 200
    assert f'action="{act_url(complaint, "propose_resolution")}"' in form and 'name="remedies-TOTAL_FORMS"' in form
    assert f'name="version" value="{complaint.version}"' in form and f'href="{change_url(complaint)}"' in form


def test_an_action_page_is_refused_to_whom_the_page_offers_no_button(signed_in, agent, compliance, small_supervisor,
                                                                      awaiting_approval):  # fmt: skip
    complaint = awaiting_approval()
    refusals = [(agent, "Your role does not allow this action."), (compliance, "Your role does not allow this action."),
                (small_supervisor, "above your approval limit")]  # fmt: skip
    for user, reason in refusals:
        response = signed_in(user).get(act_url(complaint, "approve_resolution"))
        assert response.status_code == 403 and reason in response.content.decode()


def test_the_approval_page_shows_what_is_approved(signed_in, supervisor, awaiting_approval):
    page = signed_in(supervisor).get(act_url(awaiting_approval(), "approve_resolution")).content.decode()
    assert "Proposed resolution, awaiting approval" in page and "2,500.00" in page and "We delayed the withdrawal." in page


def test_the_compliance_officer_reads_the_page_without_buttons_or_forms(signed_in, compliance, awaiting_approval):
    response = signed_in(compliance).get(change_url(awaiting_approval()))
    page = response.content.decode()
    assert response.status_code == 200
    assert 'class="console-actions"' not in page and 'id="action-' not in page and 'class="console-reply"' not in page
    assert "Read-only" in page
    assert 'name="_save"' not in page


def test_the_buttons_read_a_declared_conflict_once_and_a_service_reads_it_afresh(agent, assigned, django_assert_num_queries):
    from complaints import policies

    complaint = assigned("investigating")
    complaint.console_remedies = []  # as the page has them
    with django_assert_num_queries(3):  # the permissions (2), the conflict once: work, handle, recuse and write all ask
        assert "propose_resolution" in available_names(agent, complaint)
    ConflictOfInterest.objects.create(staff=agent, complaint=complaint, reason="my cousin")
    assert policies.is_conflicted(agent, complaint)  # nothing remembered outside the buttons' question
    assert available_names(agent, complaint) == []
