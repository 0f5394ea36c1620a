"""The reporting app's console pages cost the same queries for one row as for many."""

import pytest
from django.urls import reverse

from complaints.reporting.models import Incident, IncidentLink, RootCause


def _incidents(n):
    return [Incident.objects.create(title=f"Incident {i}", category="deposit_withdrawal") for i in range(n)][-1]


def _count(client, url, django_assert_num_queries, expected):
    client.get(url)  # warm the session and the content types
    with django_assert_num_queries(expected):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize("rows", [1, 6])
def test_the_incident_list_costs_the_same_for_one_or_many(client, supervisor, rows, django_assert_num_queries):
    _incidents(rows)
    client.force_login(supervisor)
    # session, user, permissions (2), the filtered and the total count, the page's rows: 7
    _count(client, reverse("admin:reporting_incident_changelist"), django_assert_num_queries, 7)


@pytest.mark.parametrize("rows", [1, 6])
def test_the_root_cause_list_costs_the_same_for_one_or_many(client, supervisor, rows, django_assert_num_queries):
    for i in range(rows):
        RootCause.objects.create(code=f"cause-{i}", name=f"Cause {i}")
    client.force_login(supervisor)
    _count(client, reverse("admin:reporting_rootcause_changelist"), django_assert_num_queries, 7)


@pytest.mark.parametrize("linked", [1, 6])
def test_the_incident_page_costs_the_same_however_many_complaints(client, supervisor, complaint_in, linked, django_assert_num_queries):
    incident = _incidents(1)
    for _ in range(linked):
        IncidentLink.objects.create(incident=incident, complaint=complaint_in("investigating", disputed_asset="USDT"))
    client.force_login(supervisor)
    # session, user, permissions (2), the incident, linked complaints with their teams, suggestions, the root-cause
    # choices of the remedy form
    _count(client, reverse("reporting:incident", args=[incident.pk]), django_assert_num_queries, 8)
