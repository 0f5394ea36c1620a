"""Legal holds: placed and lifted by a supervisor or a compliance officer, with a reason.

While a hold stands on a complaint, or on its customer, the complaint is neither archived nor
erased. The complaint's own `legal_hold` flag mirrors whether a hold covers it (the clocks read
it to schedule no archive); `hold_stands` asks the holds themselves, so a complaint filed after
its customer was put on hold is covered too. Events hold ids and the reason's digest.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.audit import audit_append, digest
from complaints.exceptions import NotPermitted, WrongState
from complaints.models import Complaint

from .models import LegalHold

PERMISSION = "complaints.place_legal_hold"


def hold_stands(complaint: Complaint) -> bool:
    """Whether archive and erasure must wait: a standing hold on the complaint or its customer."""
    return complaint.legal_hold or LegalHold.objects.standing().covering(complaint).exists()


def ensure_may_hold(actor) -> None:
    if actor is None or not actor.is_active or not actor.is_staff or not actor.has_perm(PERMISSION):
        raise NotPermitted(_("Only a supervisor or a compliance officer can place or lift a legal hold."))


def _reason(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: _("Give the reason for the legal hold (the matter, the request).")})
    return text


def _sync_flag(complaint: Complaint, actor, why: str) -> None:
    """Set the complaint's legal_hold flag to whether any hold covers it now (one history row)."""
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    covered = LegalHold.objects.standing().covering(complaint).exists()
    if complaint.legal_hold == covered:
        return
    complaint.legal_hold = covered
    complaint._change_reason, complaint._history_user = why, actor
    complaint.save(update_fields=["legal_hold", "version", "updated_at"])
    from escalation.services import clocks_recompute

    clocks_recompute(complaint)


def _affected(hold: LegalHold):
    if hold.complaint_id:
        return Complaint.objects.filter(pk=hold.complaint_id)
    return Complaint.objects.filter(customer_id=hold.customer_id).order_by("pk")


def _record(hold: LegalHold, actor, action: str, reason: str) -> None:
    data = {"hold": hold.pk, "customer": hold.customer_id, "reason_sha256": digest(reason)}
    audit_append(complaint=hold.complaint, actor=actor, action=action, data=data)


@transaction.atomic
def legal_hold_place(*, actor, reason: str, complaint: Complaint | None = None, customer=None) -> LegalHold:
    ensure_may_hold(actor)
    reason = _reason(reason, "reason")
    if (complaint is None) == (customer is None):
        raise ValidationError(_("Name either a complaint or a customer."))
    if customer is not None and customer.is_staff:
        raise ValidationError({"customer": _("A legal hold names a customer, not a member of staff.")})
    hold = LegalHold.objects.create(
        complaint=complaint, customer=customer, reason=reason, placed_by=actor, placed_at=timezone.now()
    )
    _record(hold, actor, "legal_hold_placed", reason)
    for covered in _affected(hold):
        _sync_flag(covered, actor, "legal_hold_placed")
    return hold


@transaction.atomic
def legal_hold_lift(*, hold: LegalHold, actor, reason: str) -> LegalHold:
    ensure_may_hold(actor)
    reason = _reason(reason, "lift_reason")
    hold = LegalHold.objects.select_for_update().get(pk=hold.pk)
    if not hold.is_standing:
        raise WrongState(_("This legal hold was already lifted."))
    hold.lifted_by, hold.lifted_at, hold.lift_reason = actor, timezone.now(), reason
    hold.save(update_fields=["lifted_by", "lifted_at", "lift_reason"])
    _record(hold, actor, "legal_hold_lifted", reason)
    for covered in _affected(hold):
        _sync_flag(covered, actor, "legal_hold_lifted")
    return hold
