"""Celery tasks: thin, idempotent, each claiming its work with a conditional update."""

import logging

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from .models import Notification

logger = logging.getLogger(__name__)


def _claim(notification_id: int) -> bool:
    """Only the run that moves the row from pending to sending sends it: a retry or a second
    worker finds nothing to claim."""
    claimed = Notification.objects.filter(id=notification_id, status=Notification.Status.PENDING).update(
        status=Notification.Status.SENDING, attempts=F("attempts") + 1
    )
    return claimed == 1


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_notification(self, notification_id: int) -> None:
    if not _claim(notification_id):
        return
    notification = Notification.objects.get(id=notification_id)
    email = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.to_email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if notification.body_html:
        email.attach_alternative(notification.body_html, "text/html")
    try:
        email.send()
    except Exception as error:
        _release_for_retry(notification, error)
        raise self.retry(exc=error, countdown=min(60 * 2**self.request.retries, 3600)) from error
    Notification.objects.filter(id=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def _release_for_retry(notification: Notification, error: Exception) -> None:
    logger.warning("sending notification %s failed: %s", notification.pk, type(error).__name__)
    Notification.objects.filter(id=notification.pk).update(
        status=Notification.Status.PENDING, last_error=f"{type(error).__name__}: {error}"[:1000]
    )
