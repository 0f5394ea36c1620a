"""A new customer, in Chinese, in a real browser: signs up, confirms their address from the e-mail,
files a complaint with a screenshot, sees the reference; an agent proposes a remedy; the customer
accepts it. Screenshots at a phone and a desktop size go to tests/artifacts/browser/."""

import re
from decimal import Decimal

import pytest
from django.core import mail

from accounts.models import Team
from complaints import services
from complaints.choices import RemedyKind, RemedyState, State
from complaints.models import Complaint

from .browser import ARTIFACTS, DESKTOP, PHONE, chromium, needs_chromium, portal_server  # noqa: F401 (fixtures)
from .conftest import png_bytes

pytestmark = [pytest.mark.browser, needs_chromium, pytest.mark.django_db(transaction=True)]

SHOTS = ARTIFACTS / "browser"


def shoot(page, name: str) -> None:
    """The same page at a phone and a desktop size, full length."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("phone", PHONE), ("desktop", DESKTOP)):
        page.set_viewport_size(size)
        page.wait_for_timeout(150)  # let the new layout paint before a full-length shot
        page.screenshot(path=str(SHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def test_a_new_customer_files_in_chinese_and_accepts_the_remedy(portal_server, chromium, agent, settings):  # noqa: F811
    base = portal_server.url
    context = chromium.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(15_000)
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)

    # Arrives in English, switches to Chinese with the button every page has.
    page.goto(base + "/")
    page.get_by_role("button", name=re.compile("简体中文")).click()
    page.wait_for_selector("html[lang=zh-hans]")
    shoot(page, "01-home")

    page.get_by_role("link", name="注册账户").first.click()
    page.fill("#id_email", "wang.fang@example.com")
    page.fill("#id_password1", "Shanghai-Harbour-2026")
    page.fill("#id_password2", "Shanghai-Harbour-2026")
    page.fill("#id_exchange_uid", "77001234")
    assert page.input_value("#id_language") == "zh-hans"  # the page language is the default
    shoot(page, "02-sign-up")
    page.get_by_role("button", name="注册账户").click()
    page.wait_for_url(re.compile(r"/accounts/verify/$"))
    shoot(page, "03-check-your-mail")

    # The confirmation link from the e-mail, then one click to confirm.
    [verification] = [message for message in mail.outbox if message.to == ["wang.fang@example.com"]]
    link = re.search(r"https?://\S+", verification.body).group(0)
    page.goto(link)
    page.get_by_role("button", name="确认我的电子邮件地址").click()
    page.wait_for_url(re.compile(r"/complaints/new/$"))

    # File in Chinese, with a screenshot as evidence.
    page.check("input[name=category][value=deposit_withdrawal]")
    page.select_option("#id_subcategory", "withdrawal_missing")
    page.fill("#id_summary", "USDT 提现三天未到账")
    page.fill("#id_description", "我于 11 月 3 日在波场网络提现 500 USDT，交易所显示已完成，但钱包一直没有收到。")
    page.fill("#id_desired_outcome", "请将 500 USDT 退回我的账户。")
    page.select_option("#id_tx_network", "TRON")
    page.fill("#id_tx_hashes", "ab" * 32)
    page.fill("#id_disputed_amount", "500")
    page.fill("#id_disputed_asset", "USDT")
    page.set_input_files("#id_evidence", files=[{"name": "提现截图.png", "mimeType": "image/png", "buffer": png_bytes(64, 40)}])
    shoot(page, "04-filing-form")
    page.get_by_role("button", name="提交投诉").click()
    page.wait_for_url(re.compile(r"/complaints/CMP-\d{4}-\d{7}/filed/$"))
    reference = page.text_content("[data-reference]").strip()
    assert re.fullmatch(r"CMP-\d{4}-\d{7}", reference)
    shoot(page, "05-reference")

    complaint = Complaint.objects.get(reference=reference)
    assert complaint.customer.email == "wang.fang@example.com" and complaint.language == "zh-hans"
    assert complaint.evidence.get().original_name == "提现截图.png"
    acknowledgement = [m for m in mail.outbox if m.to == ["wang.fang@example.com"] and reference in m.subject]
    assert acknowledgement and re.search(r"[\u4e00-\u9fff]", acknowledgement[0].subject)

    # Staff work the case (the console's screens are built elsewhere; the same services run).
    services.complaint_start_investigation(
        complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="customer_service"), assignee=agent
    )
    services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=services.Decision(
        outcome="upheld", liability="platform_fault",
        reasons="经核查，该笔提现因风控延迟未能广播，现已退回您的账户，并退还手续费。",
        recourse="如您不同意，可在 30 天内申请一次重新审查或提出申诉。",
        remedies=(services.RemedyInput(kind=RemedyKind.FEE_REFUND, amount=Decimal("1"), asset="USDT", reference_value=Decimal("1")),
                  services.RemedyInput(kind=RemedyKind.APOLOGY))))  # fmt: skip

    page.goto(f"{base}/complaints/{reference}/")
    assert page.is_visible(".decision__outcome >> text=支持")
    shoot(page, "06-decision")
    page.get_by_role("button", name="接受决定").click()
    page.wait_for_url(re.compile(rf"/complaints/{reference}/$"))
    shoot(page, "07-accepted")

    complaint.refresh_from_db()
    assert complaint.state == State.RESOLVED
    states = dict(complaint.remedies.values_list("kind", "state"))
    assert states[RemedyKind.FEE_REFUND] == RemedyState.ACCEPTED  # the refund goes to execution
    assert states[RemedyKind.APOLOGY] == RemedyState.EXECUTED  # delivered with the decision itself
    assert page.is_visible(".message--success")
    assert not errors, errors  # no script errors, no CSP violations reported by the browser
    context.close()
