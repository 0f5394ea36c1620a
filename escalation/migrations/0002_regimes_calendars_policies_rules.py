"""The configuration Redress starts with, as data: editable in the admin afterwards.

Regimes: MiCA (EU/EEA, the default) — acknowledge promptly, decide within 2 months of
receipt (Regulation (EU) 2023/1114 Art. 71, Delegated Regulation (EU) 2025/294); FCA DISP
(UK) — 8 weeks to a final response, a summary resolution within 3 business days, and for
payment-services complaints (fiat deposits and withdrawals) 15 business days, 35 at most.
Calendars, SLA policies per priority and escalation rules are the desk's own starting point.
"""

from datetime import date, time, timedelta
from decimal import Decimal

from django.db import migrations

EU_EEA = "AT, BE, BG, HR, CY, CZ, DK, EE, FI, FR, DE, GR, HU, IE, IT, LV, LT, LU, MT, NL, PL, PT, RO, SK, SI, ES, SE, IS, LI, NO"
UK_BANK_HOLIDAYS = {
    date(2026, 1, 1): "New Year's Day", date(2026, 4, 3): "Good Friday", date(2026, 4, 6): "Easter Monday",
    date(2026, 5, 4): "Early May bank holiday", date(2026, 5, 25): "Spring bank holiday",
    date(2026, 8, 31): "Summer bank holiday", date(2026, 12, 25): "Christmas Day",
    date(2026, 12, 28): "Boxing Day (substitute day)",
    date(2027, 1, 1): "New Year's Day", date(2027, 3, 26): "Good Friday", date(2027, 3, 29): "Easter Monday",
    date(2027, 5, 3): "Early May bank holiday", date(2027, 5, 31): "Spring bank holiday",
    date(2027, 8, 30): "Summer bank holiday", date(2027, 12, 27): "Christmas Day (substitute day)",
    date(2027, 12, 28): "Boxing Day (substitute day)",
}  # fmt: skip
WEEKDAYS = range(5)
POLICIES = [
    # name, priority, basis, first response, next update, resolution (hours; business = working hours)
    ("Unclassified (before triage)", "", "business", 8, 16, 80),
    ("P1 — critical", "P1", "calendar", 1, 4, 48),
    ("P2 — high", "P2", "business", 4, 8, 40),
    ("P3 — normal", "P3", "business", 8, 16, 80),
    ("P4 — low", "P4", "business", 16, 40, 160),
]
RULES = [
    # name, clock, trigger, notify assignee, notify supervisors, tier two, raise priority
    ("First response at risk: alert the handler", "first_response", "at_risk", True, False, False, False),
    ("First response missed: alert the supervisors", "first_response", "breached", False, True, False, False),
    ("Next update overdue: alert the handler", "next_update", "breached", True, False, False, False),
    ("Resolution at risk: alert the handler", "resolution", "at_risk", True, False, False, False),
    ("Resolution target missed: hand to tier two", "resolution", "breached", False, True, True, False),
    ("Legal deadline at risk: alert handler and supervisors", "decision", "at_risk", True, True, False, False),
    ("Legal deadline missed: escalate", "decision", "breached", False, True, True, True),
]


def load_configuration(apps, schema_editor):
    """Idempotent (the transactional tests run it again after each flush)."""
    Calendar = apps.get_model("escalation", "BusinessCalendar")
    if Calendar.objects.exists():
        return
    WorkingHours = apps.get_model("escalation", "WorkingHours")
    Holiday = apps.get_model("escalation", "Holiday")
    Regime = apps.get_model("escalation", "Regime")
    RegimeRule = apps.get_model("escalation", "RegimeRule")
    SlaPolicy = apps.get_model("escalation", "SlaPolicy")
    Rule = apps.get_model("escalation", "EscalationRule")
    Version = apps.get_model("escalation", "ConfigurationVersion")

    desk = Calendar.objects.create(name="Desk hours (UTC)", time_zone="UTC", is_default=True)
    uk = Calendar.objects.create(name="United Kingdom (England and Wales)", time_zone="Europe/London")
    for calendar in (desk, uk):
        WorkingHours.objects.bulk_create(
            WorkingHours(calendar=calendar, weekday=day, opens=time(9), closes=time(17)) for day in WEEKDAYS
        )
    Holiday.objects.bulk_create(Holiday(calendar=uk, date=day, name=name) for day, name in UK_BANK_HOLIDAYS.items())

    Regime.objects.create(
        code="mica", name="MiCA (EU)", is_default=True, jurisdictions=EU_EEA, calendar=desk,
        citation="Regulation (EU) 2023/1114 Art. 71; Delegated Regulation (EU) 2025/294",
        acknowledgement_amount=1, acknowledgement_unit="business_days", decision_amount=2, decision_unit="months",
    )  # fmt: skip
    disp = Regime.objects.create(
        code="fca-disp", name="FCA DISP (UK)", jurisdictions="GB", calendar=uk, citation="FCA Handbook DISP 1.5, 1.6",
        acknowledgement_amount=1, acknowledgement_unit="business_days", decision_amount=8, decision_unit="weeks",
        summary_resolution_amount=3, summary_resolution_unit="business_days",
        # No extension past 8 weeks: by then the customer gets a final or holding response naming the ombudsman.
        extension_limit_amount=8, extension_limit_unit="weeks",
    )  # fmt: skip
    RegimeRule.objects.create(
        regime=disp, name="Payment services (PSRs 2017)", categories="deposit_withdrawal", assets="GBP, EUR, USD",
        decision_amount=15, decision_unit="business_days", extension_limit_amount=35, extension_limit_unit="business_days",
    )  # fmt: skip

    for name, priority, basis, first, update, resolution in POLICIES:
        SlaPolicy.objects.create(
            name=name, priority=priority, time_basis=basis, first_response_hours=Decimal(first),
            next_update_hours=Decimal(update), resolution_hours=Decimal(resolution),
        )  # fmt: skip
    for name, clock, trigger, assignee, supervisors, tier_two, priority in RULES:
        Rule.objects.create(
            name=name, clock=clock, trigger=trigger, delay=timedelta(0), notify_assignee=assignee,
            notify_supervisors=supervisors, move_to_tier_two=tier_two, raise_priority=priority,
        )  # fmt: skip
    Version.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_clocks_and_escalation")]

    operations = [migrations.RunPython(load_configuration, migrations.RunPython.noop)]
