"""The sweep: every minute, find what has come due and claim each firing once.

It reads only the clock rows whose cursor (`next_check_at`) has passed, through a partial
index, so its cost grows with what is due, not with the number of open complaints. For each
row it lists the rules and automatic steps whose moment has come, claims them with one
`INSERT … ON CONFLICT DO NOTHING RETURNING id` (unique on complaint, key and anchor), moves
the cursor to the row's next moment, and after commit hands the claimed firings to workers.
A worker (`firing_execute`) locks the firing and the complaint, recomputes the clocks to make
sure the firing is still due, and does the work through the services in the same
transaction that marks the firing done. Overlapping sweeps and retried tasks therefore claim,
notify and escalate once.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from complaints.choices import State
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import Complaint

from .models import ClockKind, ComplaintClock, ConfigurationVersion, EscalationRule, Firing, FreezeRequest

logger = logging.getLogger(__name__)

INFORMATION_REMINDER = "step:information_reminder"
ACCEPTANCE_REMINDER = "step:acceptance_reminder"
DEEMED_ACCEPTANCE = "step:deemed_acceptance"
CLOSE_NO_RESPONSE = "step:close_no_response"
CLOSE = "step:close"
ARCHIVE = "step:archive"
STEP_COLUMNS = (
    ("deemed_acceptance_at", DEEMED_ACCEPTANCE),
    ("no_response_close_at", CLOSE_NO_RESPONSE),
    ("appeal_close_at", CLOSE),
    ("archive_at", ARCHIVE),
)
ROW_COLUMNS = (
    ["complaint_id", "revision", "next_check_at", "next_update_started_at"]
    + [f"{kind}_{what}" for kind in ClockKind for what in ("due_at", "at_risk_at")]
    + ["reminder_at"] + [column for column, _key in STEP_COLUMNS]
)  # fmt: skip
STALE_AFTER = timedelta(minutes=5)
MAX_ATTEMPTS = 5
ENQUEUE_CHUNK = 50


@dataclass(frozen=True)
class Due:
    key: str
    anchor_at: datetime
    due_at: datetime
    rule_id: int | None = None


@dataclass
class SweepReport:
    rows: int = 0
    claimed: int = 0
    requeued: int = 0
    seconds: float = 0.0
    recompute_requested: bool = False


# --- What a row has coming --------------------------------------------------------------------------


def _anchor(row: dict, clock: str) -> datetime | None:
    """What a rule's firing is keyed on: an SLA clock's start (its due time moves with pauses
    and priority, and a rule should fire once per clock, not again after each pause); a
    regulatory clock's due time (an extension gives a new deadline, and so new firings)."""
    if clock in (ClockKind.FIRST_RESPONSE, ClockKind.RESOLUTION):
        return row["received_at"]
    if clock == ClockKind.NEXT_UPDATE:
        return row["next_update_started_at"]
    return row[f"{clock}_due_at"]


def firings_for(row: dict, rules) -> list[Due]:
    """Every rule and step a clock row has coming, past or future."""
    found = []
    for rule in rules:
        if not rule.applies_to(row["priority"]):
            continue
        due = row[f"{rule.clock}_due_at"]
        base = row[f"{rule.clock}_at_risk_at"] if rule.trigger == EscalationRule.Trigger.AT_RISK else due
        anchor = _anchor(row, rule.clock)
        if due is not None and base is not None and anchor is not None:
            found.append(Due(rule.key, anchor, base + rule.delay, rule.pk))
    if row["reminder_at"]:
        key = ACCEPTANCE_REMINDER if row["state"] == State.RESOLUTION_PROPOSED else INFORMATION_REMINDER
        found.append(Due(key, row["reminder_at"], row["reminder_at"]))
    for column, key in STEP_COLUMNS:
        if row[column]:
            found.append(Due(key, row[column], row[column]))
    return found


def row_of(clock: ComplaintClock, complaint: Complaint) -> dict:
    row = {column: getattr(clock, column) for column in ROW_COLUMNS}
    return {**row, "state": complaint.state, "priority": complaint.priority, "received_at": complaint.received_at}


def _due_rows(now: datetime, after, batch: int) -> list[dict]:
    rows = ComplaintClock.objects.filter(next_check_at__lte=now)
    if after is not None:
        rows = rows.filter(Q(next_check_at__gt=after[0]) | Q(next_check_at=after[0], complaint_id__gt=after[1]))
    rows = rows.order_by("next_check_at", "complaint_id").values(
        *ROW_COLUMNS, state=F("complaint__state"), priority=F("complaint__priority"), received_at=F("complaint__received_at")
    )
    return list(rows[:batch])


