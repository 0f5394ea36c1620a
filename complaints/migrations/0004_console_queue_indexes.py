"""Indexes for the console's queues, and on PostgreSQL a trigram index for summary search.

The console searches summaries with `icontains`, which Django writes as
UPPER("summary") LIKE UPPER('%…%'); the trigram index is on that same expression so the
planner can use it. SQLite has no trigram index and scans (it only runs the demo).
"""

from django.conf import settings
from django.db import migrations, models


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS complaint_summary_trgm ON complaints_complaint "
        "USING gin (UPPER(summary) gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS complaint_summary_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_console_and_portal_models'),
        ('complaints', '0003_console_and_portal_models'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(condition=models.Q(('state__in', ['received', 'triage', 'awaiting_customer', 'investigating', 'awaiting_approval', 'resolution_proposed', 'resolved', 'appealed'])), fields=['-received_at', '-id'], name='complaint_open_recent'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(condition=models.Q(('state__in', ['received', 'triage', 'awaiting_customer', 'investigating', 'awaiting_approval', 'resolution_proposed', 'resolved', 'appealed'])), fields=['team', '-received_at', '-id'], name='complaint_team_open'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(condition=models.Q(('state__in', ['received', 'triage', 'awaiting_customer', 'investigating', 'awaiting_approval', 'resolution_proposed', 'resolved', 'appealed'])), fields=['assignee', '-received_at', '-id'], name='complaint_assignee_open'),
        ),
        migrations.AddIndex(
            model_name='complaint',
            index=models.Index(fields=['team', 'state', '-received_at', '-id'], name='complaint_team_state_recent'),
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
