"""Configuration changes go on the system audit chain, wherever they are made from.

Roles, permissions, approval limits and staff flags decide who may do what to a complaint,
so a change to any of them is recorded like a change to a complaint. Signals catch the admin,
the shell and commands alike; events hold ids and values, never names or e-mail addresses.
"""

from django.contrib.auth.models import Group
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .models import ConflictOfInterest, StaffProfile, User

_STAFF_FLAGS = ("is_active", "is_staff", "is_superuser")


def _current_actor():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _record(action: str, data: dict, complaint=None) -> None:
    from complaints.audit import audit_append

    audit_append(complaint=complaint, actor=_current_actor(), action=action, data=data)


@receiver(pre_save, sender=User)
def _remember_staff_flags(sender, instance, raw, **kwargs):
    if raw or instance.pk is None:
        instance._flags_before = None
        return
    instance._flags_before = User.objects.filter(pk=instance.pk).values(*_STAFF_FLAGS).first()


@receiver(post_save, sender=User)
def _record_staff_flags(sender, instance, created, raw, **kwargs):
    if raw:
        return
    flags = {flag: getattr(instance, flag) for flag in _STAFF_FLAGS}
    before = getattr(instance, "_flags_before", None)
    if (created and (instance.is_staff or instance.is_superuser)) or (before and before != flags):
        _record("user_access_changed", {"user": instance.pk, "before": before, "after": flags})


@receiver(post_save, sender=StaffProfile)
def _record_staff_profile(sender, instance, created, raw, **kwargs):
    if raw:
        return
    _record(
        "staff_profile_saved",
        {
            "user": instance.user_id, "team": instance.team_id, "created": created,
            "approval_limit": instance.approval_limit, "out_of_office": instance.out_of_office,
        },
    )  # fmt: skip


@receiver(m2m_changed, sender=User.groups.through)
def _record_roles(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    users, groups = ([instance.pk], sorted(pk_set or [])) if not reverse else (sorted(pk_set or []), [instance.pk])
    _record("roles_changed", {"change": action.removeprefix("post_"), "users": users, "groups": groups})


@receiver(m2m_changed, sender=Group.permissions.through)
def _record_role_permissions(sender, instance, action, reverse, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"} or reverse:
        return
    _record("role_permissions_changed", {"change": action.removeprefix("post_"), "group": instance.pk, "permissions": sorted(pk_set or [])})


@receiver(post_save, sender=ConflictOfInterest)
def _record_conflict(sender, instance, created, raw, **kwargs):
    if raw or not created:
        return
    from complaints.audit import digest

    data = {"staff": instance.staff_id, "customer": instance.customer_id, "reason_sha256": digest(instance.reason)}
    _record("conflict_declared", data, complaint=instance.complaint)
