"""Celery tasks of the channels: fetching the desk's mailbox."""

import logging

from celery import shared_task

from .mail.fetch import fetch_configured

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def fetch_mail() -> int:
    """Beat runs this every REDRESS_MAIL_FETCH_SECONDS when IMAP or a Maildir is configured.
    Overlapping runs are safe: each message is claimed once, by its Message-ID."""
    processed = fetch_configured()
    if processed:
        logger.info("processed %s inbound e-mails", processed)
    return processed
