"""The refresh tasks beat runs (config/settings.py CELERY_BEAT_SCHEDULE). Both are idempotent:
the refresh rewrites rows from the complaints as they are, under the RefreshMark lock."""

import logging

from celery import shared_task

from . import refresh

logger = logging.getLogger(__name__)


@shared_task(ignore_result=True)
def refresh_recent() -> int:
    count = refresh.refresh_recent()
    if count:
        logger.info("reporting: refreshed the facts of %s changed complaints", count)
    return count


@shared_task(ignore_result=True)
def refresh_all() -> dict:
    counts = refresh.refresh_all()
    logger.info("reporting: rebuilt %(facts)s facts (%(limits)s step limits computed)", counts)
    return counts
