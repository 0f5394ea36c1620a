import imaplib

from django.core.management.base import BaseCommand, CommandError

from complaints.channels.mail.fetch import fetch_configured, fetch_imap, fetch_maildir


class Command(BaseCommand):
    help = "Fetch the desk's mailbox (REDRESS_IMAP_URL and/or REDRESS_MAILDIR, or the options) once."

    def add_arguments(self, parser):
        parser.add_argument("--maildir", help="Read this Maildir instead of the configured mailbox.")
        parser.add_argument("--imap-url", help="Fetch from this imap(s):// URL instead of the configured one.")

    def handle(self, *args, maildir=None, imap_url=None, **options):
        try:
            if maildir or imap_url:
                processed = (fetch_maildir(maildir) if maildir else 0) + (fetch_imap(imap_url) if imap_url else 0)
            else:
                processed = fetch_configured()
        except (OSError, imaplib.IMAP4.error) as error:
            raise CommandError(f"could not read the mailbox: {error}") from error
        self.stdout.write(f"{processed} message(s) processed")
