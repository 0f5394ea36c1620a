"""The limit each step of a complaint had, for the facts whose limits are not computed yet.

The limits come from the escalation app's own rules, so a report and a complaint's clock never
disagree: acknowledgement and decision from the complaint's regulatory regime (the decision
date moved by the latest extension), investigation from the SLA policy's resolution target,
skipping the time spent awaiting the customer. Business calendars can't be computed in SQL,
so this runs in Python over chunks, with the configuration read once.
"""

from datetime import UTC
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from escalation.calendar import add_period
from escalation.clocks import _measure, sla_moment
from escalation.models import ClockKind, ClockPause, DeadlineExtension
from escalation.terms import TermsLoader

from .sql import id_list, is_postgres

CHUNK = 5000
COMPLAINT_COLUMNS = "c.id, c.received_at, c.category, c.disputed_asset, c.priority, c.channel"


def deadlines_fill(chunk: int = CHUNK) -> int:
    """Compute the limits of every fact that lacks them. Returns how many."""
    limits, done, after = Limits(TermsLoader()), 0, 0
    while ids := _pending(after, chunk):
        rows = [limits(*inputs) for inputs in _inputs(ids)]
        _store(rows)
        done, after = done + len(rows), ids[-1]
    return done


def _pending(after: int, limit: int) -> list[int]:
    # Walks the primary key (keyset), so each chunk reads on from the last one.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT complaint_id FROM reporting_complaintfact WHERE deadlines_at IS NULL AND complaint_id > %s "
            "ORDER BY complaint_id LIMIT %s",
            [after, limit],
        )
        return [row[0] for row in cursor.fetchall()]


def _inputs(ids):
    """(complaint-like, regime id, latest extension, pauses) per id, in four queries."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {COMPLAINT_COLUMNS}, f.regime_id FROM complaints_complaint c "
            f"JOIN reporting_complaintfact f ON f.complaint_id = c.id WHERE c.id IN ({id_list(ids)})"
        )
        rows = cursor.fetchall()
    extensions = dict(
        DeadlineExtension.objects.filter(complaint_id__in=ids, clock=ClockKind.DECISION)
        .order_by("complaint_id", "created_at", "id").values_list("complaint_id", "new_due_at")
    )  # fmt: skip  (ordered oldest first, so each complaint's latest wins)
    pauses: dict[int, list] = {}
    for pk, started, ended in ClockPause.objects.filter(complaint_id__in=ids).order_by("complaint_id", "started_at").values_list(
        "complaint_id", "started_at", "ended_at"
    ):
        pauses.setdefault(pk, []).append((started, ended))
    for pk, received, category, asset, priority, channel, regime_id in rows:
        complaint = SimpleNamespace(
            pk=pk, received_at=_aware(received), category=category, disputed_asset=asset, priority=priority, channel=channel
        )
        yield complaint, regime_id, extensions.get(pk), tuple(pauses.get(pk, ()))


def _aware(moment):
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


class Limits:
    """Computes step limits, remembering the terms of each kind of complaint. (The calendars
    remember day-based deadlines and working hours themselves: escalation.calendar.)"""

    def __init__(self, loader: TermsLoader):
        self.loader = loader
        self.regimes, self.slas = {}, {}

    def __call__(self, complaint, regime_id, extended, pauses) -> tuple:
        regime = self._regime(complaint, regime_id)
        received = complaint.received_at
        acknowledgement = _period(regime, received, regime.acknowledgement) if regime.acknowledgement else None
        decision = extended or _period(regime, received, regime.decision)
        sla = self._sla(complaint)
        investigation = None
        if sla.resolution is not None:
            add, between = _measure(sla)
            investigation, _left = sla_moment(received, sla.resolution, pauses, add, between)
        return complaint.pk, acknowledgement, investigation, decision

    def _regime(self, complaint, regime_id):
        key = (regime_id, complaint.category, complaint.disputed_asset)
        if key not in self.regimes:
            self.regimes[key] = self.loader.regulatory(complaint, regime_id)
        return self.regimes[key]

    def _sla(self, complaint):
        key = (complaint.priority, complaint.category, complaint.channel)
        if key not in self.slas:
            self.slas[key] = self.loader.sla(complaint)
        return self.slas[key]


def _period(regime, received, period):
    return add_period(regime.spec, received, period.amount, period.unit)


def _store(rows) -> None:
    now = timezone.now()
    with connection.cursor() as cursor:
        if is_postgres():
            _store_postgres(cursor, rows, now)
            return
        cursor.executemany(
            "UPDATE reporting_complaintfact SET acknowledgement_due_at = %s, investigation_due_at = %s, "
            "decision_due_at = %s, deadlines_at = %s WHERE complaint_id = %s",
            [(ack, inv, dec, now, pk) for pk, ack, inv, dec in rows],
        )


@transaction.atomic
def _store_postgres(cursor, rows, now) -> None:
    # COPY into a temporary table, then one UPDATE … FROM: far quicker than a row at a time.
    cursor.execute(
        "CREATE TEMPORARY TABLE IF NOT EXISTS reporting_limits "
        "(complaint_id bigint PRIMARY KEY, ack timestamptz, inv timestamptz, dec timestamptz) ON COMMIT DROP"
    )
    cursor.execute("TRUNCATE reporting_limits")  # inside a caller's transaction it outlives one chunk
    with cursor.copy("COPY reporting_limits (complaint_id, ack, inv, dec) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        "UPDATE reporting_complaintfact f SET acknowledgement_due_at = l.ack, investigation_due_at = l.inv, "
        "decision_due_at = l.dec, deadlines_at = %s FROM reporting_limits l WHERE l.complaint_id = f.complaint_id",
        [now],
    )
