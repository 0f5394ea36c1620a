"""Filing a complaint from the portal: the page, the happy path, idempotency, bad input, limits."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import CustomerProfile
from complaints.choices import Category, State
from complaints.models import Complaint, Evidence, HelpArticle, Notification

URL = reverse("portal:complaint-new")
ETH_TX = "0x" + "ab" * 32


def form_token(client) -> str:
    page = client.get(URL).content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def filing_data(client, **overrides):
    data = {
        "form_token": form_token(client),
        "category": Category.DEPOSIT_WITHDRAWAL,
        "subcategory": "withdrawal_missing",
        "summary": "My USDT withdrawal never arrived",
        "description": "I withdrew 500 USDT on 3 November and my wallet shows nothing.",
        "desired_outcome": "Credit the 500 USDT",
        "occurred_on": "2026-11-03",
        "order_ids": "ORD-12345\nORD-67890",
        "tx_network": "ETH",
        "tx_hashes": ETH_TX.upper().replace("0X", "0x"),
        "disputed_amount": "500",
        "disputed_asset": "usdt",
    }
    return {**data, **overrides}


def test_the_page_offers_every_category_with_help_and_a_fresh_token(alice_client):
    response = alice_client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    for code, _label in Category.choices:
        assert f'value="{code}"' in page
    assert "Money or crypto you sent in or took out" in page  # plain-language help
    assert "withdrawal_missing" in page and "<optgroup" in page
    assert "PNG" in page and "10 MB" in page  # allowed types and limits are shown
    assert form_token(alice_client) != form_token(alice_client)


def test_help_articles_of_the_page_language_are_shown(alice_client):
    HelpArticle.objects.create(category=Category.DEPOSIT_WITHDRAWAL, language="en", title="Deposits need confirmations", body="Wait for 12.")
    HelpArticle.objects.create(category=Category.DEPOSIT_WITHDRAWAL, language="zh-hans", title="充值需要区块确认", body="请等待。")
    HelpArticle.objects.create(category=Category.FEES, language="en", title="Draft fee article", body="x", is_published=False)
    english = alice_client.get(URL).content.decode()
    assert "Deposits need confirmations" in english and "充值需要区块确认" not in english
    assert 'data-category="deposit_withdrawal"' in english and "Draft fee article" not in english
    chinese = alice_client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "充值需要区块确认" in chinese and "Deposits need confirmations" not in chinese


def test_filing_records_the_complaint_and_shows_its_reference(alice_client, alice, png, mailoutbox, django_capture_on_commit_callbacks):
    data = filing_data(alice_client)
    files = [SimpleUploadedFile("screenshot.png", png, "image/png"), SimpleUploadedFile("statement.txt", b"date,amount\n", "text/plain")]
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(URL, {**data, "evidence": files})
    complaint = Complaint.objects.get(customer=alice)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:complaint-filed", args=[complaint.reference])
    assert complaint.state == State.TRIAGE  # received, acknowledged at once
    assert complaint.intake_key == f"portal:{alice.pk}:{data['form_token']}"
    assert (complaint.disputed_asset, f"{complaint.disputed_amount.normalize():f}") == ("USDT", "500")
    assert sorted(complaint.identifiers.values_list("value", flat=True)) == sorted(["ORD-12345", "ORD-67890", ETH_TX])
    assert sorted(complaint.evidence.values_list("original_name", flat=True)) == ["screenshot.png", "statement.txt"]
    assert Notification.objects.get(complaint=complaint).kind == Notification.Kind.ACKNOWLEDGEMENT
    assert len(mailoutbox) == 1
    confirmation = alice_client.get(response["Location"])
    assert complaint.reference in confirmation.content.decode()


def test_filing_in_chinese_records_the_language(alice_client, alice):
    data = filing_data(alice_client, summary="提现未到账", description="我的提现一直没有到账。")
    alice_client.post(URL, data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert Complaint.objects.get(customer=alice).language == "zh-hans"


def test_a_double_submit_files_once(alice_client, alice):
    data = filing_data(alice_client)
    first = alice_client.post(URL, data)
    second = alice_client.post(URL, data)  # double click, or back and resubmit
    assert Complaint.objects.filter(customer=alice).count() == 1
    assert first["Location"] == second["Location"]
    alice_client.post(URL, filing_data(alice_client))  # a new form is a new complaint
    assert Complaint.objects.filter(customer=alice).count() == 2


def test_a_token_copied_from_another_customer_never_returns_their_complaint(alice_client, alice, bob, client):
    data = filing_data(alice_client)
    alices = alice_client.post(URL, data)["Location"]
    client.force_login(bob)
    bobs = client.post(URL, data)["Location"]  # the key is per customer: Bob files his own
    assert bobs != alices
    assert Complaint.objects.filter(customer=bob).count() == 1 and Complaint.objects.filter(customer=alice).count() == 1


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"category": ""}, "category"),
        ({"category": "made_up"}, "category"),
        ({"subcategory": "slippage"}, "subcategory"),  # of another category
        ({"summary": ""}, "summary"),
        ({"summary": "x" * 201}, "summary"),
        ({"description": "  "}, "description"),
        ({"occurred_on": "2999-01-01"}, "occurred_on"),
        ({"tx_hashes": "0x1234"}, "tx_hashes"),
        ({"tx_network": "BTC"}, "tx_hashes"),  # an Ethereum hash is not a Bitcoin one
        ({"order_ids": "a b"}, "order_ids"),
        ({"disputed_amount": "-5"}, "disputed_amount"),
        ({"disputed_asset": ""}, "disputed_asset"),
        ({"form_token": "<script>"}, "form_token"),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field_and_saves_nothing(alice_client, alice, overrides, field):
    response = alice_client.post(URL, filing_data(alice_client, **overrides))
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert f'id="id_{field}_error"' in response.content.decode() or field == "category" or field == "form_token"
    assert not Complaint.objects.filter(customer=alice).exists()


def test_a_file_that_is_not_what_it_claims_is_refused(alice_client, alice):
    fake = SimpleUploadedFile("photo.png", b"MZ\x90\x00 this is an executable", "image/png")
    response = alice_client.post(URL, {**filing_data(alice_client), "evidence": [fake]})
    assert response.status_code == 400
    assert "photo.png" in str(response.context["form"].errors["evidence"])
    assert not Complaint.objects.exists() and not Evidence.objects.exists()


def test_a_file_type_not_allowed_is_refused(alice_client):
    response = alice_client.post(URL, {**filing_data(alice_client), "evidence": [SimpleUploadedFile("run.exe", b"MZ", "application/octet-stream")]})
    assert "can't be attached" in response.context["form"].errors["evidence"][0]


def test_a_representative_files_with_a_power_of_attorney(alice_client, alice, png):
    power = SimpleUploadedFile("poa.png", png, "image/png")
    response = alice_client.post(URL, {**filing_data(alice_client), "on_behalf": "on", "represented_person": "Wang Fang", "power_of_attorney": power})
    assert response.status_code == 302
    complaint = Complaint.objects.get(customer=alice)
    assert complaint.represented_person == "Wang Fang"
    assert complaint.evidence.get().purpose == Evidence.Purpose.POWER_OF_ATTORNEY


def test_a_representative_must_name_the_person_and_attach_the_power_of_attorney(alice_client):
    response = alice_client.post(URL, {**filing_data(alice_client), "on_behalf": "on"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert errors["represented_person"] and errors["power_of_attorney"]
    assert not Complaint.objects.exists()


def test_funds_at_risk_take_the_security_fast_path(alice_client, alice):
    alice_client.post(URL, filing_data(alice_client, category=Category.ACCOUNT_SECURITY, subcategory="theft", funds_at_risk="on"))
    complaint = Complaint.objects.get(customer=alice)
    assert (complaint.state, complaint.priority) == (State.INVESTIGATING, "P1")


def test_an_unconfirmed_address_must_be_confirmed_before_filing(alice_client, alice):
    CustomerProfile.objects.filter(user=alice).update(email_verified_at=None)
    page = alice_client.get(URL)
    assert "confirm your e-mail address" in page.content.decode() and b"data-filing-form" not in page.content
    data = {"form_token": "x" * 32, "category": Category.OTHER, "summary": "Hello", "description": "Something"}
    response = alice_client.post(URL, data)
    assert response.status_code == 302 and response["Location"] == URL
    assert not Complaint.objects.exists()


def test_filing_is_rate_limited_per_customer(alice_client, alice, settings):
    settings.REDRESS_RATE_FILE = "2/h"
    for _ in range(2):
        assert alice_client.post(URL, filing_data(alice_client)).status_code == 302
    response = alice_client.post(URL, filing_data(alice_client))
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()
    assert Complaint.objects.filter(customer=alice).count() == 2


def test_signed_out_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:sign-in')}?next={URL}"
    assert client.post(URL, {"summary": "x"}).status_code == 302
    assert not Complaint.objects.exists()


def test_staff_cannot_file_from_the_portal(client, agent):
    client.force_login(agent)
    assert client.get(URL).status_code == 403


def test_wrong_method(alice_client):
    assert alice_client.put(URL).status_code == 405
    assert alice_client.delete(URL).status_code == 405
