"""Isolation: a customer never sees an internal note, an internal field, a staff name, staff-collected
material, or anything of another customer's."""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Team
from complaints import services
from complaints.choices import MessageKind, RemedyKind, State, Visibility
from complaints.models import Complaint, Evidence, Message
from tests.factories import ComplaintFactory

MARKER = "ZQX-INTERNAL-7731"


@pytest.fixture
def worked_complaint(alice, agent, specialist, png):
    """Alice's complaint as staff really work it, with internal material marked everywhere."""
    agent.first_name, agent.last_name = f"Agnes{MARKER}", "Staffer"
    agent.save()
    complaint = services.complaint_file(customer=alice, filing=services.Filing(
        category="trade_dispute", summary="Filled 8% off", description="My market order slipped."))
    team = Team.objects.get(code="trade_risk")
    complaint = services.complaint_start_investigation(complaint=complaint, actor=agent, priority="P2", team=team, assignee=agent)
    services.complaint_add_message(complaint=complaint, actor=agent, body=f"Customer is a VIP {MARKER}", internal=True)
    note = services.complaint_add_message(complaint=complaint, actor=agent, body=f"Checked the logs {MARKER}", internal=True)
    services.evidence_attach(complaint=complaint, actor=agent, message=note,
                             upload=SimpleUploadedFile(f"risk-{MARKER}.png", png, "image/png"))  # fmt: skip
    services.evidence_attach(complaint=complaint, actor=agent, purpose=Evidence.Purpose.COLLECTED,
                             upload=SimpleUploadedFile(f"login-log-{MARKER}.txt", b"10.0.0.1 ok\n", "text/plain"))  # fmt: skip
    services.complaint_add_message(complaint=complaint, actor=agent, body="We are looking into your order.")
    for kind in (MessageKind.REWORK, MessageKind.REOPEN, MessageKind.DECISION):
        Message.objects.create(complaint=complaint, author=agent, body=f"{kind} {MARKER}", kind=kind, visibility=Visibility.INTERNAL)
    complaint = services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=services.Decision(
        outcome="partly_upheld", liability="platform_fault", reasons="We refund the fee.", recourse="Appeal within 30 days.",
        remedies=(services.RemedyInput(kind=RemedyKind.FEE_REFUND, amount=Decimal("3"), asset="USDT", reference_value=Decimal("3"),
                                       details=f"internal detail {MARKER}"),)))  # fmt: skip
    Complaint.objects.filter(pk=complaint.pk).update(root_cause=f"matching-engine {MARKER}")
    return Complaint.objects.get(pk=complaint.pk)


def portal_pages(complaint):
    ref = complaint.reference
    gets = [reverse("portal:home"), reverse("portal:complaint-list"), reverse("portal:complaint-new"),
            reverse("accounts:profile"), reverse("portal:complaint-detail", args=[ref]),
            reverse("portal:complaint-filed", args=[ref]), reverse("portal:complaint-withdraw", args=[ref])]  # fmt: skip
    # Bad input re-renders the complaint page with the form's errors: those pages count too.
    posts = [(reverse(f"portal:complaint-{name}", args=[ref]), {}) for name in ("reply", "dispute", "appeal", "rate")]
    return gets, posts


def test_internal_notes_and_fields_never_reach_any_portal_page(alice_client, worked_complaint):
    gets, posts = portal_pages(worked_complaint)
    responses = [alice_client.get(path, follow=True) for path in gets]
    responses += [alice_client.post(path, data) for path, data in posts]
    for language in ("en", "zh-hans"):
        responses.append(alice_client.get(gets[4], HTTP_ACCEPT_LANGUAGE=language))
    seen = set()
    for response in responses:
        # Random tokens (CSRF) could contain any short string by chance: leave them out.
        page = re.sub(r'name="(csrfmiddlewaretoken|form_token)" value="[^"]*"', "", response.content.decode())
        seen.add(response.status_code)
        assert MARKER not in page, response.request["PATH_INFO"]
        for internal in ("Agnes", "agent@redress.test", "Trade risk", r"\bP2\b", "matching-engine", "Internal note", r"\bVIP\b"):
            assert not re.search(internal, page), (internal, response.request["PATH_INFO"])
    assert seen <= {200, 400}
    detail = responses[4].content.decode()
    assert "We are looking into your order." in detail and "We refund the fee." in detail  # public parts do show
    assert "The complaints desk wrote" in detail


def test_staff_collected_and_internal_files_are_not_listed(alice_client, worked_complaint):
    page = alice_client.get(reverse("portal:complaint-detail", args=[worked_complaint.reference])).content.decode()
    for evidence in Evidence.objects.filter(complaint=worked_complaint):
        assert reverse("evidence-download", args=[evidence.pk]) not in page


def test_files_on_internal_notes_and_staff_collected_files_cannot_be_downloaded(alice_client, worked_complaint):
    for evidence in Evidence.objects.filter(complaint=worked_complaint):
        assert alice_client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404


def test_another_customers_evidence_is_404(alice_client, bob, png):
    complaint = ComplaintFactory(customer=bob, state=State.TRIAGE)
    evidence = services.evidence_attach(complaint=complaint, actor=bob, upload=SimpleUploadedFile("bob.png", png, "image/png"))
    assert alice_client.get(reverse("evidence-download", args=[evidence.pk])).status_code == 404


def test_urls_carry_references_not_personal_data(alice_client, alice, worked_complaint):
    page = alice_client.get(reverse("portal:complaint-list")).content.decode()
    for href in re.findall(r'href="([^"]+)"', page) + re.findall(r'action="([^"]+)"', page):
        assert "alice" not in href.lower() and str(alice.customer_profile.exchange_uid) not in href
