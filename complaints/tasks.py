"""Celery tasks: thin, idempotent, each claiming its work with a conditional update."""

import logging
from email.utils import make_msgid

from celery import shared_task
from django.core.mail import EmailMultiAlternatives
from django.db.models import F
from django.utils import timezone

from .models import Notification
from .notifications import notification_render

logger = logging.getLogger(__name__)


def _claim(notification_id: int) -> bool:
    """Only the run that moves the row from pending to sending sends it: a retry or a second
    worker finds nothing to claim."""
    claimed = Notification.objects.filter(id=notification_id, status=Notification.Status.PENDING).update(
        status=Notification.Status.SENDING, attempts=F("attempts") + 1
    )
    return claimed == 1


def threading_headers(notification: Notification) -> dict[str, str]:
    """Message-ID, In-Reply-To and References put every e-mail about a complaint in one thread;
    the customer's Reply-To carries the complaint's reply token, so their answer finds its way back."""
    from .channels import addresses

    complaint = notification.complaint
    if complaint is None:
        return {"Message-ID": make_msgid(domain=addresses.desk_address()[1])}
    headers = {"Message-ID": addresses.notification_message_id(notification)}
    root = addresses.thread_root_id(complaint)
    if headers["Message-ID"] != root:
        headers.update({"In-Reply-To": root, "References": root})
    if notification.recipient_id == complaint.customer_id:
        headers["Reply-To"] = addresses.reply_address(complaint)
    return headers


def _email(notification: Notification) -> EmailMultiAlternatives:
    headers = {"Auto-Submitted": "auto-generated", **threading_headers(notification)}
    reply_to = headers.pop("Reply-To", None)
    email = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.body_text,
        to=[notification.to_email],
        reply_to=[reply_to] if reply_to else None,
        headers=headers,
    )
    if notification.body_html:
        email.attach_alternative(notification.body_html, "text/html")
    return email


@shared_task(bind=True, max_retries=8, acks_late=True)
def send_notification(self, notification_id: int) -> None:
    if not _claim(notification_id):
        return
    notification = Notification.objects.select_related("complaint__customer").get(id=notification_id)
    try:
        notification_render(notification)
        _email(notification).send()
    except Exception as error:
        _release_for_retry(notification, error)
        if self.request.retries >= self.max_retries:
            _give_up(notification)
            raise
        # Backoff: 1, 2, 4 … minutes, at most an hour between attempts.
        raise self.retry(exc=error, countdown=min(60 * 2**self.request.retries, 3600)) from error
    Notification.objects.filter(id=notification_id).update(
        status=Notification.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def _release_for_retry(notification: Notification, error: Exception) -> None:
    logger.warning("sending notification %s failed: %s", notification.pk, type(error).__name__)
    Notification.objects.filter(id=notification.pk).update(
        status=Notification.Status.PENDING, last_error=f"{type(error).__name__}: {error}"[:1000]
    )


def _give_up(notification: Notification) -> None:
    """Out of retries: marked failed, so the complaint page shows it was never delivered."""
    logger.error("notification %s not sent after %s attempts", notification.pk, notification.attempts)
    Notification.objects.filter(id=notification.pk, status=Notification.Status.PENDING).update(
        status=Notification.Status.FAILED
    )
