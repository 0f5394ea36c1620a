"""Reads for the console and the portal: next deadlines for queues, both clocks for a page.

Queues filter and sort on the complaint's clock row (escalation.ComplaintClock) through its
partial indexes; "at risk" and "breached" are worked out here by comparing with now.

    Console queue:  with_next_deadline(qs) → next_deadline, next_at_risk_at, deadline_breached,
                    deadline_at_risk; filter_by_deadline(qs, "breached" | "at_risk" | "on_track",
                    now); order_by_deadline(qs); in_supervisor_queue(qs)
    Console page:   staff_clocks(complaint) → every clock, SLA and regulatory, with its status
    Portal page:    customer_deadlines(complaint) → what the exchange promised, and by when
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import BooleanField, Case, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from .clocks import MET, PAUSED, RUNNING, STOPPED, Clock, clocks_of
from .models import REGULATORY_CLOCKS, ClockKind, ComplaintClock, DeadlineExtension, SupervisorQueueItem
from .terms import TermsLoader

BREACHED, AT_RISK, ON_TRACK = "breached", "at_risk", "on_track"


# --- Queues ------------------------------------------------------------------------------------------


def with_next_deadline(queryset, now: datetime | None = None):
    """Annotate the nearest running due time and whether it is breached or at risk now."""
    now = now or timezone.now()
    return queryset.annotate(
        next_deadline=F("clock__next_due_at"),
        next_at_risk_at=F("clock__next_at_risk_at"),
        deadline_breached=Case(When(clock__next_due_at__lte=now, then=Value(True)), default=Value(False), output_field=BooleanField()),
        deadline_at_risk=Case(
            When(clock__next_at_risk_at__lte=now, clock__next_due_at__gt=now, then=Value(True)),
            default=Value(False), output_field=BooleanField(),
        ),
    )  # fmt: skip


def filter_by_deadline(queryset, status: str, now: datetime | None = None):
    now = now or timezone.now()
    if status == BREACHED:
        return queryset.filter(clock__next_due_at__lte=now)
    if status == AT_RISK:
        return queryset.filter(clock__next_at_risk_at__lte=now, clock__next_due_at__gt=now)
    if status == ON_TRACK:
        return queryset.filter(clock__next_due_at__gt=now).filter(
            Q(clock__next_at_risk_at__isnull=True) | Q(clock__next_at_risk_at__gt=now)
        )
    return queryset


def order_by_deadline(queryset):
    """Soonest running deadline first, complaints with none last. Walks the clock table's
    (next_due_at, complaint) index, so a page costs the same with a million complaints; a
    complaint without a clock row (never filed through the services) is left out."""
    return queryset.filter(clock__isnull=False).order_by(F("clock__next_due_at").asc(nulls_last=True), "clock__complaint_id")


def deadline_status(due: datetime | None, at_risk_at: datetime | None = None, now: datetime | None = None) -> str:
    if due is None:
        return ""
    now = now or timezone.now()
    if due <= now:
        return BREACHED
    if at_risk_at is not None and at_risk_at <= now:
        return AT_RISK
    return ON_TRACK


def in_supervisor_queue(queryset, reason: str | None = None):
    """Complaints with something only a supervisor can sort out (see SupervisorQueueItem)."""
    items = SupervisorQueueItem.objects.filter(complaint=OuterRef("pk"), resolved_at__isnull=True)
    if reason:
        items = items.filter(reason=reason)
    return queryset.filter(Exists(items))


def supervisor_queue_reasons(complaint) -> list[str]:
    items = SupervisorQueueItem.objects.filter(complaint=complaint, resolved_at__isnull=True)
    return [str(item.get_reason_display()) for item in items]


# --- One complaint ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClockView:
    kind: str
    label: str
    regulatory: bool
    status: str  # running, paused, met, stopped, idle
    due_at: datetime | None
    at_risk_at: datetime | None
    met_at: datetime | None
    remaining: timedelta | None
    state: str  # breached, at_risk, on_track or "" when not running

    @property
    def breached(self) -> bool:
        return self.state == BREACHED

    @property
    def at_risk(self) -> bool:
        return self.state == AT_RISK


def _view(clock: Clock, now: datetime) -> ClockView:
    state = deadline_status(clock.due_at, clock.at_risk_at, now) if clock.status == RUNNING else ""
    return ClockView(
        clock.kind, str(ClockKind(clock.kind).label), clock.kind in REGULATORY_CLOCKS, clock.status,
        clock.due_at, clock.at_risk_at, clock.met_at, clock.remaining, state,
    )  # fmt: skip


def staff_clocks(complaint, now: datetime | None = None, loader: TermsLoader | None = None) -> list[ClockView]:
    """Both clocks of a complaint, SLA and regulatory, each with its status now. A met
    regulatory clock keeps its due time, so the page can show whether it was met in time."""
    now = now or timezone.now()
    times = clocks_of(complaint, loader)
    return [_view(times.clocks[kind], now) for kind in ClockKind if kind in times.clocks]


@dataclass(frozen=True)
class CustomerDeadlines:
    regime: str
    first_response_due_at: datetime | None
    decision_due_at: datetime | None  # the regulatory deadline while it runs, extensions included
    decision_extended: bool
    extension_reason: str
    decision_made_at: datetime | None
    answer_by: datetime | None  # when the customer must answer (information, or a decision)
    appeal_until: datetime | None


def _information_due(complaint) -> datetime | None:
    from django.conf import settings

    asked = complaint.information_requested_at if complaint.state == "awaiting_customer" else None
    return asked + timedelta(days=settings.REDRESS_NO_RESPONSE_DAYS) if asked else None


def customer_deadlines(complaint) -> CustomerDeadlines:
    """What the portal tells the customer: when to expect an answer and a decision (with the
    reason for any extension), and by when they must act themselves. No internal targets
    beyond the first response the acknowledgement promised."""
    loader = TermsLoader()
    times = clocks_of(complaint, loader)
    decision = times.clocks[ClockKind.DECISION]
    first = times.clocks[ClockKind.FIRST_RESPONSE]
    extension = DeadlineExtension.objects.filter(complaint=complaint, clock=ClockKind.DECISION).order_by("-created_at", "-id").first()
    regime_id = ComplaintClock.objects.filter(pk=complaint.pk).values_list("regime_id", flat=True).first()
    return CustomerDeadlines(
        regime=loader.regulatory(complaint, regime_id).name,
        first_response_due_at=first.due_at if first.status in {RUNNING, PAUSED} else None,
        decision_due_at=decision.due_at if decision.status not in {STOPPED} else None,
        decision_extended=extension is not None,
        extension_reason=extension.reason if extension else "",
        decision_made_at=decision.met_at if decision.status == MET else None,
        answer_by=times.no_response_close_at or times.deemed_acceptance_at or _information_due(complaint),
        appeal_until=complaint.appeal_window_ends_at if complaint.within_appeal_window() and complaint.not_yet_appealed() else None,
    )
