"""Shared fixtures: the named personas every test file uses.

Alice and Bob are customers; Bob must never see Alice's complaints. Staff: an agent and a
specialist (who work cases), a supervisor (tier two, approves big remedies), an appeals
reviewer, and a compliance officer who reads everything and changes nothing.
"""

from decimal import Decimal

import pytest

from accounts.roles import Role

from .factories import ComplaintFactory, CustomerFactory, make_staff


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    settings.SECURE_SSL_REDIRECT = False
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "evidence"), "base_url": None},
        },
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_eager():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


@pytest.fixture
def alice(db):
    return CustomerFactory(email="alice@example.com", first_name="Alice")


@pytest.fixture
def bob(db):
    return CustomerFactory(email="bob@example.com", first_name="Bob")


@pytest.fixture
def agent(db):
    return make_staff(Role.AGENT, team="customer_service", limit=Decimal("500"), email="agent@redress.test")


@pytest.fixture
def other_agent(db):
    return make_staff(Role.AGENT, team="customer_service", limit=Decimal("500"), email="agent2@redress.test")


@pytest.fixture
def specialist(db):
    return make_staff(Role.SPECIALIST, team="trade_risk", limit=Decimal("1000"), email="specialist@redress.test")


@pytest.fixture
def supervisor(db):
    return make_staff(Role.SUPERVISOR, team="customer_service", limit=Decimal("100000"), email="supervisor@redress.test")


@pytest.fixture
def small_supervisor(db):
    return make_staff(Role.SUPERVISOR, team="customer_service", limit=Decimal("1000"), email="supervisor2@redress.test")


@pytest.fixture
def reviewer(db):
    return make_staff(Role.APPEALS_REVIEWER, team="appeals", email="reviewer@redress.test")


@pytest.fixture
def compliance(db):
    return make_staff(Role.COMPLIANCE_OFFICER, email="compliance@redress.test")


@pytest.fixture
def complaint_in(db, alice):
    """complaint_in(state, **fields): Alice's complaint placed in a state."""

    def make(state, **fields):
        fields.setdefault("customer", alice)
        return ComplaintFactory(state=state, **fields)

    return make
