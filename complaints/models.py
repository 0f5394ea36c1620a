"""Complaints and everything that hangs off them.

A transition method only moves the state and sets fields on its own row. Checking the actor,
locking, saving, auditing and side effects belong to the service functions in services.py,
which are the only callers of these methods.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm import RETURN_VALUE, ConcurrentTransitionMixin, FSMField, transition

from .choices import (
    APPEALABLE_CLOSURES,
    OPEN_STATES,
    PHASE_OF_STATE,
    AppealOutcome,
    Category,
    Channel,
    ClosureReason,
    IdentifierKind,
    Liability,
    MessageKind,
    Outcome,
    Priority,
    RemedyKind,
    RemedyState,
    State,
    Visibility,
)
from .history import HistoricalRecords

AMOUNT = {"max_digits": 38, "decimal_places": 18}
# Plain strings, so index conditions in migrations don't depend on the enum.
OPEN_STATE_VALUES = [state.value for state in OPEN_STATES]
# Set late in a complaint's life or only for some, so NULL on most rows: each gets a partial index
# without the NULLs (see Complaint.Meta), and filing a complaint writes to none of them.
MOSTLY_NULL_LINKS = ["filed_by", "decider", "approver", "appeal_reviewer", "duplicate_of"]


class ComplaintQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def of_customer(self, user):
        return self.filter(customer=user)


class Complaint(ConcurrentTransitionMixin, models.Model):
    # --- Intake: what the customer tells us (MiCA's complaint template) ----------------------
    reference = models.CharField(max_length=16, editable=False)  # unique: Meta.constraints
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints", db_index=False
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints_filed",
        db_index=False,
        help_text=_("A representative or agent who filed for the customer, if not the customer."),
    )
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    category = models.CharField(max_length=32, choices=Category.choices)
    subcategory = models.CharField(max_length=32, blank=True)
    summary = models.CharField(max_length=200)
    description = models.TextField()
    desired_outcome = models.TextField(_("outcome the customer wants"), blank=True)
    occurred_on = models.DateField(null=True, blank=True)
    disputed_amount = models.DecimalField(**AMOUNT, null=True, blank=True)
    disputed_asset = models.CharField(max_length=16, blank=True)
    disputed_reference_value = models.DecimalField(
        **AMOUNT, null=True, blank=True, help_text=_("Value in the reference currency at receipt.")
    )
    funds_at_risk = models.BooleanField(default=False)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    represented_person = models.CharField(
        _("filed on behalf of"),
        max_length=200,
        blank=True,
        help_text=_("When a representative files for someone else: the person represented."),
    )
    intake_key = models.CharField(
        max_length=80,
        null=True,
        blank=True,
        editable=False,
        help_text=_("Makes filing idempotent: the same key (a form token, an API Idempotency-Key) files once."),
    )

    # --- The lifecycle -----------------------------------------------------------------------
    state = FSMField(default=State.RECEIVED, choices=State.choices, protected=True)
    return_state = models.CharField(max_length=32, blank=True, editable=False)
    acknowledged_at = models.DateTimeField(null=True, blank=True, editable=False)
    information_requested_at = models.DateTimeField(null=True, blank=True, editable=False)
    information_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- Triage ------------------------------------------------------------------------------
    priority = models.CharField(max_length=2, choices=Priority.choices, blank=True)
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="complaints", db_index=False
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_complaints",
        db_index=False,
    )
    investigation_started_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- Resolution --------------------------------------------------------------------------
    outcome = models.CharField(max_length=16, choices=Outcome.choices, blank=True)
    liability = models.CharField(max_length=16, choices=Liability.choices, blank=True)
    reasons = models.TextField(blank=True, help_text=_("Addresses every point the customer raised."))
    recourse = models.TextField(blank=True, help_text=_("The recourse open to the customer."))
    root_cause = models.CharField(max_length=64, blank=True)
    decider = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    approver = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    decided_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("When a decision was last communicated.")
    )
    disputed_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)

    # --- Appeal ------------------------------------------------------------------------------
    appealed_at = models.DateTimeField(null=True, blank=True, editable=False)
    appeal_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    appeal_outcome = models.CharField(max_length=16, choices=AppealOutcome.choices, blank=True)
    appeal_decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    external_recourse = models.TextField(
        blank=True, help_text=_("Bodies the customer may still turn to: ADR, arbitration, ombudsman, court.")
    )

    # --- Archive -----------------------------------------------------------------------------
    closure_reason = models.CharField(max_length=16, choices=ClosureReason.choices, blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="duplicates", db_index=False
    )
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    reopened_at = models.DateTimeField(null=True, blank=True, editable=False)
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)
    legal_hold = models.BooleanField(default=False)

    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # The history is read by complaint (id), by date and by who made the change; the copies of
    # the live table's other indexes simple-history would add only slow down every save.
    history = HistoricalRecords(no_db_index=["received_at", "customer", "team", "assignee", *MOSTLY_NULL_LINKS])
    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-received_at"]
        permissions = [
            ("work_complaint", "Can triage, investigate and resolve complaints"),
            ("approve_resolution", "Can approve a resolution above the proposer's limit"),
            ("decide_appeal", "Can decide appeals"),
            ("reopen_complaint", "Can reopen a closed complaint"),
            ("place_legal_hold", "Can place and lift legal holds"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["reference"], name="complaint_reference_unique"),
            # Only where set: a complaint filed without a key adds nothing to this index. A second
            # INSERT with the same key still fails, which complaint_file relies on.
            models.UniqueConstraint(
                fields=["intake_key"], name="complaint_intake_key_unique", condition=Q(intake_key__isnull=False)
            ),
        ]
        # The foreign keys have no index of their own: customer, team and assignee lead the
        # composite indexes here, and MOSTLY_NULL_LINKS get partial ones. Lookups are by exact
        # value only, so no varchar_pattern_ops (_like) index on reference or state either.
        indexes = [
            models.Index(fields=["state"], name="complaint_state"),
            models.Index(fields=["team", "state"], name="complaint_team_state"),
            models.Index(fields=["assignee", "state"], name="complaint_assignee_state"),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer_recent"),
            # The console's queues (complaints/console/queues.py): each saved queue reads the
            # newest first from one of these and stops after a page. The partial ones hold
            # open complaints only, the working set.
            models.Index(
                fields=["-received_at", "-id"], name="complaint_open_recent", condition=Q(state__in=OPEN_STATE_VALUES)
            ),
            models.Index(
                fields=["team", "-received_at", "-id"], name="complaint_team_open", condition=Q(state__in=OPEN_STATE_VALUES)
            ),
            models.Index(
                fields=["assignee", "-received_at", "-id"], name="complaint_assignee_open",
                condition=Q(state__in=OPEN_STATE_VALUES),
            ),  # fmt: skip
            models.Index(fields=["team", "state", "-received_at", "-id"], name="complaint_team_state_recent"),
            *(
                models.Index(fields=[link], name=f"complaint_{link}", condition=Q(**{f"{link}__isnull": False}))
                for link in MOSTLY_NULL_LINKS
            ),
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        # The admin's edit form carries this number and refuses a save made from a stale copy.
        if self.pk:
            self.version += 1
        super().save(*args, **kwargs)

    # --- Derived facts ------------------------------------------------------------------------
    @property
    def phase(self):
        return PHASE_OF_STATE[State(self.state)]

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def appeal_window_opened_at(self):
        if self.closure_reason == ClosureReason.NO_RESPONSE:
            return self.closed_at
        return self.decided_at

    @property
    def appeal_window_ends_at(self):
        opened = self.appeal_window_opened_at
        return opened + timedelta(days=settings.REDRESS_APPEAL_WINDOW_DAYS) if opened else None

    @property
    def deemed_acceptance_at(self):
        if self.state != State.RESOLUTION_PROPOSED or not self.decided_at:
            return None
        return self.decided_at + timedelta(days=settings.REDRESS_DEEMED_ACCEPTANCE_DAYS)

    @property
    def reopen_by_reply_ends_at(self):
        if self.closure_reason != ClosureReason.NO_RESPONSE or not self.closed_at:
            return None
        return self.closed_at + timedelta(days=settings.REDRESS_REOPEN_WINDOW_DAYS)

    # --- Conditions (read-only; the services check the actor) ---------------------------------
    def is_classified(self) -> bool:
        return bool(self.category and self.priority and self.team_id)

    def not_yet_disputed(self) -> bool:
        return self.disputed_at is None

    def not_yet_appealed(self) -> bool:
        return self.appealed_at is None

    def closure_allows_appeal(self) -> bool:
        return self.state != State.CLOSED or self.closure_reason in APPEALABLE_CLOSURES

    def within_appeal_window(self) -> bool:
        ends = self.appeal_window_ends_at
        return ends is not None and timezone.now() <= ends

    def appeal_window_over(self) -> bool:
        ends = self.appeal_window_ends_at
        if ends is None:
            # An appeal from a no-response closure clears the closing time the window ran
            # from; once that appeal is decided no appeal is left, so nothing to wait for.
            return self.appeal_decided_at is not None
        return timezone.now() > ends

    def remedies_settled(self) -> bool:
        return not self.remedies.exclude(
            state__in=[RemedyState.EXECUTED, RemedyState.CANCELLED]
        ).exists()

    def no_response_period_over(self) -> bool:
        return (
            self.information_reminder_sent_at is not None
            and self.information_requested_at is not None
            and timezone.now()
            >= self.information_requested_at + timedelta(days=settings.REDRESS_NO_RESPONSE_DAYS)
        )

    def archive_period_over(self) -> bool:
        return self.closed_at is not None and timezone.now() >= self.closed_at + timedelta(
            days=settings.REDRESS_ARCHIVE_AFTER_DAYS
        )

    def not_on_legal_hold(self) -> bool:
        return not self.legal_hold

    # --- Transitions ----------------------------------------------------------------------------
    @transition(field=state, source=State.RECEIVED, target=State.TRIAGE)
    def acknowledge(self):
        self.acknowledged_at = timezone.now()

    @transition(
        field=state,
        source=[State.TRIAGE, State.INVESTIGATING, State.APPEALED],
        target=State.AWAITING_CUSTOMER,
    )
    def request_information(self):
        self.return_state = self.state
        self.information_requested_at = timezone.now()
        self.information_reminder_sent_at = None

    @transition(
        field=state,
        source=State.AWAITING_CUSTOMER,
        target=RETURN_VALUE(State.TRIAGE, State.INVESTIGATING, State.APPEALED),
    )
    def receive_information(self):
        came_from, self.return_state = self.return_state, ""
        self.information_requested_at = None
        self.information_reminder_sent_at = None
        return came_from

    @transition(
        field=state,
        source=State.AWAITING_CUSTOMER,
        target=State.CLOSED,
        conditions=[no_response_period_over],
    )
    def close_for_no_response(self):
        self._close(ClosureReason.NO_RESPONSE)

    @transition(field=state, source=State.TRIAGE, target=State.CLOSED)
    def reject_out_of_scope(self, *, decider, reasons: str, referral: str):
        self.decider, self.reasons, self.recourse = decider, reasons, referral
        self.decided_at = timezone.now()
        self._close(ClosureReason.OUT_OF_SCOPE)

    @transition(field=state, source=[State.TRIAGE, State.INVESTIGATING], target=State.CLOSED)
    def close_as_duplicate(self, *, original):
        self.duplicate_of = original
        self.decided_at = timezone.now()
        self._close(ClosureReason.DUPLICATE)

    @transition(
        field=state, source=State.TRIAGE, target=State.INVESTIGATING, conditions=[is_classified]
    )
    def start_investigation(self):
        self.investigation_started_at = timezone.now()

    @transition(
        field=state, source=[State.TRIAGE, State.INVESTIGATING], target=State.RESOLUTION_PROPOSED
    )
    def propose_resolution(self, *, decider, outcome, liability, reasons, recourse):
        self._record_decision(decider, outcome, liability, reasons, recourse)
        self.approver = None
        self.decided_at = timezone.now()

    @transition(field=state, source=State.INVESTIGATING, target=State.AWAITING_APPROVAL)
    def submit_for_approval(self, *, decider, outcome, liability, reasons, recourse):
        self._record_decision(decider, outcome, liability, reasons, recourse)
        self.approver = None

    @transition(field=state, source=State.AWAITING_APPROVAL, target=State.RESOLUTION_PROPOSED)
    def approve_resolution(self, *, approver):
        self.approver = approver
        self.decided_at = timezone.now()

    @transition(field=state, source=State.AWAITING_APPROVAL, target=State.INVESTIGATING)
    def return_for_rework(self):
        self.approver = None

    @transition(field=state, source=State.RESOLUTION_PROPOSED, target=State.RESOLVED)
    def accept_resolution(self):
        self.resolved_at = timezone.now()

    @transition(
        field=state,
        source=State.RESOLUTION_PROPOSED,
        target=State.INVESTIGATING,
        conditions=[not_yet_disputed],
    )
    def dispute_resolution(self):
        self.disputed_at = timezone.now()

    @transition(
        field=state,
        source=[State.RESOLUTION_PROPOSED, State.RESOLVED, State.CLOSED],
        target=State.APPEALED,
        conditions=[not_yet_appealed, closure_allows_appeal, within_appeal_window],
    )
    def appeal(self):
        self.appealed_at = timezone.now()
        self.closure_reason, self.closed_at = "", None

    @transition(field=state, source=State.APPEALED, target=State.RESOLVED)
    def decide_appeal(self, *, reviewer, outcome, external_recourse):
        self.appeal_reviewer = reviewer
        self.appeal_outcome = outcome
        self.external_recourse = external_recourse
        self.appeal_decided_at = timezone.now()
        self.resolved_at = self.appeal_decided_at

    @transition(field=state, source=OPEN_STATES, target=State.CLOSED)
    def withdraw(self):
        self._close(ClosureReason.WITHDRAWN)

    @transition(
        field=state,
        source=State.RESOLVED,
        target=State.CLOSED,
        conditions=[appeal_window_over, remedies_settled],
    )
    def close(self):
        self._close(ClosureReason.DECIDED)

    @transition(field=state, source=State.CLOSED, target=State.INVESTIGATING)
    def reopen(self):
        self.closure_reason, self.closed_at = "", None
        self.reopened_at = timezone.now()

    @transition(
        field=state,
        source=State.CLOSED,
        target=State.ARCHIVED,
        conditions=[archive_period_over, not_on_legal_hold],
    )
    def archive(self):
        self.archived_at = timezone.now()

    def _close(self, reason: ClosureReason):
        self.closure_reason = reason
        self.closed_at = timezone.now()

    def _record_decision(self, decider, outcome, liability, reasons, recourse):
        self.decider = decider
        self.outcome, self.liability = outcome, liability
        self.reasons, self.recourse = reasons, recourse


class ReferenceCounter(models.Model):
    """Where the database has no sequences (SQLite), the last reference number of each year."""

    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class ComplaintIdentifier(models.Model):
    """An order ID or transaction hash named in a complaint, normalised for exact search."""

    # Served by identifier_once_per_complaint, which leads with it.
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="identifiers", db_index=False)
    kind = models.CharField(max_length=16, choices=IdentifierKind.choices)
    network = models.CharField(max_length=16, blank=True)
    value = models.CharField(max_length=128)

    class Meta:
        indexes = [models.Index(fields=["value", "kind"], name="identifier_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["complaint", "kind", "value"], name="identifier_once_per_complaint")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.value}"


class Message(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.PUBLIC)
    kind = models.CharField(max_length=24, choices=MessageKind.choices, default=MessageKind.COMMENT)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.WEB)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["complaint", "created_at"], name="message_timeline")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.complaint_id}"

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL


def evidence_path(evidence, filename: str) -> str:
    # The stored name is ours, never the uploader's: no traversal, no clashes.
    return f"complaints/{evidence.complaint_id}/{uuid.uuid4().hex}{evidence.extension}"


def _evidence_storage():
    from django.core.files.storage import storages

    return storages["evidence"]


class Evidence(models.Model):
    class Purpose(models.TextChoices):
        EVIDENCE = "evidence", _("Evidence")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney")
        COLLECTED = "collected", _("Collected by staff (trade records, log-in logs, chat logs)")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="evidence")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence"
    )
    file = models.FileField(upload_to=evidence_path, storage=_evidence_storage, max_length=255)
    original_name = models.CharField(max_length=255)
    purpose = models.CharField(max_length=24, choices=Purpose.choices, default=Purpose.EVIDENCE)
    content_type = models.CharField(max_length=64)
    extension = models.CharField(max_length=8)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name_plural = "evidence"

    def __str__(self):
        return self.original_name


class Remedy(ConcurrentTransitionMixin, models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="remedies")
    kind = models.CharField(max_length=24, choices=RemedyKind.choices)
    details = models.TextField(blank=True)
    amount = models.DecimalField(**AMOUNT, null=True, blank=True)
    asset = models.CharField(max_length=16, blank=True)
    reference_value = models.DecimalField(
        **AMOUNT, default=0, help_text=_("Value in the reference currency, used for approval limits.")
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = FSMField(default=RemedyState.PROPOSED, choices=RemedyState.choices, protected=True)
    from_appeal = models.BooleanField(default=False)
    idempotency_key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ledger_reference = models.CharField(max_length=128, blank=True)
    failure_reason = models.TextField(blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name_plural = "remedies"
        indexes = [models.Index(fields=["state"], name="remedy_state")]
        constraints = [
            models.CheckConstraint(condition=Q(reference_value__gte=0), name="remedy_value_not_negative"),
        ]

    def __str__(self):
        if self.amount is not None:
            return f"{self.get_kind_display()} {self.amount.normalize():f} {self.asset}"
        return self.get_kind_display()

    @property
    def is_live(self) -> bool:
        return self.state not in {RemedyState.CANCELLED, RemedyState.FAILED}

    @transition(field=state, source=RemedyState.PROPOSED, target=RemedyState.APPROVED)
    def approve(self, *, approver):
        self.approved_by = approver

    @transition(
        field=state, source=[RemedyState.PROPOSED, RemedyState.APPROVED], target=RemedyState.ACCEPTED
    )
    def accept(self):
        pass

    @transition(field=state, source=RemedyState.ACCEPTED, target=RemedyState.EXECUTED)
    def execute(self, *, ledger_reference: str):
        self.ledger_reference = ledger_reference
        self.executed_at = timezone.now()
        self.failure_reason = ""

    @transition(field=state, source=RemedyState.ACCEPTED, target=RemedyState.FAILED)
    def fail(self, *, reason: str):
        self.failure_reason = reason

    @transition(field=state, source=RemedyState.FAILED, target=RemedyState.ACCEPTED)
    def retry(self):
        pass

    @transition(
        field=state,
        source=[RemedyState.PROPOSED, RemedyState.APPROVED, RemedyState.ACCEPTED, RemedyState.FAILED],
        target=RemedyState.CANCELLED,
    )
    def cancel(self):
        pass


class AuditChain(models.Model):
    """The head of one hash chain: a complaint's, or the system chain for configuration.

    Appending an event locks this row (SELECT … FOR UPDATE) in the same transaction as the
    change it records, so two appends can never both take the same sequence number.
    """

    complaint = models.OneToOneField(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_chain"
    )
    is_system = models.BooleanField(default=False)
    head_seq = models.PositiveBigIntegerField(default=0)
    head_hash = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["is_system"], condition=Q(is_system=True), name="one_system_chain"),
            models.CheckConstraint(
                condition=Q(is_system=True, complaint__isnull=True) | Q(is_system=False, complaint__isnull=False),
                name="chain_is_system_or_complaint",
            ),
        ]

    def __str__(self):
        return "system chain" if self.is_system else f"chain of {self.complaint_id}"


class AuditEvent(models.Model):
    """One link in a chain. Holds ids, codes, field names and digests — never free text."""

    # Both foreign keys are served by the indexes in Meta, which lead with them.
    chain = models.ForeignKey(AuditChain, on_delete=models.PROTECT, related_name="events", db_index=False)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_events", db_index=False
    )
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=64)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["chain_id", "seq"]
        constraints = [models.UniqueConstraint(fields=["chain", "seq"], name="audit_seq_unique")]
        indexes = [models.Index(fields=["complaint", "seq"], name="audit_by_complaint")]

    def __str__(self):
        return f"#{self.seq} {self.action}"


class Notification(models.Model):
    """The outbox: written in the transaction of the change, sent by Celery after commit."""

    class Kind(models.TextChoices):
        ACKNOWLEDGEMENT = "acknowledgement", _("Acknowledgement")
        INFORMATION_REQUEST = "information_request", _("Request for information")
        RESOLUTION_PROPOSED = "resolution_proposed", _("Proposed resolution")
        REPLY = "reply", _("Reply")
        CLOSURE = "closure", _("Closure")
        APPEAL_DECISION = "appeal_decision", _("Appeal decision")
        REMINDER = "reminder", _("Reminder")
        DEADLINE_EXTENSION = "deadline_extension", _("Deadline extension")
        DEEMED_ACCEPTANCE = "deemed_acceptance", _("Deemed acceptance")
        ESCALATION_ALERT = "escalation_alert", _("Escalation alert (staff)")
        SECURITY_PAGE = "security_page", _("Security page (staff)")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    to_email = models.EmailField()
    kind = models.CharField(max_length=32, choices=Kind.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(max_length=255, blank=True)  # blank until rendered (see notifications.py)
    body_text = models.TextField(blank=True)
    body_html = models.TextField(blank=True)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)  # for rendering when sent
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.to_email}"


class ComplaintLink(models.Model):
    """Two complaints that concern the same thing (same order, same transaction, same outage)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="links")
    related = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["complaint", "related"], name="link_once"),
            models.CheckConstraint(condition=~Q(complaint=models.F("related")), name="link_not_to_itself"),
        ]

    def __str__(self):
        return f"{self.complaint_id} ↔ {self.related_id}"


class SatisfactionRating(models.Model):
    """How the customer rated the handling, once their complaint was resolved."""

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="rating_one_to_five"),
        ]

    def __str__(self):
        return f"{self.score}/5 for {self.complaint_id}"


class CannedResponse(models.Model):
    """A macro agents insert into a reply: per category (or any) and language."""

    title = models.CharField(max_length=120)
    category = models.CharField(max_length=32, choices=Category.choices, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    body = models.TextField()
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "language", "title"]

    def __str__(self):
        return self.title


class HelpArticle(models.Model):
    """An answer shown to a customer as they pick a category, before they file."""

    category = models.CharField(max_length=32, choices=Category.choices)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="en")
    title = models.CharField(max_length=200)
    body = models.TextField()
    position = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)

    class Meta:
        ordering = ["category", "language", "position", "id"]
        indexes = [models.Index(fields=["category", "language"], name="help_by_category")]

    def __str__(self):
        return self.title
