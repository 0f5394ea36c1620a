"""Writing to the outbox, in the customer's language, to be sent after commit.

A notice that quotes rows which may change later (a message, remedies, an extension) is rendered
now, so what was sent is what the row says. A notice whose context is plain data (dates, codes)
can be rendered by the worker that sends it: the acknowledgement is, because filing is the desk's
hot path in a surge. Either way the row holds the rendered e-mail once it has been sent.
"""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.dateparse import parse_datetime

from . import rows
from .models import Complaint, Notification


def customer_language(complaint: Complaint) -> str:
    profile = getattr(complaint.customer, "customer_profile", None)
    return (profile.language if profile else None) or complaint.language or settings.LANGUAGE_CODE


def notification_queue(
    *, complaint: Complaint, kind: str, context: dict | None = None, render_when_sent: bool = False
) -> Notification:
    """Queue a notification to the complaint's customer, to be sent after commit. With
    `render_when_sent` the context must be plain data (it is stored as JSON on the row)."""
    notification = Notification(
        complaint=complaint, recipient=complaint.customer, to_email=complaint.customer.email, kind=kind,
        language=customer_language(complaint), context=(context or {}) if render_when_sent else {},
    )  # fmt: skip
    if not render_when_sent:
        _render_into(notification, context or {})
    rows.insert(notification)
    from .tasks import send_notification

    transaction.on_commit(partial(send_notification.delay, notification.pk))
    return notification


def notification_render(notification: Notification) -> Notification:
    """Render a notification queued with `render_when_sent`, once, into its row."""
    if notification.subject:
        return notification
    stored = {name: _datetime_or_value(value) for name, value in notification.context.items()}
    _render_into(notification, stored)
    notification.save(update_fields=["subject", "body_text", "body_html"])
    return notification


def _render_into(notification: Notification, context: dict) -> None:
    complaint = notification.complaint
    context = {
        "complaint": complaint,
        "customer": complaint.customer,
        "desk_email": settings.REDRESS_DESK_EMAIL,
        "portal_url": settings.REDRESS_PORTAL_URL,
        **context,
    }
    kind = notification.kind
    with translation.override(notification.language):
        subject = render_to_string(f"notifications/{kind}_subject.txt", context).strip()
        notification.body_text = render_to_string(f"notifications/{kind}.txt", context)
        notification.body_html = render_to_string(f"notifications/{kind}.html", context)
    notification.subject = " ".join(subject.split())


def _datetime_or_value(value):
    return (isinstance(value, str) and parse_datetime(value)) or value
