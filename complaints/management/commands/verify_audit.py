from django.core.management.base import BaseCommand, CommandError

from complaints.audit import verify_chains
from complaints.models import AuditChain


class Command(BaseCommand):
    help = "Recompute every audit hash chain; exit non-zero naming the first bad event."

    def handle(self, *args, **options):
        problems = verify_chains()
        first = next(problems, None)
        if first is not None:
            others = sum(1 for _ in problems)
            more = f" (and {others} more chain{'s' if others != 1 else ''})" if others else ""
            raise CommandError(f"audit chain broken: {first}{more}")
        self.stdout.write(self.style.SUCCESS(f"{AuditChain.objects.count()} audit chains verified."))
