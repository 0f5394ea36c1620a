"""What the channels keep: each inbound e-mail once, and the integrations allowed to use the API.

An inbound e-mail's row is claimed (inserted, unique on its Message-ID and sender) in the
transaction that acts on it, so a retried fetch or a second worker never acts twice; a stranger
reusing someone's Message-ID can't make the desk skip that person's message. Raw bytes are kept
only for quarantined mail, which staff must be able to read; they are personal data, and
`erase()` clears them when retention says so.
"""

import hashlib

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.choices import Channel


class InboundEmail(models.Model):
    class Outcome(models.TextChoices):
        COMPLAINT = "complaint", _("New complaint")
        MESSAGE = "message", _("Added to a complaint")
        IGNORED = "ignored", _("Ignored (automatic mail)")
        QUARANTINED = "quarantined", _("Quarantined")

    class Reason(models.TextChoices):
        NONE = "", _("—")
        AUTO_REPLY = "auto_reply", _("Automatic reply")
        BOUNCE = "bounce", _("Delivery report (bounce)")
        MAILING_LIST = "list", _("Bulk or mailing-list mail")
        UNPARSEABLE = "unparseable", _("Could not be read as an e-mail")
        DMARC_FAIL = "dmarc_fail", _("The receiving server reports a DMARC failure")
        BAD_TOKEN = "bad_token", _("Reply address with an unknown or wrong reply token")
        WRONG_SENDER = "wrong_sender", _("Reply from an address that is not the customer's")
        NO_TOKEN = "no_token", _("Names a complaint reference but has no reply token")
        COMPLAINT_CLOSED = "complaint_closed", _("Reply to a complaint that takes no more messages")
        NO_SENDER = "no_sender", _("No usable sender address")
        NOT_A_CUSTOMER = "not_a_customer", _("Sender is staff or an inactive account")
        REFUSED = "refused", _("Refused by the desk's rules")

    claim_key = models.CharField(
        max_length=64, unique=True, editable=False,
        help_text=_("Digest of the Message-ID and the sender (of the raw bytes for unreadable mail): each is acted on once."),
    )  # fmt: skip
    message_id = models.CharField(
        max_length=255, editable=False, db_index=True,
        help_text=_("The Message-ID, or a digest of the raw message when it has none."),
    )  # fmt: skip
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=24, choices=Reason.choices, blank=True)
    sender = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True, help_text=_("What was not taken: refused attachments, parse errors."))
    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound_emails"
    )
    added_message = models.ForeignKey(
        "complaints.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    raw = models.BinaryField(blank=True, default=b"", editable=False)
    raw_size = models.PositiveIntegerField(default=0)
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("inbound e-mail")
        verbose_name_plural = _("inbound e-mails")
        indexes = [models.Index(fields=["outcome", "-received_at"], name="inbound_by_outcome")]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.message_id}"

    def erase(self) -> None:
        """Drop the personal data (raw bytes, sender, subject); the row and its claim key (a
        digest) stay, so a redelivery is still recognised."""
        self.raw, self.sender, self.subject, self.notes = b"", "", "", ""
        self.erased_at = timezone.now()
        self.save(update_fields=["raw", "sender", "subject", "notes", "erased_at"])


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class IntegrationQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class Integration(models.Model):
    """A tool allowed to use the intake API (a live-chat tool, a social-media monitor, a forum bot).

    Only a digest of its token is stored; the token itself is shown once, when it is created.
    """

    name = models.CharField(max_length=100, unique=True)
    channel = models.CharField(
        max_length=16, choices=[c for c in Channel.choices if c[0] not in {Channel.WEB, Channel.EMAIL}],
        help_text=_("The channel complaints and replies from this integration are recorded on."),
    )  # fmt: skip
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    token_prefix = models.CharField(
        max_length=12, editable=False, help_text=_("The token's first characters, to recognise it.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = IntegrationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class ApiIntake(models.Model):
    """A complaint filed through the API: which integration filed it, under which Idempotency-Key.

    The integration reads only the complaints it filed; a key reused with a different body is
    refused, because the digest of the first body is kept.
    """

    integration = models.ForeignKey(Integration, on_delete=models.PROTECT, related_name="intakes")
    idempotency_key = models.CharField(max_length=80)
    body_sha256 = models.CharField(max_length=64)
    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.CASCADE, related_name="api_intake")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["integration", "idempotency_key"], name="api_intake_key_once")
        ]

    def __str__(self):
        return f"{self.integration} {self.idempotency_key}"
