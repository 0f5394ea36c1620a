"""Erasing a complaint's personal data once its retention period has passed.

Free text is replaced by ERASED (blank stays blank, so the shape of the record survives);
identifiers, evidence files and log-in records are deleted. The history rows of the complaint,
its messages, evidence and remedies are pseudonymised the same way, including the free text in
their change reasons. What stays: ids, states, dates, categories, amounts, digests — what the
regulator's statistics and the audit chain need, none of which names a person. The audit
chain never held personal data, so it verifies unchanged afterwards.

Each place personal data lives has an eraser (erasers.py); other apps register theirs.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from complaints import policies
from complaints.audit import audit_append
from complaints.exceptions import WrongState
from complaints.models import Complaint, Evidence, Message, Notification, Remedy, SatisfactionRating

from .erasers import registered_erasers
from .holds import hold_stands
from .models import Erasure
from .retention import erasure_due_at

ERASED = "[erased]"
REASON = "erased after retention"
COMPLAINT_TEXT = ["summary", "description", "desired_outcome", "represented_person", "reasons", "recourse", "external_recourse"]
MESSAGE_TEXT = ["body"]
EVIDENCE_TEXT = ["original_name"]
REMEDY_TEXT = ["details", "failure_reason"]


def _blank_or_erased(value: str) -> str:
    return ERASED if value else value


def _erase_history(model, ids, text_fields, extra=None) -> int:
    """Pseudonymise the history rows of these objects: free text, and the free text after the
    action name in each change reason ("reopen: <what the supervisor wrote>" → "reopen")."""
    rows = list(model.history.model.objects.filter(id__in=ids))
    for row in rows:
        for field in text_fields:
            setattr(row, field, _blank_or_erased(getattr(row, field)))
        for field, value in (extra or {}).items():
            setattr(row, field, value)
        row.history_change_reason = (row.history_change_reason or "").split(":", 1)[0][:100] or None
    model.history.model.objects.bulk_update(rows, [*text_fields, *(extra or {}), "history_change_reason"], batch_size=500)
    return len(rows)


def _erase_rows(model, rows, text_fields, extra=None) -> int:
    """Erase live rows with one new history row each, saying why."""
    for row in rows:
        for field in text_fields:
            setattr(row, field, _blank_or_erased(getattr(row, field)))
        for field, value in (extra or {}).items():
            setattr(row, field, value)
    if rows:
        bulk_update_with_history(rows, model, [*text_fields, *(extra or {})], batch_size=500, default_change_reason=REASON)
    return len(rows)


# --- The built-in erasers -------------------------------------------------------------------------------


def erase_complaint_text(complaint: Complaint) -> int:
    for field in COMPLAINT_TEXT:
        setattr(complaint, field, _blank_or_erased(getattr(complaint, field)))
    complaint.intake_key = None
    complaint._change_reason = REASON
    complaint.save()
    return 1 + _erase_history(Complaint, [complaint.pk], COMPLAINT_TEXT, {"intake_key": None})


def erase_identifiers(complaint: Complaint) -> int:
    deleted, _by_model = complaint.identifiers.all().delete()
    return deleted


def erase_messages(complaint: Complaint) -> int:
    messages = list(complaint.messages.all())
    done = _erase_rows(Message, messages, MESSAGE_TEXT)
    return done + _erase_history(Message, [message.pk for message in messages], MESSAGE_TEXT)


def delete_file_on_commit(storage, name: str) -> None:
    """A stored file goes once the erasure has committed (a rollback must not lose it)."""
    if name:
        transaction.on_commit(lambda: storage.delete(name))


def erase_evidence(complaint: Complaint) -> int:
    evidence = list(complaint.evidence.all())
    for item in evidence:
        delete_file_on_commit(item.file.storage, item.file.name)
    done = _erase_rows(Evidence, evidence, EVIDENCE_TEXT, {"file": ""})
    return done + _erase_history(Evidence, [item.pk for item in evidence], EVIDENCE_TEXT, {"file": ""})


def erase_remedies(complaint: Complaint) -> int:
    remedies = list(complaint.remedies.all())
    done = _erase_rows(Remedy, remedies, REMEDY_TEXT)
    return done + _erase_history(Remedy, [remedy.pk for remedy in remedies], REMEDY_TEXT)


def erase_notifications(complaint: Complaint) -> int:
    return Notification.objects.filter(complaint=complaint).update(
        recipient=None, to_email="", subject=ERASED, body_text=ERASED, body_html="", context={}, last_error=""
    )


def erase_rating_comment(complaint: Complaint) -> int:
    return SatisfactionRating.objects.filter(complaint=complaint).exclude(comment="").update(comment=ERASED)


def erase_escalation_text(complaint: Complaint) -> int:
    from escalation.models import DeadlineExtension, ExternalReferral

    extensions = DeadlineExtension.objects.filter(complaint=complaint).update(reason=ERASED)
    return extensions + ExternalReferral.objects.filter(complaint=complaint).exclude(reference="").update(reference="")


def erase_login_records(complaint: Complaint) -> int:
    """django-axes keeps log-in attempts and access logs by username (the e-mail address)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    username = complaint.customer.email
    return sum(model.objects.filter(username__iexact=username).delete()[0] for model in (AccessAttempt, AccessFailureLog, AccessLog))


BUILTIN_ERASERS = {
    "complaints.complaint": erase_complaint_text,
    "complaints.identifiers": erase_identifiers,
    "complaints.messages": erase_messages,
    "complaints.evidence": erase_evidence,
    "complaints.remedies": erase_remedies,
    "complaints.notifications": erase_notifications,
    "complaints.rating": erase_rating_comment,
    "escalation.text": erase_escalation_text,
    "axes.login_records": erase_login_records,
}


# --- The service -------------------------------------------------------------------------------------------


def _ensure_erasable(complaint: Complaint) -> None:
    if Erasure.objects.filter(complaint=complaint).exists():
        raise WrongState(_("This complaint's personal data was already erased."))
    if hold_stands(complaint):
        raise WrongState(_("A legal hold stands on this complaint or its customer; nothing is erased while it does."))
    due = erasure_due_at(complaint)
    if due is None or due > timezone.now():
        raise WrongState(_("The retention period of this complaint has not ended."))


@transaction.atomic
def complaint_erase(*, complaint: Complaint, actor=None) -> Erasure:
    """Erase the complaint's personal data everywhere it lives (the system does this, after
    retention). The audit event holds the counts only."""
    policies.ensure_system(actor)
    complaint = Complaint.objects.select_for_update().select_related("customer").get(pk=complaint.pk)
    _ensure_erasable(complaint)
    counts = {name: eraser(complaint) for name, eraser in registered_erasers().items()}
    erasure = Erasure.objects.create(complaint=complaint, erased_at=timezone.now(), actor=actor, counts=counts)
    audit_append(complaint=complaint, actor=actor, action="personal_data_erased", data={"erasure": erasure.pk, "counts": counts})
    return erasure