# --- Claiming and moving the cursor ---------------------------------------------------------------------


def _db_time(moment: datetime | None):
    return connection.ops.adapt_datetimefield_value(moment) if moment is not None else None


def claim(candidates: list[tuple[int, Due]], now: datetime) -> list[int]:
    """Insert the firings; the ids returned are the ones this call claimed (a firing already
    claimed by anyone, now or in an earlier sweep, is left alone). PostgreSQL and SQLite
    (3.35+) both run this statement."""
    table = Firing._meta.db_table
    claimed = []
    for start in range(0, len(candidates), 1000):
        chunk = candidates[start : start + 1000]
        params = []
        for complaint_id, due in chunk:
            params += [complaint_id, due.key, _db_time(due.anchor_at), due.rule_id, _db_time(due.due_at), _db_time(now)]
        values = ", ".join(["(%s, %s, %s, %s, %s, 'pending', %s, 0, '')"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (complaint_id, key, anchor_at, rule_id, due_at, status, claimed_at, attempts, note) "
                f"VALUES {values} ON CONFLICT DO NOTHING RETURNING id",
                params,
            )
            claimed += [row[0] for row in cursor.fetchall()]
    return claimed


def advance(cursors: list[tuple[int, int, datetime | None]]) -> None:
    """Move each row's cursor to its next moment, unless a service rewrote the row meanwhile
    (its revision changed): then the service's cursor stands."""
    table = ComplaintClock._meta.db_table
    cast = "CAST(%s AS timestamptz)" if connection.vendor == "postgresql" else "%s"
    for start in range(0, len(cursors), 1000):
        chunk = cursors[start : start + 1000]
        params = [value for complaint_id, revision, moment in chunk for value in (complaint_id, revision, _db_time(moment))]
        values = ", ".join([f"(%s, %s, {cast})"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} AS c SET next_check_at = v.column3 FROM (VALUES {values}) AS v "
                f"WHERE c.complaint_id = v.column1 AND c.revision = v.column2",
                params,
            )


def _sweep_batch(rows: list[dict], rules, now: datetime) -> list[int]:
    candidates, cursors = [], []
    for row in rows:
        dues = firings_for(row, rules)
        candidates += [(row["complaint_id"], due) for due in dues if due.due_at <= now]
        upcoming = min((due.due_at for due in dues if due.due_at > now), default=None)
        cursors.append((row["complaint_id"], row["revision"], upcoming))
    claimed = claim(candidates, now) if candidates else []
    advance(cursors)
    return claimed


def _enqueue(firing_ids: list[int]) -> None:
    from .tasks import execute_firings

    for start in range(0, len(firing_ids), ENQUEUE_CHUNK):
        execute_firings.delay(firing_ids[start : start + ENQUEUE_CHUNK])


def sweep(*, now: datetime | None = None, batch: int = 2000, budget_seconds: float = 50.0) -> SweepReport:
    """One pass. Each batch is one transaction; its claimed firings go to the workers after
    it commits. A pass stops after `budget_seconds` (the next minute's pass carries on)."""
    now = now or timezone.now()
    started, report, after = time.monotonic(), SweepReport(), None
    rules = list(EscalationRule.objects.filter(is_active=True))
    while time.monotonic() - started < budget_seconds:
        rows = _due_rows(now, after, batch)
        if not rows:
            break
        with transaction.atomic():
            claimed = _sweep_batch(rows, rules, now)
            if claimed:
                transaction.on_commit(partial(_enqueue, claimed))
        report.rows, report.claimed = report.rows + len(rows), report.claimed + len(claimed)
        if len(rows) < batch:
            break
        after = (rows[-1]["next_check_at"], rows[-1]["complaint_id"])
    report.requeued = _requeue_stale(now)
    report.recompute_requested = _recompute_after_configuration_change()
    report.seconds = time.monotonic() - started
    return report


def _requeue_stale(now: datetime) -> int:
    """Firings claimed but not done after a while (a lost message, a crashed worker), and
    freeze requests not yet sent, are handed to the workers again; doing so twice is harmless."""
    stale = list(
        Firing.objects.filter(status=Firing.Status.PENDING, claimed_at__lt=now - STALE_AFTER)
        .order_by("claimed_at").values_list("id", flat=True)[:1000]
    )  # fmt: skip
    if stale:
        transaction.on_commit(partial(_enqueue, stale))
    if getattr(settings, "FREEZE_WEBHOOK_URL", ""):
        from .tasks import send_freeze_request

        unsent = FreezeRequest.objects.filter(status=FreezeRequest.Status.PENDING, updated_at__lt=now - STALE_AFTER)
        for freeze_id in unsent.values_list("id", flat=True)[:100]:
            transaction.on_commit(partial(send_freeze_request.delay, freeze_id))
    return len(stale)


def _recompute_after_configuration_change() -> bool:
    """After an edit to a calendar, policy, regime or rule, recompute every open complaint's
    clocks in the background — once, however many rows the edit touched."""
    version = ConfigurationVersion.objects.filter(pk=1).first()
    if version is None or version.version == version.applied_version:
        return False
    won = ConfigurationVersion.objects.filter(pk=1, applied_version=version.applied_version).update(
        applied_version=version.version, applied_at=timezone.now()
    )
    if won:
        from .tasks import recompute_open_clocks

        transaction.on_commit(partial(recompute_open_clocks.delay, 0))
    return bool(won)


# --- Doing the work ----------------------------------------------------------------------------------


def _still_due(firing: Firing, complaint: Complaint, now: datetime) -> bool:
    from .services import clocks_recompute

    row = row_of(clocks_recompute(complaint), complaint)
    rules = [firing.rule] if firing.rule is not None else []
    return any(d.key == firing.key and d.anchor_at == firing.anchor_at and d.due_at <= now for d in firings_for(row, rules))


def _action(firing: Firing):
    from complaints import services as complaints

    from . import services

    if firing.rule is not None:
        return lambda c: services.complaint_escalate(complaint=c, rule=firing.rule, due_at=firing.due_at, firing_id=firing.pk)
    return {
        INFORMATION_REMINDER: lambda c: services.complaint_send_reminder(complaint=c),
        ACCEPTANCE_REMINDER: lambda c: services.complaint_send_reminder(complaint=c),
        DEEMED_ACCEPTANCE: lambda c: services.complaint_deem_accepted(complaint=c),
        CLOSE_NO_RESPONSE: lambda c: complaints.complaint_close_for_no_response(complaint=c),
        CLOSE: lambda c: complaints.complaint_close(complaint=c),
        ARCHIVE: lambda c: complaints.complaint_archive(complaint=c),
    }[firing.key]


def _refusal(error: Exception) -> str:
    return "; ".join(error.messages) if isinstance(error, ValidationError) else str(getattr(error, "message", error))


def _perform(firing: Firing, complaint: Complaint, now: datetime) -> tuple[str, str]:
    if firing.key.startswith("rule:") and (firing.rule is None or not firing.rule.is_active):
        return Firing.Status.STALE, "the rule was deleted or switched off"
    if not _still_due(firing, complaint, now):
        return Firing.Status.STALE, "no longer due"
    try:
        with transaction.atomic():  # a refusal undoes only the step, not the firing's record
            _action(firing)(complaint)
    except (WrongState, NotPermitted, ValidationError) as refused:
        return Firing.Status.SKIPPED, _refusal(refused)
    return Firing.Status.DONE, ""


def firing_execute(firing_id: int) -> str:
    """Do one claimed firing, once: the firing row is locked and must still be pending, and
    the work commits together with its being marked done."""
    now = timezone.now()
    with transaction.atomic():
        firing = Firing.objects.select_for_update().filter(pk=firing_id, status=Firing.Status.PENDING).first()
        if firing is None:
            return "gone"
        complaint = Complaint.objects.select_for_update().get(pk=firing.complaint_id)
        firing.status, firing.note = _perform(firing, complaint, now)
        firing.note = firing.note[:255]
        firing.attempts += 1
        firing.finished_at = timezone.now()
        firing.save(update_fields=["status", "note", "attempts", "finished_at"])
        return firing.status


def firing_execute_safely(firing_id: int) -> str:
    """As firing_execute, but an unexpected error is recorded on the firing (which stays
    pending for the sweep to hand out again, up to MAX_ATTEMPTS) instead of stopping a batch."""
    try:
        return firing_execute(firing_id)
    except Exception as error:  # noqa: BLE001 - recorded, and retried by the sweep
        logger.exception("escalation firing %s failed", firing_id)
        note = f"{type(error).__name__}: {error}"[:255]
        pending = Firing.objects.filter(pk=firing_id, status=Firing.Status.PENDING)
        pending.update(attempts=F("attempts") + 1, note=note)
        pending.filter(attempts__gte=MAX_ATTEMPTS).update(status=Firing.Status.FAILED, finished_at=timezone.now())
        return "error"
