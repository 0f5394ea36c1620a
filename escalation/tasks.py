"""Celery tasks: the minute sweep, the firings it hands out, freeze requests, recomputation.

Thin and idempotent: each takes ids, claims its work with a conditional update (or a locked
row that must still be pending), and calls the services.
"""

import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from complaints.audit import audit_append
from complaints.choices import State
from complaints.models import OPEN_STATE_VALUES, Complaint

from .models import FreezeRequest, SupervisorQueueItem
from .sweep import firing_execute_safely, sweep

logger = logging.getLogger(__name__)
RECOMPUTE_CHUNK = 500
WEBHOOK_TIMEOUT_SECONDS = 10


@shared_task(ignore_result=True)
def sweep_due() -> dict:
    report = sweep()
    if report.rows:
        logger.info("escalation sweep: %s rows, %s firings claimed in %.2fs", report.rows, report.claimed, report.seconds)
    return {"rows": report.rows, "claimed": report.claimed, "requeued": report.requeued}


@shared_task(ignore_result=True, acks_late=True)
def execute_firings(firing_ids: list[int]) -> dict:
    outcomes: dict[str, int] = {}
    for firing_id in firing_ids:
        outcome = firing_execute_safely(firing_id)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@shared_task(ignore_result=True)
def recompute_open_clocks(after_id: int = 0) -> int:
    """Recompute the clocks of open complaints in id order, RECOMPUTE_CHUNK per task, each
    task queueing the next: the background pass after a configuration change."""
    from .services import clocks_recompute
    from .terms import TermsLoader

    ids = list(
        Complaint.objects.filter(pk__gt=after_id, state__in=OPEN_STATE_VALUES)
        .order_by("pk").values_list("pk", flat=True)[:RECOMPUTE_CHUNK]
    )  # fmt: skip
    loader = TermsLoader()
    for complaint_id in ids:
        with transaction.atomic():
            complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
            if complaint is not None and complaint.state not in (State.CLOSED, State.ARCHIVED):
                clocks_recompute(complaint, loader=loader)
    if len(ids) == RECOMPUTE_CHUNK:
        recompute_open_clocks.delay(ids[-1])
    return len(ids)


# --- Freeze requests -------------------------------------------------------------------------------------


def _payload(freeze: FreezeRequest) -> bytes:
    complaint = freeze.complaint
    profile = getattr(complaint.customer, "customer_profile", None)
    return json.dumps(
        {
            "type": "account_freeze_request",
            "freeze_request": str(freeze.idempotency_key),
            "complaint": complaint.reference,
            "exchange_uid": profile.exchange_uid if profile else None,
            "requested_at": freeze.requested_at.isoformat(),
            "channel": freeze.channel,
            "confirmed_by_staff": freeze.confirmed_by_id is not None,
        },
        sort_keys=True,
    ).encode()


def _post(url: str, body: bytes, freeze: FreezeRequest) -> int:
    headers = {"Content-Type": "application/json", "Idempotency-Key": str(freeze.idempotency_key)}
    secret = getattr(settings, "FREEZE_WEBHOOK_SECRET", "")
    if secret:
        headers["X-Redress-Signature"] = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 - the configured URL
        return response.status


def _claim_freeze(freeze_id: int) -> bool:
    return FreezeRequest.objects.filter(pk=freeze_id, status=FreezeRequest.Status.PENDING).update(
        status=FreezeRequest.Status.SENDING, attempts=F("attempts") + 1, updated_at=timezone.now()
    ) == 1


@shared_task(bind=True, max_retries=8, acks_late=True, ignore_result=True)
def send_freeze_request(self, freeze_id: int) -> str:
    """POST the freeze request to FREEZE_WEBHOOK_URL. Without a URL it stays recorded and
    pending (the sweep sends it once one is configured); a failure is retried with backoff,
    and after the last retry it lands in the supervisors' queue."""
    url = getattr(settings, "FREEZE_WEBHOOK_URL", "")
    if not url:
        FreezeRequest.objects.filter(pk=freeze_id, status=FreezeRequest.Status.PENDING).update(
            last_error="FREEZE_WEBHOOK_URL is not configured; the request is recorded only.", updated_at=timezone.now()
        )
        return "not_configured"
    if not _claim_freeze(freeze_id):
        return "not_pending"
    freeze = FreezeRequest.objects.select_related("complaint__customer__customer_profile").get(pk=freeze_id)
    try:
        status = _post(url, _payload(freeze), freeze)
    except (urllib.error.URLError, OSError, ValueError) as error:
        return _failed(self, freeze, error)
    _sent(freeze, status)
    return "sent"


def _sent(freeze: FreezeRequest, status: int) -> None:
    with transaction.atomic():
        FreezeRequest.objects.filter(pk=freeze.pk).update(
            status=FreezeRequest.Status.SENT, sent_at=timezone.now(), response_status=status, last_error="", updated_at=timezone.now()
        )
        audit_append(complaint=freeze.complaint, actor=None, action="freeze_sent", data={"freeze_request": freeze.pk, "status": status})


def _failed(task, freeze: FreezeRequest, error: Exception) -> str:
    message = f"{type(error).__name__}: {error}"[:1000]
    logger.warning("freeze request %s failed: %s", freeze.pk, type(error).__name__)
    code = getattr(error, "code", None)
    if task.request.retries < task.max_retries:
        FreezeRequest.objects.filter(pk=freeze.pk).update(
            status=FreezeRequest.Status.PENDING, last_error=message, response_status=code, updated_at=timezone.now()
        )
        raise task.retry(exc=error, countdown=min(30 * 2**task.request.retries, 1800))
    with transaction.atomic():
        FreezeRequest.objects.filter(pk=freeze.pk).update(
            status=FreezeRequest.Status.FAILED, last_error=message, response_status=code, updated_at=timezone.now()
        )
        SupervisorQueueItem.objects.get_or_create(
            complaint=freeze.complaint, reason=SupervisorQueueItem.Reason.FREEZE_FAILED, resolved_at=None
        )
        audit_append(complaint=freeze.complaint, actor=None, action="freeze_failed", data={"freeze_request": freeze.pk, "attempts": freeze.attempts})
    return "failed"
