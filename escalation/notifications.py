"""Notices this app sends: to staff (escalation alerts, security pages) and the kinds of
customer notice it adds. All go through the outbox (complaints.models.Notification) and are
sent by complaints.tasks.send_notification after commit, like every other e-mail.

Staff notices are rendered in the desk's language (LANGUAGE_CODE); they carry the complaint's
reference and a link to the console, never the customer's text.
"""

from functools import partial
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from complaints.models import Complaint, Notification

ESCALATION_ALERT = Notification.Kind.ESCALATION_ALERT
SECURITY_PAGE = Notification.Kind.SECURITY_PAGE
DEEMED_ACCEPTANCE = Notification.Kind.DEEMED_ACCEPTANCE


def console_url(complaint: Complaint) -> str:
    return urljoin(settings.REDRESS_PORTAL_URL, reverse("admin:complaints_complaint_change", args=[complaint.pk]))


def staff_notice_queue(*, complaint: Complaint, recipients, kind: str, context: dict | None = None) -> list[Notification]:
    """Render a staff notice once and queue one outbox row per recipient (each sent after commit)."""
    people = list({person.pk: person for person in recipients if person is not None and person.email}.values())
    if not people:
        return []
    context = {"complaint": complaint, "console_url": console_url(complaint), **(context or {})}
    language = settings.LANGUAGE_CODE
    with translation.override(language):
        subject = " ".join(render_to_string(f"notifications/{kind}_subject.txt", context).split())
        body_text = render_to_string(f"notifications/{kind}.txt", context)
        body_html = render_to_string(f"notifications/{kind}.html", context)
    rows = [
        Notification.objects.create(
            complaint=complaint, recipient=person, to_email=person.email, kind=kind, language=language,
            subject=subject, body_text=body_text, body_html=body_html,
        )  # fmt: skip
        for person in people
    ]
    from complaints.tasks import send_notification

    for row in rows:
        transaction.on_commit(partial(send_notification.delay, row.pk))
    return rows
