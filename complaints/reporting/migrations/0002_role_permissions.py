"""Grant the reporting permissions to the roles (accounts.roles.ROLE_PERMISSIONS): re-runs the
role sync now that this app's models, and so their permissions, exist. It lives here rather
than in accounts so the accounts app keeps a single line of migrations."""

import importlib

from django.db import migrations


def sync_roles(apps, schema_editor):
    importlib.import_module("accounts.migrations.0003_roles_and_teams").create_roles_and_teams(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0001_initial"),
        ("accounts", "0006_knowledge_and_history_permissions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
