"""Compliance fixtures: complaints built through the services, and raw SQL as an intruder uses it."""

import pytest
from django.db import connection

from accounts.models import Team
from complaints import services
from complaints.choices import Category, Liability, Outcome, RemedyKind


def file(customer, **fields):
    filing = {
        "category": Category.TRADE_DISPUTE,
        "summary": "Market order filled far from the quoted price",
        "description": "My BTC market order slipped 8% during a quiet market. Call me on +44 7700 900123.",
        **fields,
    }
    return services.complaint_file(customer=customer, filing=services.Filing(**filing))


def investigate(complaint, agent):
    return services.complaint_start_investigation(
        complaint=complaint, actor=agent, priority="P3", team=Team.objects.get(code="trade_risk"), assignee=agent
    )


def decision(*remedies, reasons="We replayed the order book for Alice.", recourse="Appeal within 30 days.") -> services.Decision:
    remedies = remedies or (services.RemedyInput(kind=RemedyKind.EXPLANATION),)
    return services.Decision(
        outcome=Outcome.PARTLY_UPHELD, liability=Liability.PLATFORM_FAULT, reasons=reasons, recourse=recourse,
        remedies=remedies,
    )  # fmt: skip


@pytest.fixture
def filed(alice):
    return file(alice)


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
