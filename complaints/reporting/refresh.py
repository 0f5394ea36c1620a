"""Keeping the facts and roll-ups current.

Every change to a complaint appends an audit event (one door: the services), so the events
after the last one read name exactly the complaints that changed. A periodic task refreshes
those, in one transaction holding the RefreshMark row, so two runs never interleave. This
rather than a hook on each transition's commit: the transitions stay as cheap as they are,
a burst of changes is refreshed in one set-based statement, and a failed refresh is simply
retried by the next run, which starts from the same mark. The price is up to a minute's lag,
which a report can bear. A daily full refresh catches what time alone changes.
"""

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from complaints.models import AuditEvent

from .deadlines import deadlines_fill
from .facts import facts_rebuild, facts_refresh
from .models import ComplaintFact, RefreshMark
from .rollups import rollups_rebuild, rollups_rebuild_days
from .sql import vacuum_analyze

BATCH = 2000


def _mark(*, skip_locked: bool = False) -> RefreshMark | None:
    """The mark, locked for this transaction; None when skipping and another run holds it."""
    RefreshMark.objects.get_or_create(pk=1)
    return RefreshMark.objects.select_for_update(skip_locked=skip_locked).filter(pk=1).first()


def _last_event_id() -> int:
    return AuditEvent.objects.aggregate(last=Max("id"))["last"] or 0


def refresh_all(*, full: bool = False) -> dict:
    """Rebuild every fact and roll-up, then refresh the planner's statistics. Returns counts
    for the command to print."""
    counts = _rebuild(full)
    vacuum_analyze("reporting_complaintfact", "reporting_dailyrollup")
    return counts


@transaction.atomic
def _rebuild(full: bool) -> dict:
    mark = _mark()
    last = _last_event_id()
    facts = facts_rebuild(full=full)
    limits = deadlines_fill()
    rollups_rebuild()
    mark.last_event_id, mark.refreshed_at = last, timezone.now()
    mark.save()
    return {"facts": facts, "limits": limits}


@transaction.atomic
def refresh_recent(batch: int = BATCH) -> int:
    """Refresh the complaints changed since the last run (at most `batch` of them; the next
    run takes the rest). Returns how many. While a full refresh runs, it returns 0 at once
    rather than queue behind it."""
    mark = _mark(skip_locked=True)
    if mark is None:
        return 0
    events = AuditEvent.objects.filter(id__gt=mark.last_event_id, complaint__isnull=False).order_by("id")
    changed, last_id = _changed(events.values_list("id", "complaint_id")[: batch * 4], batch)
    if not changed:
        return 0
    before = _days_of(changed)
    facts_refresh(changed)
    deadlines_fill()
    after = _days_of(changed)
    rollups_rebuild_days(
        [day for day, _ in before + after if day], [day for _, day in before + after if day]
    )  # fmt: skip
    mark.last_event_id, mark.refreshed_at = last_id, timezone.now()
    mark.save()
    return len(changed)


def _changed(window, batch: int) -> tuple[list[int], int]:
    """The first `batch` complaints named by the events, and the last event read for them:
    the events of a complaint left for the next run are read again then."""
    changed: dict[int, None] = {}
    last_id = 0
    for event_id, complaint_id in window:
        if complaint_id not in changed and len(changed) == batch:
            break
        changed[complaint_id] = None
        last_id = event_id
    return list(changed), last_id


def _days_of(complaint_ids) -> list[tuple]:
    return list(ComplaintFact.objects.filter(complaint_id__in=complaint_ids).values_list("received_on", "decided_on"))
