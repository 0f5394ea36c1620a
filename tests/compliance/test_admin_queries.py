"""The compliance records' admin lists cost the same number of queries for one row as for many."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.audit import audit_append
from complaints.choices import State
from complaints.compliance import seals
from complaints.compliance.holds import legal_hold_place
from complaints.compliance.models import Erasure
from tests.factories import ComplaintFactory, UserFactory


@pytest.fixture
def console(client, db):
    client.force_login(UserFactory(email="root@redress.test", is_staff=True, is_superuser=True))
    return client


def _holds(n, officer):
    for _ in range(n):
        legal_hold_place(actor=officer, complaint=ComplaintFactory(state=State.CLOSED), reason="Litigation.")


def _seals(n, officer):
    for index in range(n):
        audit_append(complaint=None, actor=officer, action="test", data={"n": index})
        seals.seal_create()


def _erasures(n, officer):
    for _ in range(n):
        Erasure.objects.create(complaint=ComplaintFactory(state=State.CLOSED), erased_at=timezone.now(), counts={"x": 1})


def _count(client, url) -> int:
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("model, make", [("legalhold", _holds), ("seal", _seals), ("erasure", _erasures)])
def test_the_list_costs_the_same_for_one_or_many_rows(console, compliance, model, make):
    url = reverse(f"admin:compliance_{model}_changelist")
    make(1, compliance)
    one = _count(console, url)
    make(5, compliance)
    assert _count(console, url) == one


def test_the_retention_list_joins_its_regimes(console):
    from complaints.compliance.models import RetentionPolicy
    from escalation.models import Regime

    url = reverse("admin:compliance_retentionpolicy_changelist")
    two = _count(console, url)  # MiCA and DISP, from the migration
    for code in ("sg", "hk", "ae"):
        regime = Regime.objects.create(code=code, name=code.upper(), decision_amount=30, decision_unit="calendar_days")
        RetentionPolicy.objects.create(regime=regime, years=6)
    assert _count(console, url) == two
