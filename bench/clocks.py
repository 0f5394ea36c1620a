"""The clock row of a generated complaint: what escalation.services.clocks_recompute would write.

The generator makes complaints with COPY, so nothing calls the services; this module feeds the
same pure function the services use (escalation.clocks.compute, with the same TermsLoader
configuration snapshot) the facts load_facts would read back from the generated rows: the
public messages, the open pause of a complaint waiting on its customer, the remedies.

One difference, on purpose: `next_check_at`, the sweep's cursor, is where a sweep run at the
moment of generation leaves it (escalation.sweep.firings_for: the row's next moment still to
come), not the earliest moment of all. A complaint filed weeks ago has moments long past (its
first-response target, say), which a live desk's sweep claimed when they came; left at
clocks_recompute's value they would all look due at once. The firings those sweeps claimed are
not generated (their notices and hand-overs would need the services). `check_sample` compares
generated rows with clocks_recompute run on them inside a rolled-back transaction.
"""

from datetime import datetime
from types import SimpleNamespace

# Columns a sample check ignores: bookkeeping, and the cursor (compared separately).
BOOKKEEPING = {"revision", "updated_at", "next_check_at"}


def _customer_with(jurisdiction: str):
    return SimpleNamespace(customer_profile=SimpleNamespace(jurisdiction=jurisdiction))


class ClockMaker:
    """Built once in the generator's parent process (it reads the configuration); the forked
    workers use it without touching the database."""

    def __init__(self, jurisdiction_of, now: datetime):
        from escalation.models import EscalationRule
        from escalation.terms import TermsLoader

        self.loader = TermsLoader()
        self.rules = list(EscalationRule.objects.filter(is_active=True))
        self.jurisdiction_of = jurisdiction_of
        self.now = now
        self._regimes: dict[str, int | None] = {}
        self._terms: dict[tuple, tuple] = {}

    def regime_id(self, customer_id: int) -> int | None:
        """The regime chosen at intake from the customer's country (TermsLoader.regime_at_intake)."""
        jurisdiction = self.jurisdiction_of(customer_id)
        if jurisdiction not in self._regimes:
            regime = self.loader.regime_at_intake(SimpleNamespace(customer=_customer_with(jurisdiction)))
            self._regimes[jurisdiction] = regime.pk if regime else None
        return self._regimes[jurisdiction]

    def terms(self, complaint, regime_id):
        """The loader's answers, remembered per combination of what they depend on."""
        key = (complaint.priority, complaint.category, complaint.channel, complaint.disputed_asset, regime_id)
        if key not in self._terms:
            self._terms[key] = self.loader.sla(complaint), self.loader.regulatory(complaint, regime_id)
        return self._terms[key]

    def row(self, values: dict, messages: list[dict], remedies: list[dict], pauses: tuple) -> dict:
        """The ComplaintClock columns for a complaint row (as a dict of column values)."""
        from complaints.models import Complaint
        from escalation.clocks import compute

        complaint = _unsaved(Complaint, values)
        regime_id = self.regime_id(values["customer_id"])
        sla, regime = self.terms(complaint, regime_id)
        times = compute(complaint, sla, regime, facts(complaint, messages, remedies, pauses)).row()
        paused = next((start for start, end in pauses if end is None), None)
        clock = {**times, "complaint_id": complaint.pk, "regime_id": regime_id, "regime_rule_id": regime.rule_id,
                 "sla_policy_id": sla.policy_id, "tier": 1, "sla_paused_at": paused}  # fmt: skip
        clock["next_check_at"] = self.cursor(clock, complaint)
        return clock

    def cursor(self, clock: dict, complaint) -> datetime | None:
        """Where a sweep at `now` leaves the row's cursor: its next moment still to come."""
        from escalation.sweep import ROW_COLUMNS, firings_for

        row = {column: clock.get(column) for column in ROW_COLUMNS}
        row.update(state=complaint.state, priority=complaint.priority, received_at=complaint.received_at)
        return min((due.due_at for due in firings_for(row, self.rules) if due.due_at > self.now), default=None)


def _unsaved(model, values: dict):
    """A model instance holding `values` (every column), without Model.__init__: django-fsm's
    initialisation alone cost more than the whole clock computation."""
    instance = model.__new__(model)
    instance.__dict__.update(values)
    return instance


def facts(complaint, messages: list[dict], remedies: list[dict], pauses: tuple):
    """What escalation.clocks.load_facts reads from the database, from the generated rows."""
    from complaints.choices import State
    from escalation.clocks import Facts

    public = [m for m in messages if m["visibility"] == "public"]
    staff_times = [m["created_at"] for m in public if m["by_staff"]]
    first, last = min(staff_times, default=None), max(staff_times, default=None)
    answered = max(filter(None, (last, complaint.decided_at)), default=None)
    waiting = [m["created_at"] for m in public if not m["by_staff"] and (answered is None or m["created_at"] > answered)]
    settled = complaint.state != State.RESOLVED or all(r["state"] in {"executed", "cancelled"} for r in remedies)
    return Facts(first_staff_response_at=first, waiting_customer_message_at=min(waiting, default=None),
                 pauses=tuple(pauses), extended_due_at=None, remedies_settled=settled)  # fmt: skip


def check_sample(count: int, now: datetime) -> list[str]:
    """Run clocks_recompute on `count` random complaints (rolled back) and compare its row with
    the generated one. Returns the differences found."""
    from django.db import transaction

    from complaints.models import Complaint
    from escalation.models import ComplaintClock
    from escalation.services import clocks_recompute
    from escalation.sweep import ROW_COLUMNS, firings_for

    columns = [f.attname for f in ComplaintClock._meta.concrete_fields if f.attname not in BOOKKEEPING]
    ids = list(Complaint.objects.order_by("?").values_list("id", flat=True)[:count])
    from escalation.models import EscalationRule

    rules = list(EscalationRule.objects.filter(is_active=True))
    problems = []
    with transaction.atomic():
        for complaint in Complaint.objects.filter(id__in=ids).select_related("customer__customer_profile"):
            stored = ComplaintClock.objects.get(pk=complaint.pk)
            before = {column: getattr(stored, column) for column in columns}
            recomputed = clocks_recompute(complaint)
            after = {column: getattr(recomputed, column) for column in columns}
            for column in columns:
                if before[column] != after[column]:
                    problems.append(f"{complaint.reference} {column}: generated {before[column]}, recomputed {after[column]}")
            row = {column: getattr(recomputed, column) for column in ROW_COLUMNS}
            row.update(state=complaint.state, priority=complaint.priority, received_at=complaint.received_at)
            cursor = min((d.due_at for d in firings_for(row, rules) if d.due_at > now), default=None)
            if stored.next_check_at != cursor:
                problems.append(f"{complaint.reference} next_check_at: generated {stored.next_check_at}, sweep leaves {cursor}")
        transaction.set_rollback(True)
    return problems
