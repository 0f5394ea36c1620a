"""Grant the roles their permissions on the escalation app's models, now that they exist."""

import importlib

from django.db import migrations


def sync_roles(apps, schema_editor):
    importlib.import_module("accounts.migrations.0003_roles_and_teams").create_roles_and_teams(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_console_and_portal_models"),
        ("escalation", "0002_regimes_calendars_policies_rules"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
