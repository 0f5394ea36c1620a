"""My complaints and the complaint page: what is shown, to whom, and at what query cost."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.choices import ClosureReason, MessageKind, RemedyKind, State, Visibility
from complaints.models import Message, Remedy, SatisfactionRating
from tests.factories import ComplaintFactory


def detail_url(complaint):
    return reverse("portal:complaint-detail", args=[complaint.reference])


# --- The list ------------------------------------------------------------------------------------------


def test_the_list_shows_reference_summary_state_phase_and_last_update(alice_client, complaint_in):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, summary="Filled at a bad price")
    page = alice_client.get(reverse("portal:complaint-list")).content.decode()
    assert complaint.reference in page and "Filled at a bad price" in page
    assert "Decision ready: your answer needed" in page and "Stage: Decision" in page
    assert "Last update:" in page
    assert detail_url(complaint) in page


def test_the_list_shows_only_my_complaints(alice_client, bob):
    others = ComplaintFactory(customer=bob, summary="Bob's secret trouble")
    page = alice_client.get(reverse("portal:complaint-list")).content.decode()
    assert others.reference not in page and "Bob's secret trouble" not in page
    assert "You have not filed a complaint yet." in page


def test_the_list_is_paginated_newest_first(alice_client, alice):
    now = timezone.now()
    complaints = [ComplaintFactory(customer=alice, received_at=now - timedelta(hours=i)) for i in range(25)]
    first = alice_client.get(reverse("portal:complaint-list")).content.decode()
    second = alice_client.get(reverse("portal:complaint-list") + "?page=2").content.decode()
    assert complaints[0].reference in first and complaints[24].reference not in first
    assert complaints[24].reference in second and "Page 2 of 2" in second
    assert alice_client.get(reverse("portal:complaint-list") + "?page=99").status_code == 200


def test_the_list_needs_sign_in_and_a_get(client, alice):
    response = client.get(reverse("portal:complaint-list"))
    assert response["Location"].startswith(reverse("accounts:sign-in"))
    client.force_login(alice)
    assert client.post(reverse("portal:complaint-list")).status_code == 405


@pytest.mark.parametrize("count", [1, 50])
def test_the_list_costs_the_same_queries_for_1_or_50_complaints(alice_client, alice, django_assert_num_queries, count):
    for _ in range(count):
        ComplaintFactory(customer=alice)
    # session, user, count for the paginator, the page of complaints
    with django_assert_num_queries(4):
        assert alice_client.get(reverse("portal:complaint-list")).status_code == 200


def test_the_home_page_sends_a_signed_in_customer_to_their_list(client, alice):
    assert client.get(reverse("portal:home")).status_code == 200
    client.force_login(alice)
    assert client.get(reverse("portal:home"))["Location"] == reverse("portal:complaint-list")


# --- The complaint page ---------------------------------------------------------------------------------


def test_the_page_shows_the_complaint_its_next_steps_and_deadlines(alice_client, alice):
    complaint = services.complaint_file(customer=alice, filing=services.Filing(
        category="trade_dispute", subcategory="slippage", summary="Filled 8% off", description="My market order slipped.",
        desired_outcome="Refund the difference", order_ids=("ORD-12345",), disputed_amount="120.5", disputed_asset="usdt"))  # fmt: skip
    page = alice_client.get(detail_url(complaint)).content.decode()
    assert complaint.reference in page and "Filled 8% off" in page and "My market order slipped." in page
    assert "Filled at a bad price (slippage)" in page and "ORD-12345" in page and "120.5 USDT" in page
    assert "Refund the difference" in page
    assert "A member of our team will respond by" in page
    assert "We will give you our decision by" in page
    assert "You filed your complaint." in page and "We acknowledged your complaint" in page
    assert 'aria-current="step"' in page


def test_a_proposed_decision_shows_outcome_reasons_remedies_and_the_dates(alice_client, complaint_in, agent):
    complaint = complaint_in(State.RESOLUTION_PROPOSED, outcome="partly_upheld", liability="platform_fault",
                             reasons="Our risk engine held it too long.", recourse="Appeal within 30 days.",
                             decided_at=timezone.now(), decider=agent)  # fmt: skip
    Remedy.objects.create(complaint=complaint, kind=RemedyKind.FEE_REFUND, amount=Decimal("12.5"), asset="USDT", proposed_by=agent)
    Remedy.objects.create(complaint=complaint, kind=RemedyKind.COUPON, amount=Decimal("5"), asset="USDT", proposed_by=agent, state="cancelled")
    page = alice_client.get(detail_url(complaint)).content.decode()
    assert "Partly upheld" in page and "Our risk engine held it too long." in page and "Appeal within 30 days." in page
    assert "Fee refund 12.5 USDT" in page and "Coupon" not in page
    assert "taken as accepted" in page and "you can appeal until" in page
    for action in ("complaint-accept", "complaint-dispute", "complaint-appeal"):
        assert reverse(f"portal:{action}", args=[complaint.reference]) in page
    assert "Platform fault" not in page  # liability is the desk's own assessment


def test_files_are_linked_through_the_checked_download(alice_client, alice, complaint_in, png):
    complaint = complaint_in(State.TRIAGE)
    evidence = services.evidence_attach(complaint=complaint, actor=alice, upload=SimpleUploadedFile("proof.png", png, "image/png"))
    page = alice_client.get(detail_url(complaint)).content.decode()
    assert reverse("evidence-download", args=[evidence.pk]) in page and "proof.png" in page


def test_another_customers_complaint_is_404(alice_client, bob):
    complaint = ComplaintFactory(customer=bob)
    for name in ("complaint-detail", "complaint-filed", "complaint-withdraw"):
        assert alice_client.get(reverse(f"portal:{name}", args=[complaint.reference])).status_code == 404
    assert alice_client.get(reverse("portal:complaint-detail", args=["CMP-2026-9999999"])).status_code == 404


def test_the_page_needs_sign_in_and_a_get(client, alice, complaint_in):
    complaint = complaint_in(State.TRIAGE)
    response = client.get(detail_url(complaint))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign-in')}?next={detail_url(complaint)}"
    client.force_login(alice)
    assert client.post(detail_url(complaint)).status_code == 405


def test_a_duplicate_points_to_its_original(alice_client, complaint_in):
    original = complaint_in(State.INVESTIGATING)
    duplicate = complaint_in(State.CLOSED, closure_reason=ClosureReason.DUPLICATE, duplicate_of=original, closed_at=timezone.now())
    page = alice_client.get(detail_url(duplicate)).content.decode()
    assert detail_url(original) in page


def _with_timeline(complaint, agent, entries: int):
    for number in range(entries):
        Message.objects.create(complaint=complaint, author=agent, body=f"Update {number}", kind=MessageKind.COMMENT)
    Message.objects.create(complaint=complaint, author=agent, body="note", visibility=Visibility.INTERNAL)
    Remedy.objects.create(complaint=complaint, kind=RemedyKind.APOLOGY, proposed_by=agent)


@pytest.mark.parametrize("entries", [1, 50])
def test_the_page_costs_the_same_queries_for_1_or_50_timeline_entries(alice_client, complaint_in, agent, django_assert_num_queries, entries):
    complaint = complaint_in(State.RESOLVED, outcome="upheld", reasons="Yes.", decided_at=timezone.now())
    _with_timeline(complaint, agent, entries)
    SatisfactionRating.objects.create(complaint=complaint, score=4)
    # session, user, the complaint (with its rating and original), public messages, evidence,
    # remedies, audit events, identifiers
    with django_assert_num_queries(8):
        response = alice_client.get(detail_url(complaint))
    assert response.content.decode().count("Update ") == entries


def test_the_confirmation_page_shows_the_reference(alice_client, complaint_in):
    complaint = complaint_in(State.TRIAGE)
    response = alice_client.get(reverse("portal:complaint-filed", args=[complaint.reference]))
    assert response.status_code == 200
    assert complaint.reference in response.content.decode()
    assert alice_client.post(reverse("portal:complaint-filed", args=[complaint.reference])).status_code == 405


def test_staff_are_told_to_use_the_console(client, agent, complaint_in):
    client.force_login(agent)
    response = client.get(reverse("portal:complaint-list"))
    assert response.status_code == 403 and "console" in response.content.decode()


def test_an_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404 and "Page not found" in response.content.decode()




def test_the_page_shows_the_decision_date_of_the_customers_regime(client, alice, agent):
    """A UK customer is under DISP: the page promises a decision within 8 weeks, not 2 months."""
    from datetime import timedelta

    from django.utils import formats, timezone

    from complaints import services

    profile = alice.customer_profile
    profile.jurisdiction = "GB"
    profile.save()
    complaint = services.complaint_file(
        customer=alice,
        filing=services.Filing(category="fees", summary="Charged twice", description="The fee was taken twice."),
    )
    client.force_login(alice)
    eight_weeks = timezone.localtime(complaint.received_at + timedelta(weeks=8)).date()
    page = client.get(f"/complaints/{complaint.reference}/").content.decode()
    assert formats.date_format(eight_weeks, "DATE_FORMAT") in page
