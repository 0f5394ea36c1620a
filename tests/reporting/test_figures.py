"""The report's figures on the October fixture (conftest.py), worked out by hand."""

from datetime import date

import pytest

from accounts.models import Team
from complaints.reporting.presentation import tables
from complaints.reporting.queries import Filters, percentile_cont, report

OCTOBER = Filters(date(2026, 10, 1), date(2026, 10, 31))
HOUR, DAY = 3600, 86400


@pytest.fixture
def october_report(october):
    return report(OCTOBER)


def test_volumes_count_by_date_of_receipt(october_report):
    by = october_report.by
    assert october_report.received["count"] == 6
    assert {v: t["count"] for v, t in by[("received", "category")].items()} == {"deposit_withdrawal": 5, "trade_dispute": 1}
    assert {v: t["count"] for v, t in by[("received", "channel")].items()} == {"web": 4, "email": 1, "phone": 1}
    assert [(monday.isoformat(), count) for monday, count in october_report.weeks] == [
        ("2026-09-28", 0), ("2026-10-05", 3), ("2026-10-12", 2), ("2026-10-19", 1), ("2026-10-26", 0),
    ]  # fmt: skip


def test_acknowledgement_time_average_and_p90(october_report):
    # A, C, D 1 h; F 30 min; B 48 h. Sorted: 1800, 3600, 3600, 3600, 172800.
    step = october_report.steps["acknowledgement"]
    assert step.count == 5
    assert step.average == pytest.approx((1800 + 3 * HOUR + 48 * HOUR) / 5)  # 37,080 s
    # p90: rank 0.9 × 4 = 3.6, so 3600 + 0.6 × (172800 − 3600) = 105,120 s
    assert step.p90 == pytest.approx(105_120)


def test_investigation_and_decision_times_count_by_date_of_decision(october_report):
    investigation, decision = october_report.steps["investigation"], october_report.steps["decision"]
    # A 24 h, B 24 h, C 15 days, F 22 h
    assert investigation.count == 4
    assert investigation.average == pytest.approx((DAY + DAY + 15 * DAY + 22 * HOUR) / 4)  # 387,000 s
    assert investigation.p90 == pytest.approx(86_400 + 0.7 * (15 * DAY - DAY))  # 933,120 s
    # A 48 h, B 73 h, C 15 days 2 h, F 24 h
    assert decision.count == 4
    assert decision.average == pytest.approx((48 * HOUR + 73 * HOUR + (15 * DAY + 2 * HOUR) + DAY) / 4)  # 456,300 s
    assert decision.p90 == pytest.approx(262_800 + 0.7 * (1_303_200 - 262_800))  # 991,080 s


def test_missed_time_limits_per_step(october_report):
    steps = october_report.steps
    # Acknowledgement: B, acknowledged two days after receipt (due by the end of the next day).
    assert (steps["acknowledgement"].missed, steps["acknowledgement"].overdue_now) == (1, 1)  # E is still unacknowledged
    # Investigation (48 h resolution target): B (73 h) and C (15 days); D and E are past it and still open.
    assert (steps["investigation"].missed, steps["investigation"].overdue_now) == (2, 2)
    # Decision (10 days, to the end of the day): C; D and E are past it and still open.
    assert (steps["decision"].missed, steps["decision"].overdue_now) == (1, 2)


def test_missed_time_limits_per_regime(october_report):
    regimes = tables(october_report)["regimes"].rows
    assert regimes == [["Test regime", 1, 2, 1]]


def test_outcomes_rates_and_satisfaction(october_report):
    decided = october_report.decided
    assert (decided["count"], decided["upheld"], decided["partly_upheld"], decided["not_upheld"]) == (4, 2, 1, 1)
    assert october_report.appeal_rate == pytest.approx(1 / 4)
    assert october_report.overturn_rate == pytest.approx(1.0)  # B's appeal changed the decision
    assert october_report.reopen_rate == pytest.approx(1 / 4)  # C
    assert october_report.csat_average == pytest.approx((2 + 5 + 4) / 3)
    assert {v: t["count"] for v, t in october_report.by[("decided", "csat")].items()} == {"2": 1, "4": 1, "5": 1}


def test_outcomes_and_remedies_paid_by_asset(october_report):
    by = october_report.by
    assets = {v: (t["count"], t["upheld"], t["partly_upheld"], t["not_upheld"]) for v, t in by[("decided", "asset")].items()}
    assert assets == {"USDT": (2, 1, 0, 1), "BTC": (1, 0, 1, 0), "ETH": (1, 1, 0, 0)}
    paid = {v: (t["count"], t["amount"], t["amount_value"]) for v, t in by[("decided", "remedy_asset")].items()}
    assert {v: (n, float(a), float(r)) for v, (n, a, r) in paid.items()} == {"USDT": (1, 50.0, 50.0), "BTC": (1, 0.001, 60.0)}


def test_top_root_causes_and_incidents(october_report):
    assert [(row["root_cause__code"], row["count"]) for row in october_report.root_causes] == [
        ("chain_congestion", 2), ("user_error", 1),
    ]  # fmt: skip
    [incident] = october_report.incidents
    assert (incident["incident__title"], incident["count"], incident["systemic"]) == ("TRON withdrawals delayed", 3, False)


def test_an_incident_flagged_systemic_is_reported_as_such(october):
    october["incident"].is_systemic = True
    october["incident"].save()
    assert report(OCTOBER).incidents[0]["systemic"] is True


def test_a_team_filter_credits_decisions_to_the_team_that_decided(october):
    trade = Team.objects.get(code="trade_risk")
    only_trade = report(Filters(OCTOBER.start, OCTOBER.end, trade.pk))
    assert (only_trade.received["count"], only_trade.decided["count"]) == (1, 1)
    assert only_trade.steps["decision"].average == pytest.approx(DAY)


def test_the_team_at_decision_stays_when_the_complaint_moves_team(october):
    from complaints.reporting.refresh import refresh_all

    complaint = october["F"]
    complaint.team = Team.objects.get(code="customer_service")
    complaint.save()
    refresh_all()
    trade = Team.objects.get(code="trade_risk")
    moved = report(Filters(OCTOBER.start, OCTOBER.end, trade.pk))
    assert (moved.received["count"], moved.decided["count"]) == (0, 1)  # volume follows the team, the decision stays


def test_a_period_outside_the_data_reports_nothing(october):
    empty = report(Filters(date(2025, 1, 1), date(2025, 1, 31)))
    assert (empty.received["count"], empty.decided["count"]) == (0, 0)
    assert empty.steps["decision"].p90 is None


def test_percentile_cont_interpolates_like_postgresql():
    assert percentile_cont([1, 2, 3, 4], 0.9) == pytest.approx(3.7)
    assert percentile_cont([5], 0.9) == 5
    assert percentile_cont([], 0.9) is None
