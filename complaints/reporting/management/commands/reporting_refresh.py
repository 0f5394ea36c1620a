"""manage.py reporting_refresh [--full] [--recent]: (re)build the report facts and roll-ups."""

import time

from django.core.management.base import BaseCommand

from complaints.reporting import refresh


class Command(BaseCommand):
    help = "Rebuild the report facts and daily roll-ups with set-based SQL (after a bulk load, or to repair)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="start from empty tables: recompute every step limit, "
                            "and credit decisions to the current team (the team at decision is otherwise kept)")  # fmt: skip
        parser.add_argument("--recent", action="store_true", help="only the complaints changed since the last refresh")

    def handle(self, *args, full=False, recent=False, **options):
        started = time.monotonic()
        if recent:
            count = refresh.refresh_recent()
            while count:
                count = refresh.refresh_recent()
            self.stdout.write(f"reporting_refresh: recent changes applied in {time.monotonic() - started:.1f}s")
            return
        counts = refresh.refresh_all(full=full)
        self.stdout.write(
            f"reporting_refresh: {counts['facts']} facts, {counts['limits']} step limits computed, "
            f"roll-ups rebuilt in {time.monotonic() - started:.1f}s"
        )
