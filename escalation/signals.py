"""Configuration changes go on the system audit chain and schedule a recomputation.

Calendars, working hours, holidays, SLA policies, regimes and escalation rules decide when a
complaint is due and what happens then, so an edit to any of them is recorded like a change
to a complaint (ids, codes and numbers; names and free text as digests), and bumps the
configuration version: the next sweep recomputes the open complaints' clocks, once, and every
process reloads its cached copy (escalation.terms) on its next use. Edit configuration with
save() or delete(), as the admin does: QuerySet.update() sends no signal.
"""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import DecimalField, F
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from simple_history.models import HistoricalRecords

from .models import (
    BusinessCalendar,
    ConfigurationVersion,
    EscalationRule,
    Holiday,
    Regime,
    RegimeRule,
    SlaPolicy,
    WorkingHours,
)

CONFIGURATION = (BusinessCalendar, WorkingHours, Holiday, SlaPolicy, Regime, RegimeRule, EscalationRule)


def _current_actor():
    request = getattr(HistoricalRecords.context, "request", None)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _value(field, value):
    """What the event holds for a field: codes and numbers as they are, free text as a digest."""
    from complaints.audit import digest

    if isinstance(field, DecimalField) and value is not None:
        return field.to_python(value).quantize(Decimal(10) ** -field.decimal_places)
    if value is None or isinstance(value, bool | int | Decimal):
        return value
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if getattr(field, "choices", None):
        return value
    return {"sha256": digest(str(value))}


def snapshot(instance) -> dict:
    return {field.attname: _value(field, getattr(instance, field.attname)) for field in instance._meta.concrete_fields}


def _bump_version() -> None:
    version, _created = ConfigurationVersion.objects.get_or_create(pk=1)
    ConfigurationVersion.objects.filter(pk=version.pk).update(version=F("version") + 1, token=uuid.uuid4())


def _record(action: str, instance) -> None:
    from complaints.audit import audit_append

    audit_append(
        complaint=None, actor=_current_actor(), action=action,
        data={"model": instance._meta.label_lower, "id": instance.pk, "values": snapshot(instance)},
    )  # fmt: skip
    _bump_version()


@receiver(post_save)
def _configuration_saved(sender, instance, created, raw, **kwargs):
    if raw or sender not in CONFIGURATION:
        return
    _record(f"{sender._meta.model_name}_{'created' if created else 'changed'}", instance)


@receiver(post_delete)
def _configuration_deleted(sender, instance, **kwargs):
    if sender not in CONFIGURATION:
        return
    _record(f"{sender._meta.model_name}_deleted", instance)
