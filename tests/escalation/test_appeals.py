"""Appeals: routed to the appeals team, an independent reviewer, an external referral in the decision."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError

from accounts.models import ConflictOfInterest, StaffProfile, Team, User
from accounts.roles import Role
from complaints import services
from complaints.audit import verify_chains
from complaints.choices import AppealOutcome, Liability, Outcome, RemedyKind, State
from complaints.exceptions import NotPermitted
from complaints.models import AuditEvent, Complaint, Notification
from escalation.assignment import appeal_reviewer_refusal
from escalation.models import ExternalReferral, SupervisorQueueItem
from escalation.queries import in_supervisor_queue
from escalation.services import appeal_decide
from tests.factories import ComplaintFactory, make_staff

from .conftest import file_complaint


def approved_and_resolved(customer, agent, supervisor) -> Complaint:
    """Decided by the agent, approved by the supervisor, accepted by the customer."""
    complaint = services.complaint_start_investigation(
        complaint=file_complaint(customer), actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
    )
    remedy = services.RemedyInput(kind=RemedyKind.COMPENSATION, amount=Decimal("900"), asset="USDT", reference_value=Decimal("900"))
    decision = services.Decision(
        outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="Late fill on our side.",
        recourse="You may appeal within 30 days.", remedies=(remedy,),
    )  # fmt: skip
    services.complaint_submit_for_approval(complaint=complaint, actor=agent, decision=decision)
    services.complaint_approve_resolution(complaint=complaint, actor=supervisor)
    return services.complaint_accept_resolution(complaint=complaint, actor=alice_of(complaint))


def alice_of(complaint):
    return complaint.customer


def appeal(complaint) -> Complaint:
    return services.complaint_appeal(complaint=complaint, actor=complaint.customer, grounds="The amount ignores the fees.")


def also_reviewer(user) -> User:
    user.groups.add(Group.objects.get(name=Role.APPEALS_REVIEWER))
    StaffProfile.objects.filter(user=user).update(team=Team.objects.get(code="appeals"))
    return User.objects.get(pk=user.pk)  # a fresh object: permissions are cached per instance


def give_load(user, count: int) -> None:
    for _ in range(count):
        ComplaintFactory(state=State.INVESTIGATING, assignee=user)


def test_an_appeal_goes_to_the_least_loaded_eligible_reviewer(alice, agent, supervisor, reviewer, second_reviewer):
    complaint = approved_and_resolved(alice, agent, supervisor)
    give_load(reviewer, 2)
    complaint = appeal(complaint)
    assert complaint.state == State.APPEALED
    assert complaint.team.code == "appeals" and complaint.assignee == second_reviewer
    event = AuditEvent.objects.filter(complaint=complaint).latest("seq")
    assert event.action == "appeal"
    assert (event.data["routed_to"], event.data["supervisor_queue"]) == (second_reviewer.pk, False)
    assert complaint.history.filter(history_change_reason="appeal").count() == 1  # routing rode on the one save
    assert list(verify_chains()) == []


def test_neither_the_decider_nor_the_approver_ever_reviews_the_appeal(alice, agent, supervisor, reviewer, on_duty):
    complaint = approved_and_resolved(alice, agent, supervisor)
    agent, supervisor = also_reviewer(agent), also_reviewer(supervisor)  # both could review appeals in general…
    give_load(reviewer, 5)  # …and are far less busy
    complaint = appeal(complaint)
    assert complaint.assignee == reviewer

    for conflicted_party in (agent, supervisor):
        assert "neither decided nor approved" in appeal_reviewer_refusal(complaint, conflicted_party)
        with pytest.raises(ValidationError, match="neither decided nor approved"):
            services.complaint_assign(complaint=complaint, actor=on_duty, assignee=conflicted_party)
        with pytest.raises(NotPermitted):
            services.complaint_decide_appeal(
                complaint=complaint, actor=conflicted_party, outcome=AppealOutcome.CONFIRMED,
                reasons="Fine as it was.", external_recourse="The ombudsman.",
            )  # fmt: skip
    assert Complaint.objects.get(pk=complaint.pk).assignee == reviewer


@pytest.fixture
def on_duty(db):
    return make_staff(Role.SUPERVISOR, team="customer_service", limit=0, email="supervisor-on-duty@redress.test")


def test_another_reviewer_is_accepted(alice, agent, supervisor, reviewer, second_reviewer, on_duty):
    complaint = appeal(approved_and_resolved(alice, agent, supervisor))
    other = second_reviewer if complaint.assignee == reviewer else reviewer
    assert appeal_reviewer_refusal(complaint, other) is None
    complaint = services.complaint_assign(complaint=complaint, actor=on_duty, assignee=other)
    assert complaint.assignee == other


def test_a_conflicted_or_absent_reviewer_is_passed_over(alice, agent, supervisor, reviewer, second_reviewer):
    complaint = approved_and_resolved(alice, agent, supervisor)
    ConflictOfInterest.objects.create(staff=reviewer, customer=alice, reason="Knows the customer.")
    StaffProfile.objects.filter(user=second_reviewer).update(out_of_office=True)
    third = make_staff(Role.APPEALS_REVIEWER, team="appeals", email="reviewer3@redress.test")
    give_load(third, 3)
    complaint = appeal(complaint)
    assert complaint.assignee == third
    assert "conflict of interest" in appeal_reviewer_refusal(complaint, reviewer)


def test_with_nobody_eligible_the_appeal_waits_in_the_supervisors_queue(alice, agent, supervisor, on_duty):
    complaint = appeal(approved_and_resolved(alice, agent, supervisor))
    assert complaint.assignee is None and complaint.team.code == "appeals"
    assert list(in_supervisor_queue(Complaint.objects.all(), SupervisorQueueItem.Reason.APPEAL_UNASSIGNED)) == [complaint]

    reviewer = make_staff(Role.APPEALS_REVIEWER, team="appeals", email="late-reviewer@redress.test")
    services.complaint_assign(complaint=complaint, actor=on_duty, assignee=reviewer)
    assert not in_supervisor_queue(Complaint.objects.all()).exists()
    assert SupervisorQueueItem.objects.get(complaint=complaint).resolved_at is not None


def test_the_appeal_decision_records_the_external_referral_and_names_the_remedies(alice, agent, supervisor, reviewer):
    complaint = appeal(approved_and_resolved(alice, agent, supervisor))
    referral = ExternalReferral(kind="ombudsman", body="Financial Ombudsman Service", date=date(2027, 6, 30), reference="FOS-2026-0042")
    complaint = appeal_decide(
        complaint=complaint, actor=reviewer, outcome=AppealOutcome.CONFIRMED, reasons="The compensation was right.",
        referrals=[referral],
    )  # fmt: skip
    assert complaint.state == State.RESOLVED and complaint.appeal_reviewer == reviewer
    saved = ExternalReferral.objects.get(complaint=complaint)
    assert (saved.body, saved.reference, saved.recorded_by) == ("Financial Ombudsman Service", "FOS-2026-0042", reviewer)
    assert "Financial Ombudsman Service" in complaint.external_recourse and "FOS-2026-0042" in complaint.external_recourse
    assert "Compensation 900 USDT" in complaint.external_recourse  # the remedies the customer has
    event = AuditEvent.objects.filter(complaint=complaint, action="external_referral").get()
    assert event.data["referral"] == saved.pk and "Financial" not in str(event.data)
    notice = Notification.objects.get(complaint=complaint, kind=Notification.Kind.APPEAL_DECISION)
    assert "Financial Ombudsman Service" in notice.body_text and "Compensation 900 USDT" in notice.body_text


def test_an_appeal_decision_needs_an_external_body(alice, agent, supervisor, reviewer):
    complaint = appeal(approved_and_resolved(alice, agent, supervisor))
    with pytest.raises(ValidationError, match="external body"):
        appeal_decide(complaint=complaint, actor=reviewer, outcome=AppealOutcome.CONFIRMED, reasons="Fine.", referrals=[])
    with pytest.raises(ValidationError):
        appeal_decide(complaint=complaint, actor=reviewer, outcome=AppealOutcome.CONFIRMED, reasons="Fine.",
                      referrals=[ExternalReferral(kind="psychic", body="", date=date(2027, 1, 1))])  # fmt: skip
    assert Complaint.objects.get(pk=complaint.pk).state == State.APPEALED
    assert not ExternalReferral.objects.exists()
