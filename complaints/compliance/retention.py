"""How long a complaint keeps its personal data: per regime, counted from closure.

MiCA asks for at least five years (Delegated Regulation 2025/1140), DISP three (DISP 1.9.1);
each regime's period is a RetentionPolicy row, editable in the admin, and a complaint whose
regime has none keeps settings.REDRESS_RETENTION_DEFAULT_YEARS. The daily sweep erases what is
due, one complaint per transaction; a legal hold makes it skip the complaint.
"""

import logging
from datetime import datetime

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from complaints.choices import State
from complaints.exceptions import ActionRefused
from complaints.models import Complaint

from .models import LegalHold, RetentionPolicy

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
FINISHED = [State.CLOSED, State.ARCHIVED]


def retention_years(complaint: Complaint) -> int:
    regime_id = getattr(getattr(complaint, "clock", None), "regime_id", None)
    policy = RetentionPolicy.objects.filter(regime_id=regime_id).first() if regime_id else None
    return policy.years if policy else settings.REDRESS_RETENTION_DEFAULT_YEARS


def erasure_due_at(complaint: Complaint) -> datetime | None:
    """When the complaint's personal data is to go: its retention period after closure."""
    if complaint.state not in FINISHED or complaint.closed_at is None:
        return None
    return complaint.closed_at + relativedelta(years=retention_years(complaint))


def _past(years: int, now: datetime) -> Q:
    return Q(closed_at__lte=now - relativedelta(years=years))


def due_for_erasure(now: datetime | None = None):
    """Finished complaints past their regime's retention, not erased and not on hold."""
    now = now or timezone.now()
    policies = list(RetentionPolicy.objects.values_list("regime_id", "years"))
    due = Q(clock__regime__isnull=True) | ~Q(clock__regime_id__in=[regime for regime, _years in policies])
    due &= _past(settings.REDRESS_RETENTION_DEFAULT_YEARS, now)
    for regime_id, years in policies:
        due |= Q(clock__regime_id=regime_id) & _past(years, now)
    customer_held = LegalHold.objects.standing().filter(customer_id=OuterRef("customer_id"))
    complaint_held = LegalHold.objects.standing().filter(complaint_id=OuterRef("pk"))
    return (
        Complaint.objects.filter(due, state__in=FINISHED, closed_at__isnull=False, erasure__isnull=True, legal_hold=False)
        .exclude(Exists(customer_held))
        .exclude(Exists(complaint_held))
        .order_by("closed_at", "pk")
    )


def retention_sweep(now: datetime | None = None) -> tuple[int, int]:
    """Erase each complaint that is due, in its own transaction; returns (erased, skipped)."""
    from .erasure import complaint_erase

    erased = skipped = 0
    for complaint in list(due_for_erasure(now)[:SWEEP_BATCH]):
        try:
            complaint_erase(complaint=complaint, actor=None)
            erased += 1
        except ActionRefused as refused:
            logger.info("erasure of complaint %s skipped: %s", complaint.pk, refused.message)
            skipped += 1
    return erased, skipped
