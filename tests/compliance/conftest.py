"""Compliance fixtures: complaints built through the services, and raw SQL as an intruder uses it."""

import pytest
from django.db import connection

from tests import lifecycle

# Free text holding personal data (a telephone number; the decision's reasons name the customer),
# for the erasure tests to find.
PERSONAL_DESCRIPTION = "My BTC market order slipped 8% during a quiet market. Call me on +44 7700 900123."


def file(customer, **fields):
    return lifecycle.file(customer, **{"description": PERSONAL_DESCRIPTION, **fields})


def decision(*remedies, reasons="We replayed the order book for Alice.", **kwargs):
    return lifecycle.decision(*remedies, reasons=reasons, **kwargs)


@pytest.fixture
def filed(alice):
    return file(alice)


def sql(statement: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
