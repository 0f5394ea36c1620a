"""Retention periods decide when personal data goes: a change to one is recorded on the system
audit chain like any other configuration change (ids and numbers only)."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .models import RetentionPolicy


def _current_actor():
    """The signed-in user of the admin request making the change (None in a shell or command)."""
    user = getattr(getattr(HistoricalRecords.context, "request", None), "user", None)
    return user if user is not None and user.is_authenticated else None


def _record(action: str, policy: RetentionPolicy) -> None:
    from complaints.audit import audit_append

    audit_append(
        complaint=None, actor=_current_actor(), action=action,
        data={"model": "compliance.retentionpolicy", "id": policy.pk, "regime": policy.regime_id, "years": policy.years},
    )  # fmt: skip


@receiver(post_save, sender=RetentionPolicy)
def _policy_saved(sender, instance, created, raw, **kwargs):
    if not raw:
        _record("retentionpolicy_created" if created else "retentionpolicy_changed", instance)


@receiver(post_delete, sender=RetentionPolicy)
def _policy_deleted(sender, instance, **kwargs):
    _record("retentionpolicy_deleted", instance)
