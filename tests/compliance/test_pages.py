"""The global audit log, the seals page and the landing page."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from complaints.audit import audit_append
from complaints.compliance import seals

from .conftest import file


@pytest.fixture
def events(alice, bob, agent):
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=False):
        old = file(bob)
    new = file(alice)
    audit_append(complaint=None, actor=agent, action="roles_changed", data={"users": [agent.pk]})
    return {"old": old, "new": new}


def log(client, **params):
    return client.get(reverse("compliance:audit-log"), params)


def test_the_log_lists_every_chain_newest_first(client, compliance, events):
    client.force_login(compliance)
    page = log(client).content.decode()
    assert page.index("roles_changed") < page.index(events["new"].reference) < page.index(events["old"].reference)


def test_the_log_filters_by_complaint_actor_action_and_date(client, compliance, agent, events):
    client.force_login(compliance)
    by_complaint = log(client, complaint=events["old"].reference).context["events"]
    assert {event.complaint_id for event in by_complaint} == {events["old"].pk}
    assert [e.action for e in log(client, actor=agent.email).context["events"]] == ["roles_changed"]
    assert {e.action for e in log(client, action="file").context["events"]} == {"file"}
    today = timezone.now().date()
    recent = log(client, since=today.isoformat(), until=today.isoformat()).context["events"]
    assert events["old"].pk not in {event.complaint_id for event in recent}


def test_the_log_filters_by_team(client, compliance, events):
    from accounts.models import Team

    client.force_login(compliance)
    assert log(client, team=Team.objects.get(code="security").pk).context["events"] == []


def test_the_log_pages_by_event_id(client, compliance, events, monkeypatch):
    from complaints.compliance.views import audit_log

    monkeypatch.setattr(audit_log, "PAGE", 2)
    client.force_login(compliance)
    first = log(client)
    assert len(first.context["events"]) == 2 and first.context["older"]
    second = client.get(reverse("compliance:audit-log") + "?" + first.context["older"])
    assert second.context["events"][0].pk < first.context["events"][-1].pk


def test_a_bad_date_range_is_a_form_error(client, compliance, events):
    client.force_login(compliance)
    response = log(client, since="2026-02-02", until="2026-01-01")
    assert response.context["events"] == [] and "after the end date" in response.content.decode()


def test_the_log_costs_the_same_queries_for_one_event_or_many(client, compliance, alice, events, django_assert_num_queries):
    client.force_login(compliance)
    log(client)
    for _ in range(5):
        file(alice)
    # session, user, the user's and the groups' permissions, the page of events (one join with
    # complaint, team and actor), the teams of the filter
    with django_assert_num_queries(6):
        log(client)


@pytest.mark.parametrize("persona", ["agent", "supervisor", "reviewer"])
def test_the_log_is_for_compliance(db, client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert log(client).status_code == 403


def test_the_seals_page_shows_the_seals_and_that_they_verify(client, compliance, events, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seal = seals.seal_create()
    client.force_login(compliance)
    page = client.get(reverse("compliance:seals")).content.decode()
    assert seal.digest in page and "The seals verify" in page


def test_the_landing_page_and_console_links(client, compliance, events):
    client.force_login(compliance)
    assert client.get(reverse("compliance:overview")).status_code == 200
    index = client.get(reverse("admin:index")).content.decode()
    assert reverse("compliance:audit-log") in index and reverse("compliance:subject-access") in index
    change = client.get(reverse("admin:complaints_complaint_change", args=[events["new"].pk])).content.decode()
    assert reverse("compliance:dossier", args=[events["new"].pk]) in change


def test_a_supervisor_reaches_the_holds_from_the_landing_page_but_not_the_seals(client, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("compliance:overview")).content.decode()
    assert reverse("compliance:holds") in page and reverse("compliance:seals") not in page
    assert client.get(reverse("compliance:seals")).status_code == 403
