"""Every portal page and account e-mail exists in Simplified Chinese: rendered in zh-hans, a page
shows Chinese and no English sentence from the templates (an untranslated string fails here)."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import CustomerProfile
from complaints import services
from complaints.choices import ClosureReason, MessageKind, RemedyKind, State
from complaints.models import HelpArticle, Message, Remedy
from tests.factories import CustomerFactory

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
# Two or more English words in a row: a sentence or label left untranslated.
ENGLISH_PHRASE = re.compile(r"[A-Za-z]{2,}(?:[ ,;:.'’-]+[A-Za-z]{2,})+")
# What may stay in Latin letters on a Chinese page: names, codes and data, not UI text.
ALLOWED = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # e-mail addresses
    r"|\b(?:English|Redress|USDT|UTC|KYC|API|UID|MB|2FA|TRON|ETH|BSC|BTC|LTC|POLYGON|ARBITRUM|SOL|ORD-\d+)\b"
    r"|\b(?:png|jpg|webp|gif|pdf|mp4|txt|csv|PNG|JPG|WEBP|GIF|PDF|MP4|TXT|CSV)\b"  # file types
)
ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def visible_text(markup: str) -> str:
    markup = re.sub(r"<(style|script)\b.*?</\1>", " ", markup, flags=re.S | re.I)
    markup = re.sub(r"<option\b[^>]*>.*?</option>", " ", markup, flags=re.S)  # option values checked via labels below
    return ALLOWED.sub(" ", html.unescape(re.sub(r"<[^>]+>", " ", markup)))


def attributes_text(markup: str) -> str:
    """Text a person meets outside the body text: labels read aloud, titles, placeholders."""
    found = re.findall(r'(?:aria-label|title|placeholder|label|alt)="([^"]*)"', markup)
    found += re.findall(r"<option\b[^>]*>(.*?)</option>", markup, flags=re.S)
    return visible_text(" | ".join(html.unescape(value) for value in found))


def assert_chinese(response, what: str):
    page = response.content.decode()
    assert 'lang="zh-hans"' in page, f"{what}: the page is not marked as Chinese"
    text = visible_text(page)
    assert CJK.search(text), f"{what}: no Chinese at all"
    leaks = ENGLISH_PHRASE.findall(text) + ENGLISH_PHRASE.findall(attributes_text(page))
    assert not leaks, f"{what}: untranslated English {sorted(set(leaks))}"


@pytest.fixture
def zh_customer(db):
    customer = CustomerFactory(email="zhang@example.com", first_name="张伟", profile__language="zh-hans")
    CustomerProfile.objects.filter(user=customer).update(email_verified_at=timezone.now(), exchange_uid="88001234")
    return customer


def chinese_complaint(customer, state, **fields):
    from tests.factories import ComplaintFactory

    values = {"summary": "我的提现一直未到账", "description": "我在波场网络上提现了五百个币，但一直没有到账。",
              "desired_outcome": "请退回到我的钱包。", "language": "zh-hans", **fields}  # fmt: skip
    return ComplaintFactory(customer=customer, state=state, **values)


@pytest.fixture
def zh_complaints(zh_customer, agent, png):
    now = timezone.now()
    filed = services.complaint_file(customer=zh_customer, filing=services.Filing(
        category="deposit_withdrawal", subcategory="withdrawal_missing", summary="提现未到账", description="一直没有到账。",
        order_ids=("ORD-12345",), tx_hashes=("ab" * 32,), tx_network="TRON", disputed_amount="500", disputed_asset="USDT",
        language="zh-hans"), evidence_files=[SimpleUploadedFile("截图.png", png, "image/png")])  # fmt: skip
    waiting = chinese_complaint(zh_customer, State.AWAITING_CUSTOMER, return_state=State.INVESTIGATING, information_requested_at=now)
    Message.objects.create(complaint=waiting, author=agent, body="请提供交易哈希。", kind=MessageKind.INFORMATION_REQUEST)
    proposed = chinese_complaint(zh_customer, State.RESOLUTION_PROPOSED, outcome="partly_upheld", reasons="风控冻结时间过长。",
                                 recourse="您可以在三十天内申诉。", decided_at=now, decider=agent)  # fmt: skip
    Remedy.objects.create(complaint=proposed, kind=RemedyKind.FEE_REFUND, amount=Decimal("12.5"), asset="USDT", proposed_by=agent)
    Message.objects.create(complaint=proposed, author=agent, body="风控冻结时间过长。", kind=MessageKind.DECISION)
    resolved = chinese_complaint(zh_customer, State.RESOLVED, outcome="upheld", reasons="同意。", decided_at=now, resolved_at=now,
                                 appealed_at=now, appeal_outcome="changed", appeal_decided_at=now,
                                 external_recourse="您可以联系金融纠纷调解机构。")  # fmt: skip
    no_response = chinese_complaint(zh_customer, State.CLOSED, closure_reason=ClosureReason.NO_RESPONSE, closed_at=now)
    original = chinese_complaint(zh_customer, State.INVESTIGATING, disputed_at=now, decided_at=now - timedelta(days=1))
    duplicate = chinese_complaint(zh_customer, State.CLOSED, closure_reason=ClosureReason.DUPLICATE, duplicate_of=original, closed_at=now)
    appealed = chinese_complaint(zh_customer, State.APPEALED, decided_at=now, appealed_at=now)
    approval = chinese_complaint(zh_customer, State.AWAITING_APPROVAL)
    withdrawn = chinese_complaint(zh_customer, State.CLOSED, closure_reason=ClosureReason.WITHDRAWN, closed_at=now)
    return [filed, waiting, proposed, resolved, no_response, original, duplicate, appealed, approval, withdrawn]


def test_every_customer_page_is_entirely_chinese(client, zh_customer, zh_complaints):
    HelpArticle.objects.create(category="deposit_withdrawal", language="zh-hans", title="充值未到账怎么办", body="请先查看区块浏览器。")
    client.force_login(zh_customer)
    pages = [reverse("portal:complaint-list"), reverse("portal:complaint-new"), reverse("accounts:profile"),
             reverse("accounts:verify-sent")]  # fmt: skip
    for complaint in zh_complaints:
        ref = complaint.reference
        pages += [reverse("portal:complaint-detail", args=[ref]), reverse("portal:complaint-withdraw", args=[ref])]
    pages.append(reverse("portal:complaint-filed", args=[zh_complaints[0].reference]))
    for path in pages:
        response = client.get(path, **ZH)
        assert response.status_code == 200, path
        assert_chinese(response, path)


def test_form_errors_and_refusals_are_chinese(client, zh_customer, zh_complaints):
    client.force_login(zh_customer)
    bad_filing = {"form_token": "x" * 32, "category": "trade_dispute", "subcategory": "theft", "summary": "",
                  "description": "", "tx_hashes": "0x12", "order_ids": "a b", "disputed_amount": "1", "on_behalf": "on",
                  "evidence": [SimpleUploadedFile("a.exe", b"MZ", "application/octet-stream")]}  # fmt: skip
    assert_chinese(client.post(reverse("portal:complaint-new"), bad_filing, **ZH), "filing errors")
    proposed = zh_complaints[2]
    assert_chinese(client.post(reverse("portal:complaint-appeal", args=[proposed.reference]), {"grounds": ""}, **ZH), "appeal errors")
    refused = client.post(reverse("portal:complaint-rate", args=[proposed.reference]), {"score": "5"}, follow=True, **ZH)
    assert_chinese(refused, "a refused action")
    assert_chinese(client.post(reverse("accounts:profile"), {"language": "xx"}, **ZH), "profile errors")


def test_signed_out_pages_are_entirely_chinese(client, db):
    for path in (reverse("portal:home"), reverse("accounts:sign-in"), reverse("accounts:sign-up"),
                 reverse("accounts:password-reset"), reverse("accounts:password-reset-done"),
                 reverse("accounts:password-reset-complete"), "/no-such-page/",
                 reverse("accounts:password-reset-confirm", args=["MQ", "bad-token"]),
                 reverse("accounts:verify-email", args=["MQ", "bad-token"])):  # fmt: skip
        response = client.get(path, follow=True, **ZH)
        assert_chinese(response, path)
    errors = client.post(reverse("accounts:sign-up"), {"email": "x", "password1": "1", "password2": "2"}, **ZH)
    assert_chinese(errors, "sign-up errors")
    wrong = client.post(reverse("accounts:sign-in"), {"username": "nobody@example.com", "password": "x"}, **ZH)
    assert_chinese(wrong, "sign-in error")


def test_the_rate_limit_and_staff_pages_are_chinese(client, agent, settings):
    settings.REDRESS_RATE_SIGN_IN = "1/m"
    client.post(reverse("accounts:sign-in"), {"username": "a@example.com", "password": "x"}, **ZH)
    assert_chinese(client.post(reverse("accounts:sign-in"), {"username": "a@example.com", "password": "x"}, **ZH), "429")
    client.force_login(agent)
    assert_chinese(client.get(reverse("portal:complaint-list"), **ZH), "staff page")


def test_the_verification_link_page_is_chinese(client, db, mailoutbox):
    client.post(reverse("accounts:sign-up"), {"email": "li@example.com", "password1": "a-long-Passphrase-42",
                                              "password2": "a-long-Passphrase-42", "language": "zh-hans"}, **ZH)  # fmt: skip
    link = re.search(r"https?://\S+", mailoutbox[0].body).group(0)
    assert_chinese(client.get(link, **ZH), "verify confirm")


@pytest.mark.parametrize("kind", ["verify", "reset"])
def test_account_emails_are_entirely_chinese_for_a_chinese_customer(client, zh_customer, mailoutbox, kind):
    if kind == "verify":
        CustomerProfile.objects.filter(user=zh_customer).update(email_verified_at=None)
        client.force_login(zh_customer)
        client.post(reverse("accounts:verify-resend"))
    else:
        client.post(reverse("accounts:password-reset"), {"email": zh_customer.email})
    [message] = mailoutbox
    html_body = message.alternatives[0][0]
    assert 'lang="zh-hans"' in html_body
    for part in (message.subject, message.body, visible_text(html_body)):
        scrubbed = re.sub(r"https?://\S+", " ", part)
        assert CJK.search(scrubbed)
        assert not ENGLISH_PHRASE.findall(visible_text(scrubbed)), part


@pytest.mark.parametrize("kind", ["verify", "reset"])
def test_account_emails_are_english_for_an_english_customer(client, alice, mailoutbox, kind):
    CustomerProfile.objects.filter(user=alice).update(email_verified_at=None)
    if kind == "verify":
        client.force_login(alice)
        client.post(reverse("accounts:verify-resend"), **ZH)  # the page is Chinese; the mail follows the profile
    else:
        client.post(reverse("accounts:password-reset"), {"email": alice.email}, **ZH)
    [message] = mailoutbox
    for part in (message.subject, message.body, message.alternatives[0][0]):
        assert not CJK.search(part)
