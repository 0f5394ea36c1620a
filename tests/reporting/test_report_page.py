"""The staff report page and its CSV: who may see them, bad filters, and what they cost."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from complaints.reporting.sql import fetch, local_settings

REPORT, CSV = reverse("reporting:report"), reverse("reporting:report-csv")
OCTOBER = {"start": "2026-10-01", "end": "2026-10-31"}


def test_a_supervisor_reads_the_report_with_its_charts(client, supervisor, october):
    client.force_login(supervisor)
    response = client.get(REPORT, OCTOBER)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and 'class="bar-fill"' in html
    assert "TRON withdrawals delayed" in html and "Chain congestion" in html
    assert 'style="' not in html  # the CSP forbids inline styles: the charts are coloured by class


def test_the_compliance_officer_reads_the_report(client, compliance, october):
    client.force_login(compliance)
    assert client.get(REPORT, OCTOBER).status_code == 200


def test_an_agent_without_the_permission_is_refused(client, agent, october):
    client.force_login(agent)
    assert client.get(REPORT, OCTOBER).status_code == 403
    assert client.get(CSV, OCTOBER).status_code == 403


@pytest.mark.parametrize("who", ["alice", None])
def test_a_customer_or_a_stranger_is_sent_to_the_staff_sign_in(client, request, who, october):
    if who:
        client.force_login(request.getfixturevalue(who))
    for url in (REPORT, CSV):
        response = client.get(url, OCTOBER)
        assert response.status_code == 302 and reverse("admin:login") in response["Location"]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"start": "2026-10-31", "end": "2026-10-01"}, "The period must start on or before the day it ends."),
        ({"start": "yesterday"}, "Enter a valid date."),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "Choose a period of at most three years."),
        ({"team": "999999"}, "Select a valid choice."),
    ],
)
def test_a_bad_filter_gets_a_clear_error(client, supervisor, query, message):
    client.force_login(supervisor)
    response = client.get(REPORT, query)
    assert response.status_code == 400
    assert message in response.content.decode()
    csv_response = client.get(CSV, query)
    assert csv_response.status_code == 400 and message in csv_response.content.decode()


def test_the_csv_holds_every_figure_of_the_page(client, supervisor, october):
    client.force_login(supervisor)
    response = client.get(CSV, OCTOBER)
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="redress-report-2026-10-01-2026-10-31.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Table", "Row", "Column", "Value"]
    steps = {(row[1], row[2]): row[3] for row in rows if row[0] == "Time per step and missed time limits"}
    assert steps[("Acknowledgement", "90th percentile (s)")] == "105120"
    assert steps[("Decision", "90th percentile (s)")] == "991080"
    assert steps[("Investigation", "Missed limit")] == "2"
    assert ["Complaints received by channel", "Web portal", "Received", "4"] in rows


def test_the_page_costs_the_same_queries_however_many_complaints(client, supervisor, october, django_assert_num_queries):
    client.force_login(supervisor)
    client.get(REPORT, OCTOBER)  # warm the session and the content types
    # session, user, the user's permissions (2), the team choices, the roll-up totals of both bases, the weeks,
    # the two step statistics, the overdue counts, root causes, incidents, the regimes' names: 13; and on
    # PostgreSQL the report's settings for its transaction
    with django_assert_num_queries(14 if connection.vendor == "postgresql" else 13):
        assert client.get(REPORT, OCTOBER).status_code == 200


def test_the_console_index_links_to_the_report_for_those_who_may_read_it(client, supervisor, agent):
    client.force_login(supervisor)
    assert REPORT in client.get(reverse("admin:index")).content.decode()
    client.force_login(agent)
    assert REPORT not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="settings of PostgreSQL's")
def test_the_reports_settings_end_with_its_transaction(transactional_db):
    with local_settings(work_mem="64MB"):
        assert fetch("SHOW work_mem") == [("64MB",)]
    assert fetch("SHOW work_mem") != [("64MB",)]  # the pooled connection goes back with the server's
