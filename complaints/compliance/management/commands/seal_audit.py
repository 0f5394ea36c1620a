from django.core.management.base import BaseCommand, CommandError

from complaints.compliance import seals


class Command(BaseCommand):
    help = (
        "Seal the audit chains now (the beat task does it daily at 00:05 UTC): sign the heads of every "
        "chain changed since the last seal and write the seal's copy outside the database."
    )

    def handle(self, *args, **options):
        published = seals.publish_pending()
        try:
            seal = seals.seal_create()
        except seals.SealRefused as refused:
            raise CommandError(str(refused)) from refused
        if seal is None:
            self.stdout.write(f"Nothing changed since the last seal ({published} pending copies written).")
            return
        self.stdout.write(self.style.SUCCESS(f"Seal #{seal.seq}: {seal.chain_count} chains, written to {seals.seal_path(seal.seq)}."))
