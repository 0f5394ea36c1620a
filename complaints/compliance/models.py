"""Seals over the audit chains, legal holds, retention periods and the erasures they lead to."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Seal(models.Model):
    """A daily (UTC) signature over the heads of every chain changed since the previous seal.

    `digest` = sha256(prev_digest + canonical(seq, sealed_at, heads_digest, chain_count));
    `signature` = HMAC-SHA256(AUDIT_SEAL_KEY, digest). The key is never in the database, and
    each seal is also written outside it (a file, optionally a URL), so someone who can write to
    the database can neither forge a seal nor quietly remove one.
    """

    seq = models.PositiveBigIntegerField(unique=True)
    sealed_at = models.DateTimeField(help_text=_("The moment of the snapshot the heads were read in."))
    chain_count = models.PositiveIntegerField()
    heads_digest = models.CharField(max_length=64)
    prev_digest = models.CharField(max_length=64)
    digest = models.CharField(max_length=64)
    signature = models.CharField(max_length=64)
    published_at = models.DateTimeField(null=True, blank=True, help_text=_("When its copy was written outside the database."))

    class Meta:
        ordering = ["-seq"]
        permissions = [("verify_audit", "Can verify the audit chains and seals")]

    def __str__(self):
        return f"seal #{self.seq} ({self.sealed_at:%Y-%m-%d %H:%M} UTC)"


class SealedHead(models.Model):
    """One chain's head as a seal recorded it. A plain chain id, not a foreign key: a seal must
    outlive the chain it names, so that deleting the chain is what gets caught."""

    seal = models.ForeignKey(Seal, on_delete=models.PROTECT, related_name="heads")
    chain_id = models.BigIntegerField()
    head_seq = models.PositiveBigIntegerField()
    head_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["seal", "chain_id"], name="sealed_head_once")]
        indexes = [models.Index(fields=["chain_id", "head_seq"], name="sealed_head_by_chain")]

    def __str__(self):
        return f"chain {self.chain_id} #{self.head_seq} in seal {self.seal_id}"


class LegalHoldQuerySet(models.QuerySet):
    def standing(self):
        return self.filter(lifted_at__isnull=True)

    def covering(self, complaint):
        return self.filter(Q(complaint_id=complaint.pk) | Q(customer_id=complaint.customer_id))


class LegalHold(models.Model):
    """Litigation, an investigation or a regulator's request: while it stands, the complaint (or
    every complaint of the customer) is neither archived nor erased."""

    complaint = models.ForeignKey(
        "complaints.Complaint", null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds"
    )
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="legal_holds"
    )
    reason = models.TextField()
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField()
    lift_reason = models.TextField(blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(complaint__isnull=False, customer__isnull=True) | Q(complaint__isnull=True, customer__isnull=False),
                name="hold_names_complaint_or_customer",
            ),
        ]
        indexes = [
            models.Index(fields=["customer"], name="hold_standing_customer", condition=Q(lifted_at__isnull=True)),
            models.Index(fields=["complaint"], name="hold_standing_complaint", condition=Q(lifted_at__isnull=True)),
        ]

    def __str__(self):
        return f"legal hold {self.pk} on {self.complaint or self.customer}"

    @property
    def is_standing(self) -> bool:
        return self.lifted_at is None


class RetentionPolicy(models.Model):
    """How long a regime's complaints keep their personal data after closure. Complaints under a
    regime with no policy keep it for settings.REDRESS_RETENTION_DEFAULT_YEARS."""

    # A deleted regime takes its period with it; its complaints then keep the default.
    regime = models.OneToOneField("escalation.Regime", on_delete=models.CASCADE, related_name="retention")
    years = models.PositiveSmallIntegerField(help_text=_("Years after closure before personal data is erased."))

    class Meta:
        ordering = ["regime__name"]
        verbose_name_plural = _("retention policies")

    def __str__(self):
        return f"{self.regime}: {self.years} years"


class Erasure(models.Model):
    """A complaint whose personal data was erased after its retention period: what was done, in
    counts. The same counts are on the complaint's audit chain."""

    complaint = models.OneToOneField("complaints.Complaint", on_delete=models.PROTECT, related_name="erasure")
    erased_at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-erased_at"]

    def __str__(self):
        return f"erasure of {self.complaint_id}"


class ComplianceAccess(models.Model):
    """Holds the compliance pages' permissions (no rows)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_dossier", "Can read and export complaint dossiers"),
            ("view_audit_log", "Can read the global audit log"),
            ("export_subject_access", "Can export a customer's data (subject access)"),
        ]
