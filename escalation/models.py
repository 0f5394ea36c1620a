"""Deadlines, escalation and routing.

Configuration (admin-managed, every change on the system audit chain): business calendars,
SLA policies, regulatory regimes and escalation rules. Per complaint: its clock row (the
current due times, recomputed by the services, not history-tracked), the pauses of its SLA
clock, deadline extensions, the firings the sweep has claimed, account-freeze requests,
external referrals and the supervisors' queue.

"At risk" and "breached" are never stored: they are due times compared with now.
"""

import uuid
import zoneinfo
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.choices import Category, Channel, Priority

from .calendar import MIDNIGHT, CalendarSpec


def _codes(text: str) -> list[str]:
    return [code.strip().upper() for code in (text or "").replace(";", ",").split(",") if code.strip()]


def _lower_codes(text: str) -> list[str]:
    return [code.lower() for code in _codes(text)]


class TimeBasis(models.TextChoices):
    BUSINESS = "business", _("Business time (the calendar's working hours)")
    CALENDAR = "calendar", _("Calendar time (around the clock)")


class PeriodUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")
    BUSINESS_DAYS = "business_days", _("business days")
    WEEKS = "weeks", _("weeks")
    MONTHS = "months", _("months")


class ClockKind(models.TextChoices):
    """The clocks a complaint runs: the desk's SLA targets and the regulator's deadlines."""

    FIRST_RESPONSE = "first_response", _("First response (SLA)")
    NEXT_UPDATE = "next_update", _("Next update (SLA)")
    RESOLUTION = "resolution", _("Resolution (SLA)")
    ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement (regulatory)")
    DECISION = "decision", _("Decision (regulatory)")


SLA_CLOCKS = (ClockKind.FIRST_RESPONSE, ClockKind.NEXT_UPDATE, ClockKind.RESOLUTION)
REGULATORY_CLOCKS = (ClockKind.ACKNOWLEDGEMENT, ClockKind.DECISION)


# --- Business calendars ------------------------------------------------------------------------------


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise ValidationError(_("“%(zone)s” is not a time zone (e.g. Europe/London).") % {"zone": value}) from error


