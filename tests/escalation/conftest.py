"""Fixtures for the escalation tests: the configuration rows the data migration makes (put
back before transactional tests, whose flush removes them), more staff, and shortcuts."""

import importlib
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from accounts.roles import Role
from tests.factories import make_staff

from ..conftest import _is_transactional


@pytest.fixture(autouse=True)
def _escalation_configuration(request, _migration_rows):
    if not _is_transactional(request):
        return
    state_apps = MigrationLoader(connection).project_state().apps
    importlib.import_module("escalation.migrations.0002_regimes_calendars_policies_rules").load_configuration(state_apps, None)


@pytest.fixture
def second_reviewer(db):
    return make_staff(Role.APPEALS_REVIEWER, team="appeals", email="reviewer2@redress.test")


@pytest.fixture
def security_specialist(db):
    return make_staff(Role.SPECIALIST, team="security", email="security@redress.test")


def file_complaint(customer, **fields):
    """File through the service (so the clocks start as in production)."""
    from complaints import services
    from complaints.choices import Category

    filing = {"category": Category.TRADE_DISPUTE, "summary": "Order filled late", "description": "My limit order filled 40s late."}
    return services.complaint_file(customer=customer, filing=services.Filing(**{**filing, **fields}))


def set_jurisdiction(customer, code: str):
    profile = customer.customer_profile
    profile.jurisdiction = code
    profile.save()
    customer.refresh_from_db()
    return customer


def clock_of(complaint):
    from escalation.models import ComplaintClock

    return ComplaintClock.objects.get(pk=complaint.pk)


MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def monday():
    """Time frozen at 09:00 UTC on Monday 23 November 2026; move it with .move_to / .shift."""
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        yield traveller


def sweep_and_run(capture, *, now=None):
    """One sweep, with the firings it hands out (and the e-mails they queue) run eagerly."""
    from escalation.sweep import sweep

    with capture(execute=True):
        return sweep(now=now)
