"""The console in a real browser (Debian's chromium through Playwright): an agent signs in,
opens "My queue", triages a complaint, starts the investigation and proposes a resolution; a
supervisor approves one above the agent's limit. Screenshots go to tests/artifacts/."""

import os
import re
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PASSWORD = "correct horse battery staple"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed"),
]


@pytest.fixture
def console_server(settings, monkeypatch):
    """A live server started now, so its middleware is built with the test's settings (no HTTPS
    redirect); pytest-django's session-wide live_server is built before them."""
    from pytest_django.live_server_helper import LiveServer

    # Playwright's sync API runs an event loop in this thread; Django's ORM then refuses to be
    # called from "async" context unless told it is safe (the test's own queries are sync).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    server = LiveServer("localhost")
    server._live_server_modified_settings.enable()
    try:
        yield server
    finally:
        server._live_server_modified_settings.disable()
        server.stop()


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"],
        )  # fmt: skip
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda message: message.type == "error" and page.console_errors.append(message.text))
        yield page
        context.close()
        browser.close()


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def sign_in(page, base, email):
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", email)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{base}/admin/")


def open_action(page, name):
    """The complaint page's button for an action opens its form on a page of its own."""
    page.click(f"#action-{name}")
    page.wait_for_selector(".console-action-page form")
    return page.locator(".console-action-page form")


@pytest.mark.django_db(transaction=True)  # tests/conftest.py restores the data-migration rows
def test_an_agent_works_a_complaint_and_a_supervisor_approves_one(console_server, browser_page, agent, supervisor, complaint_in):
    from accounts.models import Team
    from complaints.models import CannedResponse, Complaint, Message

    page, base = browser_page, console_server.url
    service = Team.objects.get(code="customer_service")
    fresh = complaint_in("triage", assignee=agent, team=service, summary="USDT withdrawal stuck for 3 days")
    big = complaint_in("investigating", assignee=agent, team=service, priority="P2",
                       summary="Liquidated during the exchange's outage")  # fmt: skip
    Message.objects.create(complaint=fresh, author=fresh.customer, body="Any news? It is 500 USDT.")
    CannedResponse.objects.create(title="We are on it", category="deposit_withdrawal", language="en",
                                  body="Thank you, we are checking {reference} with the payments team.")  # fmt: skip

    sign_in(page, base, agent.email)
    shot(page, "01-index")
    page.click("#saved-queues a.queue-mine")
    page.wait_for_selector("#result_list")
    assert fresh.reference in page.content() and big.reference in page.content()
    shot(page, "02-my-queue")

    page.click(f"text={fresh.reference}")
    page.wait_for_selector(".console-head")
    page.select_option("#canned-picker", label="We are on it")
    assert fresh.reference in page.input_value("#id_message_body")
    shot(page, "03-complaint-triage")

    form = open_action(page, "start_investigation")
    form.locator("#id_priority").select_option("P2")
    form.locator("#id_subcategory").select_option("withdrawal_delayed")
    form.locator("input[type=submit]").click()
    page.wait_for_selector(".messagelist .success")
    assert "The investigation has started" in page.content()
    shot(page, "04-investigating")

    form = open_action(page, "propose_resolution")
    form.locator("#id_outcome").select_option("upheld")
    form.locator("#id_liability").select_option("platform_fault")
    form.locator("#id_reasons").fill("Our TRON node lagged; your withdrawal was delayed by us.")
    form.locator("[name=remedies-0-kind]").select_option("fee_refund")
    form.locator("[name=remedies-0-amount]").fill("1")
    form.locator("[name=remedies-0-asset]").fill("USDT")
    form.locator("[name=remedies-0-reference_value]").fill("1")
    shot(page, "05-propose-form")
    form.locator("input[type=submit]").click()
    page.wait_for_selector(".messagelist .success")
    assert Complaint.objects.get(pk=fresh.pk).state == "resolution_proposed"
    shot(page, "06-proposed")

    page.goto(f"{base}/admin/complaints/complaint/{big.pk}/change/")
    form = open_action(page, "propose_resolution")
    form.locator("#id_outcome").select_option("partly_upheld")
    form.locator("#id_liability").select_option("platform_fault")
    form.locator("#id_reasons").fill("The outage delayed your margin top-up.")
    form.locator("[name=remedies-0-kind]").select_option("compensation")
    form.locator("[name=remedies-0-amount]").fill("2500")
    form.locator("[name=remedies-0-asset]").fill("USDT")
    form.locator("[name=remedies-0-reference_value]").fill("2500")
    form.locator("input[type=submit]").click()
    page.wait_for_selector(".messagelist .success")
    assert "waits for a supervisor" in page.content()
    assert Complaint.objects.get(pk=big.pk).state == "awaiting_approval"
    shot(page, "07-submitted-for-approval")

    page.click("#logout-form button")
    sign_in(page, base, supervisor.email)
    page.click("#saved-queues a.queue-approval")
    page.wait_for_selector("#result_list")
    assert big.reference in page.content() and fresh.reference not in page.content()
    shot(page, "08-awaiting-my-approval")
    page.click(f"text={big.reference}")
    form = open_action(page, "approve_resolution")
    assert "Proposed resolution, awaiting approval" in page.content() and "2,500.00" in page.content()
    shot(page, "09-approve")
    form.locator("input[type=submit]").click()
    page.wait_for_selector(".messagelist .success")
    big = Complaint.objects.get(pk=big.pk)
    assert (big.state, big.approver_id) == ("resolution_proposed", supervisor.pk)
    shot(page, "10-approved")

    page.click("a.historylink")
    page.wait_for_selector("#audit-events")
    assert "approve_resolution" in page.content()
    shot(page, "11-history")

    page.goto(f"{base}/admin/complaints/complaint/register/")
    page.fill("#id_email", "carol@example.com")
    page.fill("#id_name", "Carol Chen")
    page.select_option("#id_channel", "phone")
    page.select_option("#id_category", "fees")
    page.fill("#id_summary", "Charged twice for one withdrawal")
    page.fill("#id_description", "Called in: the withdrawal fee was taken twice on 3 May.")
    shot(page, "12-intake")
    page.click("input[type=submit]")
    page.wait_for_selector(".messagelist .success")
    assert Complaint.objects.filter(customer__email="carol@example.com", channel="phone", filed_by=supervisor).exists()
    shot(page, "13-registered")

    csp = [error for error in page.console_errors if re.search("Content Security Policy", error)]
    assert not csp, csp