class BusinessCalendar(models.Model):
    name = models.CharField(max_length=100, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    is_default = models.BooleanField(
        default=False, help_text=_("Used by policies and regimes that name no calendar.")
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_calendar")
        ]

    def __str__(self):
        return f"{self.name} ({self.time_zone})"

    def spec(self) -> CalendarSpec:
        hours: dict[int, list] = {}
        for row in self.working_hours.all():
            hours.setdefault(row.weekday, []).append((row.opens, row.closes))
        return CalendarSpec(
            zone=zoneinfo.ZoneInfo(self.time_zone),
            hours={day: tuple(sorted(intervals)) for day, intervals in hours.items()},
            holidays=frozenset(holiday.date for holiday in self.holidays.all()),
        )


class WorkingHours(models.Model):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField(help_text=_("00:00 means midnight at the end of the day."))

    class Meta:
        ordering = ["calendar", "weekday", "opens"]
        verbose_name_plural = _("working hours")
        constraints = [
            models.UniqueConstraint(fields=["calendar", "weekday", "opens"], name="working_hours_once"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"

    def clean(self):
        if self.opens is not None and self.closes is not None and self.closes != MIDNIGHT and self.closes <= self.opens:
            raise ValidationError({"closes": _("Closing time must be after opening time (00:00 for midnight).")})


class Holiday(models.Model):
    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="holidays")
    date = models.DateField()
    name = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["calendar", "date"]
        constraints = [models.UniqueConstraint(fields=["calendar", "date"], name="holiday_once")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}".strip()


# --- SLA policies --------------------------------------------------------------------------------------

HOURS = {"max_digits": 7, "decimal_places": 2, "validators": [MinValueValidator(Decimal("0.01"))]}


class SlaPolicy(models.Model):
    """The desk's own targets. The most specific active policy for a complaint's priority,
    category and channel applies (a blank field matches anything)."""

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    channel = models.CharField(max_length=16, choices=Channel.choices, blank=True)
    time_basis = models.CharField(max_length=8, choices=TimeBasis.choices, default=TimeBasis.BUSINESS)
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("For business time; the default calendar when empty."),
    )  # fmt: skip
    first_response_hours = models.DecimalField(**HOURS)
    next_update_hours = models.DecimalField(
        **HOURS, null=True, blank=True, help_text=_("After each customer message; empty: no target.")
    )
    resolution_hours = models.DecimalField(**HOURS)
    at_risk_percent = models.PositiveSmallIntegerField(
        default=75, validators=[MinValueValidator(1), MaxValueValidator(99)],
        help_text=_("A target is at risk once this share of its time is used."),
    )  # fmt: skip

    class Meta:
        ordering = ["priority", "category", "channel", "name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self):
        return self.name

    @property
    def specificity(self) -> int:
        return 4 * bool(self.priority) + 2 * bool(self.category) + bool(self.channel)

    def matches(self, *, priority: str, category: str, channel: str) -> bool:
        return all(not mine or mine == theirs for mine, theirs in (
            (self.priority, priority), (self.category, category), (self.channel, channel)
        ))  # fmt: skip


# --- Regulatory regimes ----------------------------------------------------------------------------------


class Regime(models.Model):
    """A regulator's deadlines, counted from the date of receipt. A complaint gets one at
    intake from the customer's jurisdiction (or the default) and keeps it."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    citation = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    is_default = models.BooleanField(default=False, help_text=_("For customers whose jurisdiction no regime names."))
    jurisdictions = models.TextField(
        blank=True, help_text=_("ISO 3166 country codes, comma-separated (e.g. DE, FR, IE).")
    )
    calendar = models.ForeignKey(
        BusinessCalendar, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
        help_text=_("Counts business days and the local end of day; the default calendar when empty."),
    )  # fmt: skip
    acknowledgement_amount = models.PositiveSmallIntegerField(default=1)
    acknowledgement_unit = models.CharField(max_length=16, choices=PeriodUnit.choices, default=PeriodUnit.BUSINESS_DAYS)
    decision_amount = models.PositiveSmallIntegerField()
    decision_unit = models.CharField(max_length=16, choices=PeriodUnit.choices)
    summary_resolution_amount = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("A quick answer within this period may be a summary resolution.")
    )
    summary_resolution_unit = models.CharField(max_length=16, choices=PeriodUnit.choices, blank=True)
    extension_limit_amount = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("An extended decision date may be at most this long after receipt; empty: no limit.")
    )
    extension_limit_unit = models.CharField(max_length=16, choices=PeriodUnit.choices, blank=True)
    at_risk_percent = models.PositiveSmallIntegerField(default=75, validators=[MinValueValidator(1), MaxValueValidator(99)])

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_regime")
        ]

    def __str__(self):
        return self.name

    @property
    def jurisdiction_codes(self) -> list[str]:
        return _codes(self.jurisdictions)

    def clean(self):
        for field in ("summary_resolution", "extension_limit"):
            if (getattr(self, f"{field}_amount") is None) != (not getattr(self, f"{field}_unit")):
                raise ValidationError({f"{field}_unit": _("Give both the amount and the unit, or neither.")})


class RegimeRule(models.Model):
    """A different decision deadline for some complaints under a regime: e.g. DISP's 15
    business days (35 at most) for payment-services complaints."""

    regime = models.ForeignKey(Regime, on_delete=models.CASCADE, related_name="rules")
    name = models.CharField(max_length=100)
    categories = models.TextField(help_text=_("Category codes, comma-separated (e.g. deposit_withdrawal)."))
    assets = models.TextField(blank=True, help_text=_("Only for these disputed assets (e.g. GBP, EUR); empty: any."))
    decision_amount = models.PositiveSmallIntegerField()
    decision_unit = models.CharField(max_length=16, choices=PeriodUnit.choices)
    extension_limit_amount = models.PositiveSmallIntegerField(null=True, blank=True)
    extension_limit_unit = models.CharField(max_length=16, choices=PeriodUnit.choices, blank=True)

    class Meta:
        ordering = ["regime", "name"]

    def __str__(self):
        return f"{self.regime}: {self.name}"

    def matches(self, *, category: str, asset: str) -> bool:
        assets = _codes(self.assets)
        return category in _lower_codes(self.categories) and (not assets or (asset or "").upper() in assets)


# --- Escalation rules ------------------------------------------------------------------------------------


class EscalationRule(models.Model):
    class Trigger(models.TextChoices):
        AT_RISK = "at_risk", _("At risk")
        BREACHED = "breached", _("Breached")

    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    clock = models.CharField(max_length=16, choices=ClockKind.choices)
    trigger = models.CharField(max_length=8, choices=Trigger.choices)
    delay = models.DurationField(
        default=timedelta(0), help_text=_("Fire this long after the clock becomes at risk or breached.")
    )
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True, help_text=_("Empty: any priority."))
    notify_assignee = models.BooleanField(default=False, help_text=_("The handler, or the supervisors when nobody handles it."))
    notify_supervisors = models.BooleanField(default=False)
    move_to_tier_two = models.BooleanField(default=False, help_text=_("Hand the complaint to the least-loaded available supervisor."))
    raise_priority = models.BooleanField(default=False, help_text=_("One step up, P4 to P1."))

    class Meta:
        ordering = ["clock", "trigger", "delay", "id"]

    def __str__(self):
        return self.name

    @property
    def key(self) -> str:
        return f"rule:{self.pk}"

    def applies_to(self, priority: str) -> bool:
        return self.is_active and (not self.priority or self.priority == priority)

    def clean(self):
        if not (self.notify_assignee or self.notify_supervisors or self.move_to_tier_two or self.raise_priority):
            raise ValidationError(_("Choose at least one action."))
        if self.delay is not None and self.delay < timedelta(0):
            raise ValidationError({"delay": _("The delay can't be negative.")})


class ConfigurationVersion(models.Model):
    """One row: bumped by every edit to calendars, policies, regimes and rules; the sweep
    recomputes the open complaints' clocks when it is ahead of what was last applied."""

    version = models.PositiveBigIntegerField(default=0)
    # A new random token with every bump: processes cache the configuration under it, and a
    # token never comes back (a version number could, after a rolled-back edit).
    token = models.UUIDField(default=uuid.uuid4)
    applied_version = models.PositiveBigIntegerField(default=0)
    applied_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"configuration v{self.version} (applied v{self.applied_version})"


# --- Per complaint -----------------------------------------------------------------------------------------


class ComplaintClock(models.Model):
    """A complaint's current due times, one row per complaint.

    Due and at-risk columns hold a moment only while that clock runs: NULL when it is met,
    stopped, paused or not started. Step columns hold the moment the sweep is to take an
    automatic step. `next_due_at`/`next_at_risk_at` are the earliest of the running clocks
    (the queues' "next deadline"); `next_check_at` is the sweep's cursor: the earliest moment
    anything may come due, so the sweep reads only the rows it has to.
    """

    complaint = models.OneToOneField(
        "complaints.Complaint", primary_key=True, on_delete=models.CASCADE, related_name="clock"
    )
    regime = models.ForeignKey(Regime, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    regime_rule = models.ForeignKey(RegimeRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    sla_policy = models.ForeignKey(SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tier = models.PositiveSmallIntegerField(default=1)

    first_response_due_at = models.DateTimeField(null=True, blank=True)
    first_response_at_risk_at = models.DateTimeField(null=True, blank=True)
    next_update_started_at = models.DateTimeField(null=True, blank=True)
    next_update_due_at = models.DateTimeField(null=True, blank=True)
    next_update_at_risk_at = models.DateTimeField(null=True, blank=True)
    resolution_due_at = models.DateTimeField(null=True, blank=True)
    resolution_at_risk_at = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)

    acknowledgement_due_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_at_risk_at = models.DateTimeField(null=True, blank=True)
    decision_due_at = models.DateTimeField(null=True, blank=True)
    decision_at_risk_at = models.DateTimeField(null=True, blank=True)
    summary_resolution_ends_at = models.DateTimeField(null=True, blank=True)

    reminder_at = models.DateTimeField(null=True, blank=True)
    deemed_acceptance_at = models.DateTimeField(null=True, blank=True)
    no_response_close_at = models.DateTimeField(null=True, blank=True)
    appeal_close_at = models.DateTimeField(null=True, blank=True)
    archive_at = models.DateTimeField(null=True, blank=True)

    next_due_at = models.DateTimeField(null=True, blank=True)
    next_at_risk_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["next_check_at", "complaint"], name="clock_sweep", condition=Q(next_check_at__isnull=False)),
            # Queues: "soonest deadline first" walks this in order (NULLs, no running clock, last);
            # "breached" is a range on it; "at risk" a range on the next, checking due in the index.
            models.Index(fields=["next_due_at", "complaint"], name="clock_next_due_order"),
            models.Index(fields=["next_at_risk_at", "next_due_at"], name="clock_at_risk_range", condition=Q(next_at_risk_at__isnull=False)),
            models.Index(fields=["decision_due_at"], name="clock_decision_due", condition=Q(decision_due_at__isnull=False)),
            models.Index(fields=["resolution_due_at"], name="clock_resolution_due", condition=Q(resolution_due_at__isnull=False)),
            models.Index(fields=["first_response_due_at"], name="clock_first_response_due", condition=Q(first_response_due_at__isnull=False)),
        ]  # fmt: skip

    def __str__(self):
        return f"clocks of {self.complaint_id}"


class ClockPause(models.Model):
    """A stretch in awaiting_customer, during which the SLA clocks stand still."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="clock_pauses")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["complaint", "started_at"]
        indexes = [models.Index(fields=["complaint", "started_at"], name="pause_by_complaint")]
        constraints = [
            models.UniqueConstraint(fields=["complaint"], condition=Q(ended_at__isnull=True), name="one_open_pause"),
        ]

    def __str__(self):
        return f"pause of {self.complaint_id} from {self.started_at:%Y-%m-%d %H:%M}"


class DeadlineExtension(models.Model):
    """A new decision date, with the reason the customer was given."""

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, related_name="deadline_extensions")
    clock = models.CharField(max_length=16, choices=ClockKind.choices, default=ClockKind.DECISION)
    previous_due_at = models.DateTimeField()
    new_due_at = models.DateTimeField()
    reason = models.TextField()
    extended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["complaint", "created_at", "id"]
        indexes = [models.Index(fields=["complaint", "clock", "-created_at"], name="extension_latest")]
        constraints = [
            models.CheckConstraint(condition=Q(new_due_at__gt=models.F("previous_due_at")), name="extension_moves_later"),
        ]

    def __str__(self):
        return f"{self.get_clock_display()} of {self.complaint_id} to {self.new_due_at:%Y-%m-%d}"


class Firing(models.Model):
    """One rule or automatic step, claimed once for (complaint, key, anchor).

    The key names the rule ("rule:7") or step ("step:archive"); the anchor is the due time it
    fired for — for SLA clocks their start, since their due time moves with pauses and
    priority. The sweep claims with INSERT … ON CONFLICT DO NOTHING, so overlapping sweeps
    and retried tasks claim each firing once; the executor does the work once, under a lock.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped (the service refused)")
        STALE = "stale", _("Stale (no longer due)")
        FAILED = "failed", _("Failed")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="escalation_firings")
    key = models.CharField(max_length=40)
    anchor_at = models.DateTimeField()
    rule = models.ForeignKey(EscalationRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="firings")
    due_at = models.DateTimeField(help_text=_("When it came due."))
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    claimed_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["complaint", "key", "anchor_at"], name="firing_once")]
        indexes = [
            models.Index(fields=["claimed_at"], name="firing_pending", condition=Q(status="pending")),
        ]

    def __str__(self):
        return f"{self.key} on {self.complaint_id} at {self.due_at:%Y-%m-%d %H:%M}"


