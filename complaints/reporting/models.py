"""Root causes, incidents, and the tables the reports read.

RootCause and Incident are what staff record. ComplaintFact (one row per complaint) and
DailyRollup (counts per day, team and one dimension) are derived: `reporting_refresh` rebuilds
them with set-based SQL and a periodic task keeps them current (see refresh.py). Nothing in
them is personal data: ids, codes, moments and amounts.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.choices import Category

AMOUNT = {"max_digits": 38, "decimal_places": 18}


class RootCause(models.Model):
    """Why a complaint arose (DISP 1.3.3's root-cause analysis): a short, curated list."""

    code = models.SlugField(max_length=48, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class DecisionRootCause(models.Model):
    """A root cause tagged on a complaint's decision."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="root_cause_tags")
    root_cause = models.ForeignKey(RootCause, on_delete=models.PROTECT, related_name="tags")
    tagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    tagged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["complaint", "root_cause"], name="root_cause_once_per_complaint")]
        indexes = [models.Index(fields=["root_cause", "complaint"], name="root_cause_tag_lookup")]

    def __str__(self):
        return f"{self.root_cause} on {self.complaint_id}"


class Incident(models.Model):
    """One underlying problem many complaints share ("withdrawals on TRON delayed")."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        RESOLVED = "resolved", _("Resolved")

    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    asset = models.CharField(max_length=16, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    is_systemic = models.BooleanField(
        _("systemic issue"), default=False,
        help_text=_("Flag it by hand; an incident with enough linked complaints counts as systemic anyway."),
    )  # fmt: skip
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    complaints = models.ManyToManyField("complaints.Complaint", through="IncidentLink", related_name="incidents")

    class Meta:
        ordering = ["-started_at", "-id"]
        permissions = [("act_on_incident", "Can message all or propose one remedy across an incident's complaints")]

    def __str__(self):
        return self.title


class IncidentLink(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="links")
    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="incident_links")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "complaint"], name="incident_link_once")]
        indexes = [models.Index(fields=["complaint"], name="incident_link_by_complaint")]

    def __str__(self):
        return f"{self.complaint_id} in {self.incident_id}"


# Facts of open complaints with a step not yet taken: the only ones that can be overdue now.
OPEN_STEPS = (Q(acknowledged_at__isnull=True) | Q(decided_at__isnull=True)) & ~Q(state__in=["closed", "archived"])


class ComplaintFact(models.Model):
    """One complaint, flattened for reporting. Step limits (`*_due_at`) are the deadlines that
    applied when the step was taken; `*_seconds` the time the step took."""

    complaint = models.OneToOneField("complaints.Complaint", primary_key=True, on_delete=models.CASCADE, related_name="+")
    received_at = models.DateTimeField()
    received_on = models.DateField()
    acknowledged_at = models.DateTimeField(null=True)
    investigation_started_at = models.DateTimeField(null=True)
    decided_at = models.DateTimeField(null=True)
    decided_on = models.DateField(null=True)
    state = models.CharField(max_length=32)
    team_id = models.BigIntegerField(null=True)  # the team now: volumes are credited to it
    decision_team_id = models.BigIntegerField(null=True)  # the team when the decision was made
    category = models.CharField(max_length=32)
    subcategory = models.CharField(max_length=32)
    channel = models.CharField(max_length=16)
    asset = models.CharField(max_length=16)
    amount_value = models.DecimalField(**AMOUNT, null=True)  # disputed, in the reference currency
    regime_id = models.BigIntegerField(null=True)
    outcome = models.CharField(max_length=16)
    appeal_outcome = models.CharField(max_length=16)
    appealed = models.BooleanField(default=False)
    reopened = models.BooleanField(default=False)
    csat = models.PositiveSmallIntegerField(null=True)
    acknowledgement_seconds = models.FloatField(null=True)
    investigation_seconds = models.FloatField(null=True)
    decision_seconds = models.FloatField(null=True)
    acknowledgement_due_at = models.DateTimeField(null=True)
    investigation_due_at = models.DateTimeField(null=True)
    decision_due_at = models.DateTimeField(null=True)
    deadlines_at = models.DateTimeField(null=True, help_text="When the step limits were last computed.")
    refreshed_at = models.DateTimeField()

    class Meta:
        permissions = [("view_reports", "Can read the staff reports and download them as CSV")]
        indexes = [
            # The step times ride in the indexes, so the percentiles read them by index-only scans.
            models.Index(fields=["received_on", "team_id"], include=["acknowledgement_seconds"], name="fact_received"),
            models.Index(
                fields=["decided_on", "decision_team_id"], include=["investigation_seconds", "decision_seconds"], name="fact_decided"
            ),
            models.Index(fields=["category", "subcategory", "-decided_at"], name="fact_similar", condition=Q(decided_at__isnull=False)),
            # "Overdue now" reads only open complaints with a step still to take (a sixth of the facts), by index only.
            models.Index(
                fields=["received_on", "team_id"], name="fact_open",
                include=["acknowledged_at", "acknowledgement_due_at", "decided_at", "investigation_due_at", "decision_due_at"],
                condition=OPEN_STEPS,
            ),
        ]  # fmt: skip

    def __str__(self):
        return f"facts of {self.complaint_id}"


class DailyRollup(models.Model):
    """Counts for one day, one team and one value of one dimension.

    `basis` says which day: `received` (volumes, acknowledgement) or `decided` (outcomes,
    investigation and decision, appeals, satisfaction, remedies), credited to the team now
    or the team at decision respectively."""

    class Basis(models.TextChoices):
        RECEIVED = "received", _("Date of receipt")
        DECIDED = "decided", _("Date of decision")

    day = models.DateField()
    basis = models.CharField(max_length=8, choices=Basis.choices)
    team_id = models.BigIntegerField(null=True)
    dimension = models.CharField(max_length=16)
    value = models.CharField(max_length=32)
    count = models.PositiveIntegerField(default=0)
    upheld = models.PositiveIntegerField(default=0)
    partly_upheld = models.PositiveIntegerField(default=0)
    not_upheld = models.PositiveIntegerField(default=0)
    acknowledgement_missed = models.PositiveIntegerField(default=0)
    investigation_missed = models.PositiveIntegerField(default=0)
    decision_missed = models.PositiveIntegerField(default=0)
    appealed = models.PositiveIntegerField(default=0)
    appeal_decided = models.PositiveIntegerField(default=0)
    overturned = models.PositiveIntegerField(default=0)
    reopened = models.PositiveIntegerField(default=0)
    csat_count = models.PositiveIntegerField(default=0)
    csat_sum = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(**AMOUNT, default=0)
    amount_value = models.DecimalField(**AMOUNT, default=0)

    class Meta:
        indexes = [models.Index(fields=["basis", "dimension", "day", "team_id"], name="rollup_slice")]

    def __str__(self):
        return f"{self.basis} {self.day} {self.dimension}={self.value}"


class RefreshMark(models.Model):
    """One row: how far the incremental refresh has read the audit events."""

    last_event_id = models.BigIntegerField(default=0)
    refreshed_at = models.DateTimeField(null=True)
