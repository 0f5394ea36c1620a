"""What the API does, in terms of the services: file once per Idempotency-Key, read the public
timeline, reply as the customer. The integration reads only what it filed."""

import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from complaints import services
from complaints.choices import Visibility
from complaints.exceptions import WrongState
from complaints.models import AuditEvent, Complaint
from complaints.portal import status

from ..customers import NotACustomer, customer_for
from ..models import ApiIntake, Integration
from .schemas import ComplaintIn


class KeyReused(Exception):
    """The Idempotency-Key was used before with a different body."""


def _digest(payload: ComplaintIn) -> str:
    canonical = json.dumps(payload.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _intake_key(integration: Integration, key: str) -> str:
    return f"api:{integration.pk}:{hashlib.sha256(key.encode()).hexdigest()[:48]}"


def complaint_for_integration(integration: Integration, reference: str) -> Complaint:
    """A complaint this integration filed, or 404: another integration's complaints don't exist here."""
    intake = ApiIntake.objects.select_related("complaint__customer").filter(
        integration=integration, complaint__reference=reference
    ).first()
    if intake is None:
        raise Http404("No complaint here.")
    return intake.complaint


def api_file(*, integration: Integration, key: str, payload: ComplaintIn) -> tuple[Complaint, bool]:
    """The complaint for this key, filed now (True) or earlier (False)."""
    digest = _digest(payload)
    earlier = ApiIntake.objects.select_related("complaint").filter(integration=integration, idempotency_key=key).first()
    if earlier is not None:
        return _same_body(earlier, digest).complaint, False
    with transaction.atomic():
        customer = _customer(payload)
        complaint = services.complaint_file(
            customer=customer, filing=_filing(payload, integration), intake_key=_intake_key(integration, key)
        )
        intake, created = ApiIntake.objects.get_or_create(
            complaint=complaint, defaults={"integration": integration, "idempotency_key": key, "body_sha256": digest}
        )
    return _same_body(intake, digest).complaint, created


def _same_body(intake: ApiIntake, digest: str) -> ApiIntake:
    if intake.body_sha256 != digest:
        raise KeyReused
    return intake


def _customer(payload: ComplaintIn):
    person = payload.customer
    try:
        customer, _created = customer_for(person.email, name=person.name, language=person.language or "")
    except NotACustomer:
        refusal = _("This address can't file a complaint: it belongs to staff or a closed account.")
        raise ValidationError({"customer.email": refusal}) from None
    return customer


def _filing(payload: ComplaintIn, integration: Integration) -> services.Filing:
    return services.Filing(
        category=payload.category, subcategory=payload.subcategory, summary=payload.summary,
        description=payload.description, desired_outcome=payload.desired_outcome, occurred_on=payload.occurred_on,
        order_ids=tuple(payload.order_ids), tx_hashes=tuple(payload.tx_hashes), tx_network=payload.tx_network,
        disputed_amount=payload.disputed_amount, disputed_asset=payload.disputed_asset,
        funds_at_risk=payload.funds_at_risk, channel=integration.channel,
    )  # fmt: skip


def api_reply(*, integration: Integration, complaint: Complaint, body: str) -> Complaint:
    """The customer's reply, as the portal takes it: an answer to a request for information,
    a reopening within the window after a no-response closure, or a message."""
    customer = complaint.customer
    kind = status.customer_actions(customer, complaint).reply
    channel = integration.channel
    if kind is None:
        raise WrongState(
            _("This complaint is closed, so it takes no more replies. If something new has happened, please file a new complaint.")
        )
    if kind == "answer":
        return services.complaint_receive_information(complaint=complaint, actor=customer, message=body, channel=channel)
    if kind == "reopen":
        return services.complaint_reopen(complaint=complaint, actor=customer, reason=body)
    services.complaint_add_message(complaint=complaint, actor=customer, body=body, channel=channel)
    return complaint


def public_view(complaint: Complaint) -> dict:
    """The complaint as its customer sees it in the portal: state, and the public timeline
    (public messages and customer-facing events; never internal notes or internal events)."""
    complaint.refresh_from_db()
    public = list(complaint.messages.filter(visibility=Visibility.PUBLIC))
    events = AuditEvent.objects.filter(complaint=complaint, action__in=status.TIMELINE_ACTIONS).only(
        "at", "action", "actor_id", "data"
    ).order_by("seq")
    remedies = list(complaint.remedies.all())
    with translation.override(complaint.language):
        entries = status.build_timeline(complaint, events=events, messages=public, evidence=[], remedies=remedies)
        return {
            "reference": complaint.reference, "state": complaint.state, "status": str(status.customer_state(complaint)[0]),
            "channel": complaint.channel, "received_at": complaint.received_at,
            "timeline": [
                {"at": e.at, "kind": e.kind, "by_customer": e.by_customer, "text": str(e.text or ""),
                 "title": str(e.title or ""), "body": e.body}
                for e in entries
            ],
        }  # fmt: skip