class FreezeRequest(models.Model):
    """A request to the exchange to freeze an account whose funds are at risk.

    Recorded whether or not a webhook is configured; sent by a Celery task with retries. One
    that came through an unverified channel (e-mail) waits for a member of staff to confirm.
    """

    class Status(models.TextChoices):
        AWAITING_CONFIRMATION = "awaiting", _("Awaiting staff confirmation")
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        REJECTED = "rejected", _("Rejected by staff")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, related_name="freeze_requests")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    verified_channel = models.BooleanField()
    status = models.CharField(max_length=8, choices=Status.choices)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    requested_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=1000, blank=True)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["updated_at"], name="freeze_open", condition=Q(status__in=["awaiting", "pending"])),
        ]

    def __str__(self):
        return f"freeze request for {self.complaint_id} ({self.get_status_display()})"


class ExternalReferral(models.Model):
    """Where the customer may take the complaint next, recorded with an appeal decision."""

    class Kind(models.TextChoices):
        ADR = "adr", _("Alternative dispute resolution")
        ARBITRATION = "arbitration", _("Arbitration")
        OMBUDSMAN = "ombudsman", _("Ombudsman")
        COURT = "court", _("Court")
        REGULATOR = "regulator", _("Regulator")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.PROTECT, related_name="external_referrals")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    body = models.CharField(max_length=200, help_text=_("The body's name, e.g. Financial Ombudsman Service."))
    date = models.DateField(help_text=_("The date of the referral, or the last day the customer may refer."))
    reference = models.CharField(max_length=100, blank=True, help_text=_("The body's case reference, when known."))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["complaint", "created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.body}"


class SupervisorQueueItem(models.Model):
    """Something only a supervisor can sort out: an appeal nobody is eligible to review, a
    breach with no supervisor free, a freeze request that could not be sent."""

    class Reason(models.TextChoices):
        APPEAL_UNASSIGNED = "appeal_unassigned", _("Appeal with no eligible reviewer")
        NO_SUPERVISOR = "no_supervisor", _("Escalated with no supervisor available")
        FREEZE_FAILED = "freeze_failed", _("Freeze request could not be sent")

    complaint = models.ForeignKey("complaints.Complaint", on_delete=models.CASCADE, related_name="supervisor_queue_items")
    reason = models.CharField(max_length=24, choices=Reason.choices)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["created_at"], name="supervisor_queue_open", condition=Q(resolved_at__isnull=True)),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "reason"], condition=Q(resolved_at__isnull=True), name="one_open_item_per_reason"
            ),
        ]

    def __str__(self):
        return f"{self.get_reason_display()}: {self.complaint_id}"
