"""Complaints taken through the real services, and verify_audit as a test calls it: shared by the
audit-chain tests and the compliance tests."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Team
from complaints import services
from complaints.choices import Category, Liability, Outcome, RemedyKind
from complaints.models import Complaint


def file(customer, **fields) -> Complaint:
    filing = {
        "category": Category.TRADE_DISPUTE,
        "summary": "Market order filled far from the quoted price",
        "description": "My BTC market order slipped 8% during a quiet market.",
        **fields,
    }
    return services.complaint_file(customer=customer, filing=services.Filing(**filing))


def investigate(complaint, agent) -> Complaint:
    return services.complaint_start_investigation(
        complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
    )


def decision(*remedies, reasons="We replayed the order book.", recourse="Appeal within 30 days.") -> services.Decision:
    remedies = remedies or (services.RemedyInput(kind=RemedyKind.EXPLANATION),)
    return services.Decision(
        outcome=Outcome.PARTLY_UPHELD, liability=Liability.PLATFORM_FAULT, reasons=reasons, recourse=recourse,
        remedies=remedies,
    )  # fmt: skip


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def refused(*phrases: str) -> str:
    """verify_audit's refusal, which must name every phrase."""
    with pytest.raises(CommandError) as error:
        verify()
    message = str(error.value)
    for phrase in phrases:
        assert phrase in message, message
    return message
