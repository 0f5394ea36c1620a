"""Retention to start with: MiCA 5 years after closure (Delegated Regulation 2025/1140's
minimum), FCA DISP 3 years (DISP 1.9.1). Editable in the admin afterwards."""

from django.db import migrations

DEFAULT_YEARS = {"mica": 5, "fca-disp": 3}


def create_defaults(apps, schema_editor):
    Regime = apps.get_model("escalation", "Regime")
    RetentionPolicy = apps.get_model("compliance", "RetentionPolicy")
    for regime in Regime.objects.filter(code__in=DEFAULT_YEARS):
        RetentionPolicy.objects.get_or_create(regime=regime, defaults={"years": DEFAULT_YEARS[regime.code]})


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0001_seals_holds_retention"),
        ("escalation", "0002_regimes_calendars_policies_rules"),
    ]

    operations = [migrations.RunPython(create_defaults, migrations.RunPython.noop)]
