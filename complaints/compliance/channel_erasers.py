"""Erasers for the channels app's records, registered here while that app has none of its own:
inbound e-mails (kept raw only when quarantined) and the API's idempotency records."""

from django.apps import apps
from django.db.models import Q

from complaints.models import Complaint

ERASED_KEY = "erased:{pk}"


def erase_inbound_emails(complaint: Complaint) -> int:
    """The e-mails that became this complaint or its messages, and what the customer's address
    sent that was quarantined before the complaint closed."""
    InboundEmail = apps.get_model("channels", "InboundEmail")
    quarantined = Q(outcome=InboundEmail.Outcome.QUARANTINED, sender__iexact=complaint.customer.email, received_at__lte=complaint.closed_at)
    emails = InboundEmail.objects.filter(Q(complaint=complaint) | quarantined, erased_at__isnull=True)
    count = 0
    for email in emails:
        email.erase()
        count += 1
    return count


def erase_api_idempotency(complaint: Complaint) -> int:
    """The Idempotency-Key an integration sent may carry its own reference to the person; the
    body's digest stays, so a replay is still recognised as spent."""
    ApiIntake = apps.get_model("channels", "ApiIntake")
    intakes = list(ApiIntake.objects.filter(complaint=complaint))
    for intake in intakes:
        intake.idempotency_key = ERASED_KEY.format(pk=intake.pk)
    ApiIntake.objects.bulk_update(intakes, ["idempotency_key"])
    return len(intakes)


def channel_erasers() -> dict:
    if not apps.is_installed("complaints.channels"):
        return {}
    found = {}
    if _has_model("InboundEmail", "erase"):
        found["channels.inbound_emails"] = erase_inbound_emails
    if _has_model("ApiIntake", "idempotency_key"):
        found["channels.api_idempotency"] = erase_api_idempotency
    return found


def _has_model(name: str, attribute: str) -> bool:
    try:
        model = apps.get_model("channels", name)
    except LookupError:
        return False
    return hasattr(model, attribute) or any(field.name == attribute for field in model._meta.get_fields())
