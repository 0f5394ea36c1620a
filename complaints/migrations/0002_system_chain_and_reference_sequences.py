"""The system audit chain, and on PostgreSQL one reference sequence per year.

Sequences hand out CMP-YYYY-NNNNNNN numbers without holding a lock for the filing
transaction; they are made ahead for the years the desk will run.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64
YEARS = range(2020, 2100)


def create_system_chain(apps, schema_editor):
    AuditChain = apps.get_model("complaints", "AuditChain")
    AuditChain.objects.get_or_create(is_system=True, defaults={"head_hash": GENESIS_HASH})


def create_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for year in YEARS:
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS complaint_reference_{year}")


def drop_sequences(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for year in YEARS:
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS complaint_reference_{year}")


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [
        migrations.RunPython(create_system_chain, migrations.RunPython.noop),
        migrations.RunPython(create_sequences, drop_sequences),
    ]
