from django.core.management.base import BaseCommand, CommandError

from complaints.compliance.models import Seal
from complaints.compliance.seals import verify_everything
from complaints.models import AuditChain


class Command(BaseCommand):
    help = (
        "Recompute every audit hash chain and check it against the daily seals (signature, the seal "
        "chain, the copies outside the database); exit non-zero naming the first bad seal or event."
    )

    def handle(self, *args, **options):
        problems = verify_everything()
        first = next(problems, None)
        if first is not None:
            others = sum(1 for _ in problems)
            more = f" (and {others} more chain{'s' if others != 1 else ''})" if others else ""
            raise CommandError(f"audit chain broken: {first}{more}")
        chains, seals = AuditChain.objects.count(), Seal.objects.count()
        self.stdout.write(self.style.SUCCESS(f"{chains} audit chains verified. {seals} seals verified."))
