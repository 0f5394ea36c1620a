"""Create the teams and the role groups with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

from accounts.roles import ROLE_PERMISSIONS

TEAMS = [
    ("customer_service", "Customer service"),
    ("trade_risk", "Trade risk"),
    ("security", "Security"),
    ("technical", "Technical"),
    ("kyc", "KYC"),
    ("legal", "Legal"),
    ("appeals", "Appeals"),
]


def create_roles_and_teams(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    Team = apps.get_model("accounts", "Team")
    for code, name in TEAMS:
        Team.objects.get_or_create(code=code, defaults={"name": name})
    for role, permissions in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        for dotted in permissions:
            app_label, codename = dotted.split(".")
            # A permission of a model a later migration creates is granted by that migration's
            # re-run of this function (accounts 0005 for escalation).
            permission = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if permission is not None:
                group.permissions.add(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_conflictofinterest"),
        ("complaints", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles_and_teams, migrations.RunPython.noop)]
