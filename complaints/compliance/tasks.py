"""Beat tasks: the daily seal, and the retention sweep. Thin: they call the services."""

from celery import shared_task
from django.utils import timezone

from . import retention, seals
from .models import Seal


@shared_task(autoretry_for=(OSError,), retry_backoff=60, max_retries=10)
def seal_daily() -> str:
    """Publish any seal whose copy was not written yet, then seal today (UTC) once."""
    seals.publish_pending()
    today = timezone.now().date()
    if Seal.objects.filter(sealed_at__date=today).exists():
        return "already sealed today"
    seal = seals.seal_create()
    return f"seal #{seal.seq}: {seal.chain_count} chains" if seal else "nothing changed"


@shared_task
def retention_sweep() -> str:
    erased, skipped = retention.retention_sweep()
    return f"erased {erased}, skipped {skipped}"
