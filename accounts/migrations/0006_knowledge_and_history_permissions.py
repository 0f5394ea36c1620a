"""Supervisors curate canned responses and help articles; everyone who works complaints reads
the canned responses, a complaint's field history and its audit events."""

import importlib

from django.db import migrations


def sync_roles(apps, schema_editor):
    importlib.import_module("accounts.migrations.0003_roles_and_teams").create_roles_and_teams(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_escalation_role_permissions"),
        ("complaints", "0005_summary_search_statistics"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
