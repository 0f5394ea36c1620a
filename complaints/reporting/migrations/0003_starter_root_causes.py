"""A starter list of root causes (from the seeds' recurring problems); supervisors curate it."""

from django.db import migrations

STARTER = [
    ("network_congestion", "Blockchain network congestion"),
    ("platform_outage", "Exchange system outage"),
    ("platform_error", "Exchange system error"),
    ("risk_control_hold", "Risk-control or compliance hold"),
    ("unclear_terms", "Fees, rules or terms not clear to the customer"),
    ("staff_error", "Staff error or slow handling"),
    ("customer_error", "Customer error (wrong address, network or memo)"),
    ("third_party", "Third party (issuer, bank, other platform)"),
    ("fraud", "Fraud or scam by a third party"),
]


def create(apps, schema_editor):
    RootCause = apps.get_model("reporting", "RootCause")
    for code, name in STARTER:
        RootCause.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("reporting", "0002_role_permissions")]

    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
