"""Grant the roles the compliance pages' permissions, now that they exist (the same role sync
accounts' migrations re-run; kept in this app so two apps never add sibling accounts migrations)."""

import importlib

from django.db import migrations


def sync_roles(apps, schema_editor):
    importlib.import_module("accounts.migrations.0003_roles_and_teams").create_roles_and_teams(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0002_default_retention"),
        ("accounts", "0006_knowledge_and_history_permissions"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
