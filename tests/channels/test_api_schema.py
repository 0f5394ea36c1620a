"""The OpenAPI document: the committed one is the served one, and property-based requests
generated from it (schemathesis) never get a server error or a response outside the schema."""

import json

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings

from complaints.channels.management.commands.intake_openapi import DOCUMENT, as_text
from complaints.channels.models import Integration, token_digest
from complaints.choices import Channel

schema = schemathesis.openapi.from_dict(json.loads(DOCUMENT.read_text()))
# In process, through every middleware. SecurityMiddleware reads SECURE_SSL_REDIRECT when it is
# built, so the handler is built with it off, as every test runs.
with override_settings(SECURE_SSL_REDIRECT=False):
    schema.app = WSGIHandler()
TOKEN = "rdi_schemathesis"


def test_the_committed_openapi_document_is_the_served_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert as_text(response.json()) == DOCUMENT.read_text(), "run `python manage.py intake_openapi` and commit the result"


def test_the_document_describes_every_operation_and_its_errors():
    document = json.loads(DOCUMENT.read_text())
    operations = {(path, method) for path, methods in document["paths"].items() for method in methods}
    assert operations == {("/api/v1/complaints", "post"), ("/api/v1/complaints/{reference}", "get"),
                          ("/api/v1/complaints/{reference}/replies", "post")}  # fmt: skip
    assert document["components"]["schemas"]["ComplaintIn"]["additionalProperties"] is False
    assert document["components"]["securitySchemes"]["IntegrationToken"]["scheme"] == "bearer"


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """Like Django's test client: a request must not close the connection the test's transaction
    is open on (the handler's request_started/finished signals would)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def integration(db, settings, wsgi_keeps_the_test_connection):
    settings.RATELIMIT_ENABLE = False
    return Integration.objects.get_or_create(
        name="Schemathesis", defaults={"channel": Channel.IN_APP, "token_digest": token_digest(TOKEN), "token_prefix": TOKEN[:12]}
    )[0]


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_generated_requests_never_get_a_server_error(case, integration):
    # Every check but "schema-valid data is accepted": the services' own rules (an amount
    # needs its asset, a subcategory must belong to its category) refuse some schema-valid bodies.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"}, excluded_checks=[schemathesis.checks.positive_data_acceptance]
    )


@schema.parametrize()
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_generated_requests_without_a_token_are_refused(case, integration):
    response = case.call(headers={"Authorization": "Bearer not-a-token"})
    documented = case.method.lower() in schema.raw_schema["paths"][case.path]
    assert response.status_code == (401 if documented else 405)  # an unsupported method says so first
