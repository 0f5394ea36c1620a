"""Whoever works complaints reads the inbound e-mail log and its quarantine; supervisors create
and revoke the intake API's integrations (accounts.roles.ROLE_PERMISSIONS)."""

import importlib

from django.db import migrations


def sync_roles(apps, schema_editor):
    importlib.import_module("accounts.migrations.0003_roles_and_teams").create_roles_and_teams(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("channels", "0001_initial"),
        ("accounts", "0006_knowledge_and_history_permissions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
