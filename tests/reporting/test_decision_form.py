"""The console's decision form: root causes are recorded with the decision, and similar past
decisions are shown beside it."""

from decimal import Decimal

import pytest
from django.urls import reverse

from complaints.choices import State
from complaints.models import AuditEvent
from complaints.reporting.models import DecisionRootCause, RootCause
from complaints.reporting.refresh import refresh_all
from complaints.reporting.similar import similar_decisions

from .conftest import at


def october(day):
    return at(int(day), 10)


def act_url(complaint, name="propose_resolution"):
    return reverse("admin:complaints_complaint_act", args=[complaint.pk, name])


def _proposal(complaint, **extra):
    return {
        "version": complaint.version, "outcome": "upheld", "liability": "platform_fault",
        "reasons": "The withdrawal was delayed by our node.", "recourse": "Appeal within 30 days.",
        "remedies-TOTAL_FORMS": "1", "remedies-INITIAL_FORMS": "0", "remedies-0-kind": "explanation", **extra,
    }  # fmt: skip


@pytest.fixture
def causes(db):
    return RootCause.objects.create(code="node_outage", name="Node outage"), RootCause.objects.create(code="user_error", name="User error")


def test_the_root_causes_picked_are_recorded_with_the_decision(client, agent, complaint_in, team_cs, causes):
    complaint = complaint_in("investigating", assignee=agent, team=team_cs, priority="P3")
    client.force_login(agent)
    response = client.post(act_url(complaint), _proposal(complaint, root_causes=[causes[0].pk]))
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.state == State.RESOLUTION_PROPOSED
    assert list(DecisionRootCause.objects.filter(complaint=complaint).values_list("root_cause__code", flat=True)) == ["node_outage"]
    event = AuditEvent.objects.filter(complaint=complaint).last()
    assert (event.action, event.data) == ("tag_root_causes", {"root_causes": [causes[0].pk]})


def test_a_retired_root_cause_is_refused_and_nothing_changes(client, agent, complaint_in, team_cs, causes):
    complaint = complaint_in("investigating", assignee=agent, team=team_cs, priority="P3")
    causes[1].is_active = False
    causes[1].save()
    client.force_login(agent)
    response = client.post(act_url(complaint), _proposal(complaint, root_causes=[causes[1].pk]))
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.state == State.INVESTIGATING and not DecisionRootCause.objects.exists()


def test_similar_past_decisions_are_shown_on_the_form(client, agent, complaint_in, team_cs, causes):
    past = complaint_in("resolved", team=team_cs, outcome="not_upheld", decided_at=october(1),
                        subcategory="withdrawal_missing", disputed_reference_value=Decimal("900"))  # fmt: skip
    DecisionRootCause.objects.create(complaint=past, root_cause=causes[1])
    complaint_in("resolved", team=team_cs, outcome="upheld", decided_at=october(2),
                 subcategory="withdrawal_missing", disputed_reference_value=Decimal("50000"))  # amount far off
    complaint_in("resolved", team=team_cs, outcome="upheld", decided_at=october(3),
                 subcategory="withdrawal_delayed", disputed_reference_value=Decimal("1000"))  # another subcategory
    current = complaint_in("investigating", assignee=agent, team=team_cs, priority="P3",
                           subcategory="withdrawal_missing", disputed_reference_value=Decimal("1000"))  # fmt: skip
    refresh_all()
    assert [found.reference for found in similar_decisions(current)] == [past.reference]
    client.force_login(agent)
    html = client.get(act_url(current)).content.decode()
    assert "Similar past decisions" in html and past.reference in html and "User error" in html


def test_decisions_sharing_a_root_cause_come_first(complaint_in, team_cs, causes):
    plain = complaint_in("resolved", team=team_cs, outcome="upheld", decided_at=october(5))
    shared = complaint_in("resolved", team=team_cs, outcome="upheld", decided_at=october(1))
    DecisionRootCause.objects.create(complaint=shared, root_cause=causes[0])
    current = complaint_in("investigating", team=team_cs)
    refresh_all()
    assert [d.reference for d in similar_decisions(current)] == [plain.reference, shared.reference]
    assert [d.reference for d in similar_decisions(current, [causes[0].pk])] == [shared.reference, plain.reference]
