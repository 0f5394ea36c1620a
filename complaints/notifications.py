"""Writing to the outbox. The row is rendered now, in the customer's language, and sent later.

Rendering at write time means what was sent is what the row says, whatever templates become.
"""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from .models import Complaint, Notification


def customer_language(complaint: Complaint) -> str:
    profile = getattr(complaint.customer, "customer_profile", None)
    return (profile.language if profile else None) or complaint.language or settings.LANGUAGE_CODE


def notification_queue(*, complaint: Complaint, kind: str, context: dict | None = None) -> Notification:
    """Render a notification to the complaint's customer and queue it to be sent after commit."""
    language = customer_language(complaint)
    context = {
        "complaint": complaint,
        "customer": complaint.customer,
        "desk_email": settings.REDRESS_DESK_EMAIL,
        "portal_url": settings.REDRESS_PORTAL_URL,
        **(context or {}),
    }
    with translation.override(language):
        subject = render_to_string(f"notifications/{kind}_subject.txt", context).strip()
        body_text = render_to_string(f"notifications/{kind}.txt", context)
        body_html = render_to_string(f"notifications/{kind}.html", context)
    notification = Notification.objects.create(
        complaint=complaint,
        recipient=complaint.customer,
        to_email=complaint.customer.email,
        kind=kind,
        language=language,
        subject=" ".join(subject.split()),
        body_text=body_text,
        body_html=body_html,
    )
    from .tasks import send_notification

    transaction.on_commit(partial(send_notification.delay, notification.pk))
    return notification
