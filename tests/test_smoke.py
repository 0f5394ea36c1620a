from decimal import Decimal

from complaints import services
from complaints.choices import Category, RemedyKind, State
from complaints.models import Notification
from accounts.models import Team


def test_a_complaint_goes_from_filing_to_resolution(alice, agent, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        complaint = services.complaint_file(
            customer=alice,
            filing=services.Filing(category=Category.TRADE_DISPUTE, summary="Filled at a bad price",
                                   description="My market order slipped 8%.", order_ids=("ORD-12345",)),
        )
    assert complaint.reference.startswith("CMP-")
    assert complaint.state == State.TRIAGE
    assert Notification.objects.get().status == Notification.Status.SENT
    assert len(mailoutbox) == 1
    complaint = services.complaint_start_investigation(
        complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent)
    complaint = services.complaint_propose_resolution(
        complaint=complaint, actor=agent,
        decision=services.Decision(outcome="partly_upheld", liability="platform_fault", reasons="We checked the order book.",
                                   recourse="You may appeal within 30 days.",
                                   remedies=(services.RemedyInput(kind=RemedyKind.FEE_REFUND, amount=Decimal("12.5"), asset="usdt", reference_value=Decimal("12.5")),)))
    assert complaint.state == State.RESOLUTION_PROPOSED
    complaint = services.complaint_accept_resolution(complaint=complaint, actor=alice)
    assert complaint.state == State.RESOLVED
    assert complaint.remedies.get().state == "accepted"
    assert complaint.history.count() == 5
    assert complaint.audit_events.count() == 5
