"""The customer notices this app sends, in the customer's language (English or Simplified Chinese)."""

import re
from datetime import date, timedelta

import pytest

from accounts.models import Team
from complaints import services
from complaints.choices import Liability, Outcome, RemedyKind
from complaints.models import Notification
from escalation.notifications import DEEMED_ACCEPTANCE
from escalation.services import complaint_deem_accepted, complaint_send_reminder, deadline_extend
from tests.factories import CustomerFactory

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = ["Dear", "Reminder", "decision", "Please", "accepted", "Why we need", "Follow your complaint"]


@pytest.fixture(params=["en", "zh-hans"])
def customer(request, db):
    return CustomerFactory(first_name="Wei", profile__language=request.param)


def proposed(customer, agent):
    complaint = services.complaint_file(
        customer=customer, filing=services.Filing(category="trade_dispute", summary="Late fill", description="It filled late.")
    )
    complaint = services.complaint_start_investigation(complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent)
    decision = services.Decision(outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT, reasons="Late on our side.",
                                 recourse="Appeal within 30 days.", remedies=(services.RemedyInput(kind=RemedyKind.APOLOGY),))  # fmt: skip
    return services.complaint_propose_resolution(complaint=complaint, actor=agent, decision=decision)


def assert_language(notice: Notification, language: str) -> None:
    assert notice.language == language
    for part in (notice.subject, notice.body_text, notice.body_html):
        if language == "en":
            assert not CJK.search(part)
        else:
            assert CJK.search(part) and not [word for word in ENGLISH if word in part], part


def test_the_reminder_deemed_acceptance_and_extension_notices_speak_the_customers_language(customer, agent, monday):
    language = customer.customer_profile.language
    complaint = proposed(customer, agent)
    monday.shift(timedelta(days=11, minutes=1))
    assert_language(complaint_send_reminder(complaint=complaint), language)
    monday.shift(timedelta(days=3))
    complaint_deem_accepted(complaint=complaint)
    assert_language(Notification.objects.get(complaint=complaint, kind=DEEMED_ACCEPTANCE), language)

    other = services.complaint_file(customer=customer, filing=services.Filing(category="fees", summary="Fee", description="Too high."))
    deadline_extend(complaint=other, actor=agent, new_due_at=date(2027, 6, 1), reason="Waiting for the ledger team.")
    assert_language(Notification.objects.get(complaint=other, kind=Notification.Kind.DEADLINE_EXTENSION), language)


def test_the_information_reminder_and_the_closure_for_no_response(customer, agent, monday, settings):
    language = customer.customer_profile.language
    complaint = services.complaint_file(customer=customer, filing=services.Filing(category="fees", summary="Fee", description="Too high."))
    complaint = services.complaint_start_investigation(complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent)
    services.complaint_request_information(complaint=complaint, actor=agent, message="Which order?")
    monday.shift(timedelta(days=settings.REDRESS_NO_RESPONSE_DAYS - 3, minutes=1))
    assert_language(complaint_send_reminder(complaint=complaint), language)
    monday.shift(timedelta(days=3))
    services.complaint_close_for_no_response(complaint=complaint)
    assert_language(Notification.objects.get(complaint=complaint, kind=Notification.Kind.CLOSURE), language)
