"""Console fixtures: signed-in clients per persona and complaints placed where the console works."""

from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Team
from complaints.choices import Liability, Outcome, RemedyState
from complaints.models import Remedy


@pytest.fixture
def team(db):
    return lambda code: Team.objects.get(code=code)


@pytest.fixture
def assigned(complaint_in, agent, team):
    """assigned(state, **fields): a classified complaint handled by the agent."""

    def make(state, **fields):
        fields.setdefault("assignee", agent)
        fields.setdefault("team", team("customer_service"))
        fields.setdefault("priority", "P3")
        return complaint_in(state, **fields)

    return make


@pytest.fixture
def awaiting_approval(assigned, agent):
    """A resolution of 2,500 (above the agent's 500) proposed by the agent, waiting for approval."""

    def make(total=Decimal("2500"), **fields):
        complaint = assigned(
            "awaiting_approval", decider=agent, outcome=Outcome.UPHELD, liability=Liability.PLATFORM_FAULT,
            reasons="We delayed the withdrawal.", recourse="Appeal within 30 days.", **fields,
        )  # fmt: skip
        Remedy.objects.create(
            complaint=complaint, kind="compensation", amount=total, asset="USDT", reference_value=total,
            proposed_by=agent, state=RemedyState.PROPOSED,
        )  # fmt: skip
        return complaint

    return make


def change_url(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def act_url(complaint, name):
    return reverse("admin:complaints_complaint_act", args=[complaint.pk, name])


CHANGELIST = "/admin/complaints/complaint/"
