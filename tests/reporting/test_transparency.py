"""The public quarterly report: aggregates only, small counts withheld, English and Chinese."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from complaints.models import SatisfactionRating
from complaints.reporting.refresh import refresh_all
from tests.factories import ComplaintFactory

Q4 = reverse("portal:transparency-quarter", args=["2026-Q4"])
AFTER_Q4 = datetime(2027, 1, 15, 12, tzinfo=UTC)


@pytest.fixture
def quarter_of_complaints(terms, alice, team_cs):
    """40 received in Q4 2026: 25 deposit/withdrawal, 12 trade disputes, 3 KYC. 30 of the
    deposit and trade complaints decided two days after receipt: 20 upheld, 4 partly, 6 not;
    12 of them rated 4."""
    received = datetime(2026, 10, 5, 9, tzinfo=UTC)
    outcomes = ["upheld"] * 20 + ["partly_upheld"] * 4 + ["not_upheld"] * 6
    categories = ["deposit_withdrawal"] * 25 + ["trade_dispute"] * 12 + ["kyc"] * 3
    for n, category in enumerate(categories):
        fields = {"received_at": received + timedelta(hours=n), "category": category, "customer": alice, "team": team_cs,
                  "summary": f"Private summary {n}", "with_clock": True}  # fmt: skip
        if n < len(outcomes):
            fields.update(state="resolved", outcome=outcomes[n], decided_at=fields["received_at"] + timedelta(days=2))
        complaint = ComplaintFactory(**fields)
        if n < 12:
            SatisfactionRating.objects.create(complaint=complaint, score=4, comment="Alice was happy")
    refresh_all()


def _page(client, url=Q4, **headers):
    with time_machine.travel(AFTER_Q4, tick=False):
        return client.get(url, **headers)


def test_the_figures_are_published_with_small_counts_withheld(client, quarter_of_complaints):
    response = _page(client)
    assert response.status_code == 200
    figures = response.context["figures"]
    volumes = {cell.label: cell.value for cell in figures.volumes}
    assert volumes["Deposit or withdrawal"] == 25 and figures.received == 40
    assert volumes["Identity verification (KYC)"] is None  # 3: under 10
    # KYC alone would be 40 − 25 − 12 = 3: the next smallest published count is withheld with it.
    assert volumes["Trade dispute"] is None
    outcomes = {cell.label: cell.value for cell in figures.outcomes}
    assert outcomes == {"Upheld": 20, "Partly upheld": None, "Not upheld": None,
                        "Other decisions (out of scope, duplicate)": None}  # fmt: skip
    assert figures.decided == 30
    assert figures.median_days == pytest.approx(2.0)
    assert figures.within_deadline == pytest.approx(1.0)
    assert (figures.csat_average, figures.csat_count) == (pytest.approx(4.0), 12)


def test_the_page_holds_no_personal_data(client, quarter_of_complaints, alice):
    html = _page(client).content.decode()
    for private in (alice.email, "Alice", "Private summary", "CMP-", "Customer service"):
        assert private not in html


def test_a_quarter_with_few_complaints_withholds_everything(client, october):
    response = _page(client)
    figures = response.context["figures"]
    assert figures.received is None and figures.decided is None  # 6 received, 4 decided
    assert all(cell.suppressed for cell in figures.volumes + figures.outcomes)
    assert figures.median_days is None and figures.within_deadline is None and figures.csat_average is None
    assert "withheld" in response.content.decode()


def test_the_page_is_in_chinese_for_a_chinese_reader(client, quarter_of_complaints):
    html = _page(client, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'lang="zh-hans"' in html
    assert "投诉处理报告" in html and "Complaint handling report" not in html


def test_without_a_quarter_the_latest_complete_one_is_shown(client, db):
    with time_machine.travel(AFTER_Q4, tick=False):
        response = client.get(reverse("portal:transparency"))
    assert response.status_code == 200 and str(response.context["figures"].quarter) == "2026-Q4"


def test_a_quarter_not_yet_over_is_not_published(client, db):
    with time_machine.travel(datetime(2026, 12, 30, tzinfo=UTC), tick=False):
        assert client.get(Q4).status_code == 404


def test_a_malformed_quarter_gets_a_clear_error(client, db):
    response = client.get(reverse("portal:transparency-quarter", args=["2026-Q5"]))
    assert response.status_code == 400
    assert "Write it as year and quarter, for example 2026-Q1." in response.content.decode()


def test_the_page_costs_two_queries(client, quarter_of_complaints, django_assert_num_queries):
    # the received and decided roll-up totals (one query), the median over the facts
    with django_assert_num_queries(2):
        assert _page(client).status_code == 200
