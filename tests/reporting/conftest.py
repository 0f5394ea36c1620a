"""A small October of complaints whose figures are worked out by hand in test_figures.py.

Regime: acknowledgement within 1 calendar day, decision within 10 (each to the end of the day
it lands on, UTC). SLA policy: resolution within 48 hours, calendar time. Six complaints:

    ref  team   received      ack           investigation  decided       outcome   notes
    A    cs     Oct 5 10:00   Oct 5 11:00   Oct 6 10:00    Oct 7 10:00   upheld    web, USDT, 50 paid
    B    cs     Oct 6 09:00   Oct 8 09:00   Oct 8 10:00    Oct 9 10:00   not       web, appealed → changed, CSAT 2
    C    cs     Oct 10 08:00  Oct 10 09:00  Oct 10 10:00   Oct 25 10:00  partly    e-mail, trade dispute, BTC, reopened, CSAT 5
    D    cs     Oct 12 12:00  Oct 12 13:00  Oct 13 12:00   —             —         web, investigating
    E    cs     Oct 20 00:00  —             —              —             —         phone, received
    F    trade  Oct 15 10:00  Oct 15 10:30  Oct 15 12:00   Oct 16 10:00  upheld    web, CSAT 4
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from accounts.models import Team
from complaints.models import Remedy, SatisfactionRating
from complaints.reporting.models import DecisionRootCause, Incident, IncidentLink, RootCause
from complaints.reporting.refresh import refresh_all
from escalation.models import Regime, SlaPolicy


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def terms(db):
    # Only these terms apply: the seeded regimes and policies step aside (the saves below bump the configuration).
    Regime.objects.update(is_default=False)
    SlaPolicy.objects.update(is_active=False)
    regime = Regime.objects.create(
        code="test", name="Test regime", is_default=True, acknowledgement_amount=1, acknowledgement_unit="calendar_days",
        decision_amount=10, decision_unit="calendar_days",
    )  # fmt: skip
    SlaPolicy.objects.create(name="Everything", time_basis="calendar", first_response_hours=24, resolution_hours=48)
    return regime


@pytest.fixture
def october(terms, complaint_in, agent, specialist):
    cs, trade = Team.objects.get(code="customer_service"), Team.objects.get(code="trade_risk")

    def decided(state, **fields):
        return complaint_in(state, team=fields.pop("team", cs), priority="P3", **fields)

    made = {
        "A": decided("resolved", received_at=at(5, 10), acknowledged_at=at(5, 11), investigation_started_at=at(6, 10),
                     decided_at=at(7, 10), outcome="upheld", disputed_asset="USDT", disputed_reference_value=Decimal("500"),
                     subcategory="withdrawal_delayed", assignee=agent),
        "B": decided("resolved", received_at=at(6, 9), acknowledged_at=at(8, 9), investigation_started_at=at(8, 10),
                     decided_at=at(9, 10), outcome="not_upheld", appealed_at=at(10, 9), appeal_outcome="changed",
                     appeal_decided_at=at(12, 9), disputed_asset="USDT", disputed_reference_value=Decimal("450"),
                     subcategory="withdrawal_delayed"),
        "C": decided("closed", received_at=at(10, 8), acknowledged_at=at(10, 9), investigation_started_at=at(10, 10),
                     decided_at=at(25, 10), outcome="partly_upheld", reopened_at=at(27, 9), category="trade_dispute",
                     subcategory="slippage", channel="email", disputed_asset="BTC"),
        "D": decided("investigating", received_at=at(12, 12), acknowledged_at=at(12, 13), investigation_started_at=at(13, 12),
                     disputed_asset="USDT", subcategory="withdrawal_delayed"),
        "E": complaint_in("received", received_at=at(20, 0), channel="phone"),
        "F": decided("resolved", team=trade, received_at=at(15, 10), acknowledged_at=at(15, 10, 30),
                     investigation_started_at=at(15, 12), decided_at=at(16, 10), outcome="upheld", disputed_asset="ETH"),
    }  # fmt: skip
    for key, score in (("B", 2), ("C", 5), ("F", 4)):
        SatisfactionRating.objects.create(complaint=made[key], score=score)
    for key, kind, amount, asset, value, state in (
        ("A", "compensation", "50", "USDT", "50", "executed"),
        ("C", "fee_refund", "0.001", "BTC", "60", "executed"),
        ("B", "compensation", "70", "USDT", "70", "proposed"),
    ):
        Remedy.objects.create(complaint=made[key], kind=kind, amount=Decimal(amount), asset=asset,
                              reference_value=Decimal(value), proposed_by=agent, state=state)  # fmt: skip
    congestion = RootCause.objects.create(code="chain_congestion", name="Chain congestion")
    user_error = RootCause.objects.create(code="user_error", name="User error")
    for key, cause in (("A", congestion), ("B", congestion), ("C", user_error)):
        DecisionRootCause.objects.create(complaint=made[key], root_cause=cause)
    incident = Incident.objects.create(title="TRON withdrawals delayed", category="deposit_withdrawal", asset="USDT",
                                       started_at=at(5, 0))  # fmt: skip
    for key in "ABD":
        IncidentLink.objects.create(incident=incident, complaint=made[key])
    refresh_all()
    made["incident"] = incident
    return made


@pytest.fixture
def team_cs(db):
    return Team.objects.get(code="customer_service")
