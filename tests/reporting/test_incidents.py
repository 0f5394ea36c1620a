"""Incidents: linking (suggested by category, asset and time), and acting across the linked
complaints through the complaint services, one complaint at a time."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.choices import State
from complaints.exceptions import NotPermitted
from complaints.models import AuditEvent, Message
from complaints.reporting import services
from complaints.reporting.models import Incident, IncidentLink, RootCause
from complaints.services import Decision, RemedyInput


@pytest.fixture
def incident(db):
    return Incident.objects.create(title="TRON withdrawals delayed", category="deposit_withdrawal", asset="USDT",
                                   started_at=timezone.now() - timedelta(hours=6))  # fmt: skip


@pytest.fixture
def linked(incident, complaint_in, agent, supervisor, team_cs):
    """Two investigating complaints in the incident: one handled by the supervisor, one by the agent."""
    mine = complaint_in("investigating", assignee=supervisor, team=team_cs, priority="P3", disputed_asset="USDT")
    theirs = complaint_in("investigating", assignee=agent, team=team_cs, priority="P3", disputed_asset="USDT")
    for complaint in (mine, theirs):
        IncidentLink.objects.create(incident=incident, complaint=complaint)
    return mine, theirs


def test_complaints_of_the_same_category_asset_and_time_are_suggested(incident, complaint_in):
    now = timezone.now()
    fits = complaint_in("triage", disputed_asset="usdt", received_at=now - timedelta(hours=1))
    complaint_in("triage", disputed_asset="BTC", received_at=now)  # another asset
    complaint_in("triage", category="fees", disputed_asset="USDT", received_at=now)  # another category
    complaint_in("triage", disputed_asset="USDT", received_at=now - timedelta(days=10))  # long before
    complaint_in("closed", disputed_asset="USDT", received_at=now)  # not open
    assert list(services.incident_suggestions(incident)) == [fits]
    assert services.incident_suggest_for(fits) == [incident]


def test_linking_is_audited_and_happens_once(incident, complaint_in, agent):
    complaint = complaint_in("triage")
    assert services.incident_link(incident=incident, complaint=complaint, actor=agent) is True
    assert services.incident_link(incident=incident, complaint=complaint, actor=agent) is False
    event = AuditEvent.objects.filter(complaint=complaint).last()
    assert (event.action, event.data) == ("incident_link", {"incident": incident.pk})
    assert services.incident_unlink(incident=incident, complaint=complaint, actor=agent) is True
    assert not IncidentLink.objects.exists()
    assert AuditEvent.objects.filter(complaint=complaint).last().action == "incident_unlink"


def test_a_customer_or_reviewer_cannot_link(incident, complaint_in, alice, reviewer):
    complaint = complaint_in("triage")
    for someone in (alice, reviewer):
        with pytest.raises(NotPermitted):
            services.incident_link(incident=incident, complaint=complaint, actor=someone)
    assert not IncidentLink.objects.exists()


def test_message_all_posts_through_the_message_service_on_each(linked, incident, supervisor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        result = services.incident_message_all(incident=incident, actor=supervisor, body="The TRON backlog is cleared.")
    assert sorted(result.done) == sorted(c.reference for c in linked) and result.refused == []
    for complaint in linked:
        assert Message.objects.filter(complaint=complaint, body="The TRON backlog is cleared.", author=supervisor).exists()
        assert AuditEvent.objects.filter(complaint=complaint).last().action == "message"


def test_only_a_role_allowed_to_act_across_an_incident_may(linked, incident, agent):
    with pytest.raises(NotPermitted):
        services.incident_message_all(incident=incident, actor=agent, body="Hello")
    assert not Message.objects.filter(body="Hello").exists()


def test_the_same_remedy_is_proposed_where_the_actor_handles_and_refused_elsewhere(linked, incident, supervisor):
    mine, theirs = linked
    cause = RootCause.objects.create(code="node_outage", name="Node outage")
    decision = Decision("upheld", "platform_fault", "Our TRON node stalled.", "Appeal within 30 days.",
                        (RemedyInput(kind="compensation", amount=5, asset="USDT", reference_value=5),))  # fmt: skip
    result = services.incident_propose_same_remedy(incident=incident, actor=supervisor, decision=decision, root_causes=[cause])
    assert result.done == [mine.reference]
    assert result.refused == [f"{theirs.reference}: Only the complaint's handler (its assignee) can do this."]
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.state, theirs.state) == (State.RESOLUTION_PROPOSED, State.INVESTIGATING)
    assert list(mine.root_cause_tags.values_list("root_cause__code", flat=True)) == ["node_outage"]
    assert not theirs.root_cause_tags.exists() and not theirs.remedies.exists()


def test_the_incident_page_links_and_messages(client, supervisor, incident, linked, complaint_in):
    client.force_login(supervisor)
    page = reverse("reporting:incident", args=[incident.pk])
    suggested = complaint_in("triage", disputed_asset="USDT")
    assert suggested.reference in client.get(page).content.decode()
    response = client.post(reverse("reporting:incident-link", args=[incident.pk]), {"complaints": [suggested.pk]})
    assert response.status_code == 302 and IncidentLink.objects.filter(complaint=suggested).exists()
    response = client.post(reverse("reporting:incident-message", args=[incident.pk]), {"body": "Update: fixed."})
    assert response.status_code == 302
    assert Message.objects.filter(body="Update: fixed.").count() == 3


def test_the_incident_page_refuses_bad_input_and_wrong_roles(client, supervisor, agent, incident, linked):
    client.force_login(supervisor)
    bad = client.post(reverse("reporting:incident-link", args=[incident.pk]), {"reference": "CMP-2026-0000000"})
    assert bad.status_code == 400 and "No complaint has that reference." in bad.content.decode()
    empty = client.post(reverse("reporting:incident-message", args=[incident.pk]), {"body": " "})
    assert empty.status_code == 400 and not Message.objects.exists()
    assert client.get(reverse("reporting:incident-message", args=[incident.pk])).status_code == 405
    client.force_login(agent)
    assert client.post(reverse("reporting:incident-message", args=[incident.pk]), {"body": "Hi"}).status_code == 403
    assert client.get(reverse("reporting:incident", args=[999999])).status_code == 404
