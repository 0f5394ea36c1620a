"""Filing takes a short cut for the clocks: the terms are resolved once, and nothing that can't
exist yet for a new complaint (pauses, messages, extensions, a clock row) is read back."""

import pytest
from django.db import connection

from complaints.choices import Category
from escalation.models import ComplaintClock
from escalation.services import clocks_recompute

from .conftest import clock_of, file_complaint, set_jurisdiction

SAME_EITHER_WAY = [f.attname for f in ComplaintClock._meta.concrete_fields if f.name not in {"revision", "updated_at"}]


def _columns(complaint) -> dict:
    return ComplaintClock.objects.filter(pk=complaint.pk).values(*SAME_EITHER_WAY).get()


@pytest.mark.parametrize(
    "jurisdiction, fields",
    [
        ("", {}),
        ("GB", {"category": Category.DEPOSIT_WITHDRAWAL, "disputed_amount": "250", "disputed_asset": "GBP"}),
        ("GB", {"category": Category.TRADE_DISPUTE}),
    ],
)
def test_the_clock_row_written_at_intake_is_what_a_full_recompute_writes(alice, monday, jurisdiction, fields):
    complaint = file_complaint(set_jurisdiction(alice, jurisdiction), **fields)
    at_intake = _columns(complaint)
    clocks_recompute(complaint)
    assert _columns(complaint) == at_intake
    assert clock_of(complaint).revision == 2


def test_filing_costs_one_statement_per_row_it_writes(alice, monday, django_assert_num_queries):
    file_complaint(alice)  # the configuration is now cached in this process
    reference = 1 if connection.vendor == "postgresql" else 2  # nextval; or the counter's SELECT and UPDATE
    # The complaint, written once at `triage`, and the configuration token. Then on PostgreSQL the
    # keys of the acknowledgement and the audit chain, and one statement (complaints.rows.together)
    # for everything else: the acknowledgement, both history rows (`received`, `triage`), the
    # chain with its head, both its events, the clock row. Elsewhere one statement per table, and
    # the chain's head after its events. No savepoint of our own, no UPDATE of the complaint, and
    # no SELECT of the chain, pauses, messages, extensions or clock row (none can exist yet).
    # The test's own transaction adds the outer SAVEPOINT and RELEASE.
    rest = 3 if connection.vendor == "postgresql" else 7
    with django_assert_num_queries(2 + reference + 1 + rest):
        file_complaint(alice)
