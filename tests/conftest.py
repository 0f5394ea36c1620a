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
def _test_settings(settings, tmp_path, monkeypatch):
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
    # Tests sign staff in with force_login; the second-factor tests turn this back on.
    settings.REDRESS_STAFF_REQUIRE_2FA = False
    # Audit seals: a test key, and their external copies in this test's own folder.
    settings.AUDIT_SEAL_KEY = "test-seal-key-0123456789abcdef0123456789"
    settings.AUDIT_SEAL_DIR = tmp_path / "seals"
    settings.AUDIT_SEAL_URL = ""
    # A FileField calls its storage callable once, when the model class is built, so
    # Evidence.file would keep writing to the real EVIDENCE_ROOT: point it at this test's dir.
    from django.core.files.storage import storages

    from complaints.models import Evidence

    monkeypatch.setattr(Evidence._meta.get_field("file"), "storage", storages["evidence"])


@pytest.fixture(autouse=True)
def _celery_eager():
    from config.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    marked = marker is not None and bool(marker.kwargs.get("transaction", marker.args[0] if marker.args else False))
    return marked or bool({"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _migration_rows(request):
    """Before a transactional test, put back the rows the data migrations make (role groups,
    teams, the system chain): the flush after the previous transactional test removed them.

    serialized_rollback can't do this here: restoring Group.permissions fires the audit
    signal (accounts/signals.py) before the system chain is back. The migrations' own
    functions run on the historical models, which fire no signals, so nothing is audited.
    """
    if not _is_transactional(request):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    state_apps = MigrationLoader(connection).project_state().apps
    importlib.import_module("accounts.migrations.0003_roles_and_teams").create_roles_and_teams(state_apps, None)
    importlib.import_module("complaints.migrations.0002_system_chain_and_reference_sequences").create_system_chain(
        state_apps, None
    )


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


@pytest.fixture
def signed_in(client):
    """signed_in(user) -> the test client, signed in as that user."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in
