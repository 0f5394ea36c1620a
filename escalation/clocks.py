"""A complaint's clocks: what is due when, computed from its terms and its history.

Two kinds of clock run side by side. The desk's SLA clocks (first response, next update after
each customer message, resolution) are measured on the policy's business calendar or in
calendar time, and stand still while the complaint awaits the customer. The regulator's clocks
(acknowledgement, decision) run from receipt, never pause, and stop when a decision is
communicated; a recorded extension moves the decision date. On top of those come the
automatic steps the sweep takes: reminders, deemed acceptance, closing for no response,
closing when the appeal window ends, archiving.

`compute()` is pure given its inputs and does not depend on the current time, so recomputing
an unchanged complaint gives the same due times, and the sweep's claims (keyed by them) hold.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models import Max, Min, Q

from complaints.choices import State, Visibility

from .calendar import add_period, add_working_time, working_time_between
from .models import ClockKind, ClockPause, ComplaintClock, DeadlineExtension, Regime
from .terms import RegimeTerms, SlaTerms, TermsLoader

RUNNING, PAUSED, MET, STOPPED, IDLE = "running", "paused", "met", "stopped", "idle"
# The moment after the appeal window at which closing is allowed (the model's check is strict).
JUST_AFTER = timedelta(seconds=1)


@dataclass(frozen=True)
class Clock:
    kind: str
    status: str
    started_at: datetime | None = None
    due_at: datetime | None = None
    at_risk_at: datetime | None = None
    met_at: datetime | None = None
    remaining: timedelta | None = None  # while paused

    @property
    def running(self) -> bool:
        return self.status == RUNNING

    def is_breached(self, now: datetime) -> bool:
        return self.running and self.due_at is not None and self.due_at <= now

    def is_at_risk(self, now: datetime) -> bool:
        return self.running and self.at_risk_at is not None and self.at_risk_at <= now < self.due_at


@dataclass(frozen=True)
class Facts:
    """What the clocks depend on besides the complaint row."""

    first_staff_response_at: datetime | None = None
    waiting_customer_message_at: datetime | None = None  # oldest customer message not yet answered
    pauses: tuple[tuple[datetime, datetime | None], ...] = ()
    extended_due_at: datetime | None = None
    remedies_settled: bool = True


@dataclass
class DueTimes:
    clocks: dict[str, Clock] = field(default_factory=dict)
    summary_resolution_ends_at: datetime | None = None
    reminder_at: datetime | None = None
    deemed_acceptance_at: datetime | None = None
    no_response_close_at: datetime | None = None
    appeal_close_at: datetime | None = None
    archive_at: datetime | None = None

    STEPS = ("reminder_at", "deemed_acceptance_at", "no_response_close_at", "appeal_close_at", "archive_at")

    def running(self):
        return [clock for clock in self.clocks.values() if clock.running]

    def row(self) -> dict:
        """The ComplaintClock columns: due and at-risk times of running clocks only."""
        values = {}
        for kind in ClockKind:
            clock = self.clocks.get(kind)
            running = clock is not None and clock.running
            values[f"{kind}_due_at"] = clock.due_at if running else None
            values[f"{kind}_at_risk_at"] = clock.at_risk_at if running else None
        next_update = self.clocks.get(ClockKind.NEXT_UPDATE)
        values["next_update_started_at"] = next_update.started_at if next_update and next_update.status in {RUNNING, PAUSED} else None
        values["summary_resolution_ends_at"] = self.summary_resolution_ends_at
        values.update({step: getattr(self, step) for step in self.STEPS})
        values["next_due_at"] = min((c.due_at for c in self.running()), default=None)
        values["next_at_risk_at"] = min((c.at_risk_at for c in self.running() if c.at_risk_at), default=None)
        moments = [m for c in self.running() for m in (c.at_risk_at, c.due_at) if m]
        moments += [getattr(self, step) for step in self.STEPS if getattr(self, step)]
        values["next_check_at"] = min(moments, default=None)
        return values


# --- SLA clocks ---------------------------------------------------------------------------------------


def _measure(terms: SlaTerms):
    if terms.spec is None:  # calendar time: real elapsed time, so in UTC
        return (lambda start, span: start.astimezone(UTC) + span), (lambda start, end: max(end - start, timedelta(0)))
    spec = terms.spec
    return (lambda start, span: add_working_time(spec, start, span)), (lambda start, end: working_time_between(spec, start, end))


def sla_moment(start, target, pauses, add, between) -> tuple[datetime | None, timedelta | None]:
    """When `target` of clock time from `start` is used up, skipping the pauses. While the clock
    is paused before that: (None, the time left)."""
    moment, remaining = start, target
    for paused, resumed in pauses:
        if resumed is not None and resumed <= moment:
            continue
        if paused > moment:
            due = add(moment, remaining)
            if due <= paused:
                return due, None
            remaining -= between(moment, paused)
        if resumed is None:
            return None, remaining
        moment = resumed
    return add(moment, remaining), None


def _sla_clock(kind, terms: SlaTerms, start, target, met_at, pauses, is_open) -> Clock:
    if start is None or target is None:
        return Clock(kind, IDLE)
    if met_at is not None:
        return Clock(kind, MET, started_at=start, met_at=met_at)
    if not is_open:
        return Clock(kind, STOPPED, started_at=start)
    add, between = _measure(terms)
    due, remaining = sla_moment(start, target, pauses, add, between)
    if due is None:
        return Clock(kind, PAUSED, started_at=start, remaining=remaining)
    at_risk, _left = sla_moment(start, target * float(terms.at_risk), pauses, add, between)
    return Clock(kind, RUNNING, started_at=start, due_at=due, at_risk_at=at_risk)


def sla_clocks(complaint, terms: SlaTerms, facts: Facts) -> list[Clock]:
    is_open = complaint.is_open
    decided = complaint.decided_at
    first_met = min(filter(None, (facts.first_staff_response_at, decided)), default=None)
    return [
        _sla_clock(ClockKind.FIRST_RESPONSE, terms, complaint.received_at, terms.first_response, first_met, facts.pauses, is_open),
        _sla_clock(ClockKind.NEXT_UPDATE, terms, facts.waiting_customer_message_at, terms.next_update, None, facts.pauses, is_open),
        _sla_clock(ClockKind.RESOLUTION, terms, complaint.received_at, terms.resolution, decided, facts.pauses, is_open),
    ]  # fmt: skip


# --- Regulatory clocks --------------------------------------------------------------------------------


def regulatory_due(received_at: datetime, terms: RegimeTerms) -> datetime:
    return add_period(terms.spec, received_at, terms.decision.amount, terms.decision.unit)


def extension_limit(received_at: datetime, terms: RegimeTerms) -> datetime | None:
    limit = terms.extension_limit
    return add_period(terms.spec, received_at, limit.amount, limit.unit) if limit else None


def _at_risk(start: datetime, due: datetime, share) -> datetime:
    return start + (due - start) * float(share)


def _regulatory_clock(kind, received, due, met_at, is_open, share) -> Clock:
    if met_at is not None:
        return Clock(kind, MET, started_at=received, due_at=due, met_at=met_at)
    if not is_open:
        return Clock(kind, STOPPED, started_at=received, due_at=due)
    return Clock(kind, RUNNING, started_at=received, due_at=due, at_risk_at=_at_risk(received, due, share))


def regulatory_clocks(complaint, terms: RegimeTerms, facts: Facts) -> list[Clock]:
    received, is_open = complaint.received_at, complaint.is_open
    clocks = []
    if terms.acknowledgement:
        due = add_period(terms.spec, received, terms.acknowledgement.amount, terms.acknowledgement.unit)
        clocks.append(_regulatory_clock(ClockKind.ACKNOWLEDGEMENT, received, due, complaint.acknowledged_at, is_open, terms.at_risk))
    due = facts.extended_due_at or regulatory_due(received, terms)
    clocks.append(_regulatory_clock(ClockKind.DECISION, received, due, complaint.decided_at, is_open, terms.at_risk))
    return clocks


# --- Automatic steps -----------------------------------------------------------------------------------


def _days(setting: str) -> timedelta:
    return timedelta(days=getattr(settings, setting))


def reminder_offset() -> timedelta:
    """How long before a deemed acceptance or a no-response closure the customer is reminded."""
    return timedelta(days=getattr(settings, "REDRESS_REMINDER_DAYS_BEFORE", 3))


def _information_steps(complaint, times: DueTimes) -> None:
    asked = complaint.information_requested_at
    if asked is None:
        return
    period = _days("REDRESS_NO_RESPONSE_DAYS")
    notice = min(reminder_offset(), period / 2)
    sent = complaint.information_reminder_sent_at
    if sent is None:
        times.reminder_at = asked + period - notice
    else:
        times.no_response_close_at = max(asked + period, sent + notice)


def _acceptance_steps(complaint, times: DueTimes) -> None:
    deemed = complaint.deemed_acceptance_at
    if deemed is None:
        return
    times.deemed_acceptance_at = deemed
    remind = deemed - reminder_offset()
    if remind > complaint.decided_at:
        times.reminder_at = remind


def _closing_steps(complaint, times: DueTimes, facts: Facts) -> None:
    if complaint.state == State.RESOLVED and facts.remedies_settled:
        ends = complaint.appeal_window_ends_at
        times.appeal_close_at = ends + JUST_AFTER if ends else complaint.appeal_decided_at
    if complaint.state == State.CLOSED and not complaint.legal_hold and complaint.closed_at:
        times.archive_at = complaint.closed_at + _days("REDRESS_ARCHIVE_AFTER_DAYS")


def steps(complaint, facts: Facts, times: DueTimes) -> None:
    if complaint.state == State.AWAITING_CUSTOMER:
        _information_steps(complaint, times)
    if complaint.state == State.RESOLUTION_PROPOSED:
        _acceptance_steps(complaint, times)
    _closing_steps(complaint, times, facts)


# --- Putting it together ----------------------------------------------------------------------------------


def compute(complaint, sla: SlaTerms, regime: RegimeTerms, facts: Facts) -> DueTimes:
    times = DueTimes()
    for clock in sla_clocks(complaint, sla, facts) + regulatory_clocks(complaint, regime, facts):
        times.clocks[clock.kind] = clock
    if regime.summary_resolution and complaint.is_open and complaint.decided_at is None:
        period = regime.summary_resolution
        times.summary_resolution_ends_at = add_period(regime.spec, complaint.received_at, period.amount, period.unit)
    steps(complaint, facts, times)
    return times


def load_facts(complaint, pauses=None) -> Facts:
    """Three or four small queries: public messages (first and last staff answer, the oldest
    customer message since), the latest extension, the pauses (unless given), the remedies."""
    public = complaint.messages.filter(visibility=Visibility.PUBLIC)
    staff = public.aggregate(
        first=Min("created_at", filter=Q(author__is_staff=True)), last=Max("created_at", filter=Q(author__is_staff=True))
    )
    answered = max(filter(None, (staff["last"], complaint.decided_at)), default=None)
    waiting = public.filter(author__is_staff=False)
    if answered is not None:
        waiting = waiting.filter(created_at__gt=answered)
    extension = (
        DeadlineExtension.objects.filter(complaint=complaint, clock=ClockKind.DECISION)
        .order_by("-created_at", "-id").values_list("new_due_at", flat=True).first()
    )  # fmt: skip
    if pauses is None:
        pauses = tuple(ClockPause.objects.filter(complaint=complaint).order_by("started_at").values_list("started_at", "ended_at"))
    return Facts(
        first_staff_response_at=staff["first"],
        waiting_customer_message_at=waiting.aggregate(first=Min("created_at"))["first"],
        pauses=tuple(pauses),
        extended_due_at=extension,
        remedies_settled=complaint.state != State.RESOLVED or complaint.remedies_settled(),
    )


def clocks_of(complaint, loader: TermsLoader | None = None, facts: Facts | None = None) -> DueTimes:
    """The complaint's clocks as of its current row (its regime as assigned at intake)."""
    loader = loader or TermsLoader()
    regime_id = clock_regime_id(complaint)
    regime_id = _regime_id(loader.regime_at_intake(complaint)) if regime_id is NO_CLOCK_ROW else regime_id
    return compute(complaint, loader.sla(complaint), loader.regulatory(complaint, regime_id), facts or load_facts(complaint))


NO_CLOCK_ROW = object()


def clock_regime_id(complaint):
    """The regime its clock row was given at intake (never changed after), or NO_CLOCK_ROW. A
    complaint read with select_related("clock") (the console page) needs no query for it."""
    cached = complaint._meta.get_field("clock").get_cached_value(complaint, default=None)
    if cached is not None:
        return cached.regime_id
    regime_ids = ComplaintClock.objects.filter(pk=complaint.pk).values_list("regime_id", flat=True)
    return regime_ids[0] if regime_ids else NO_CLOCK_ROW


def _regime_id(regime) -> int | None:
    return regime.pk if regime else None


# --- What the acknowledgement and the portal show ------------------------------------------------------------


def decision_due_at(subject) -> datetime | None:
    """The regulatory decision deadline of a complaint: its regime's (the one it will get at
    intake, if it has no clock row yet), or the date of its latest extension.

    Given only a date of receipt (the older call style), the default regime's deadline."""
    loader = TermsLoader()
    if isinstance(subject, datetime):
        return regulatory_due(subject, loader.regulatory(None, _regime_id(loader.default_regime())))
    row = ComplaintClock.objects.filter(pk=subject.pk).values_list("regime_id", flat=True)
    regime_id = row[0] if row else _regime_id(loader.regime_at_intake(subject))
    extended = (
        DeadlineExtension.objects.filter(complaint=subject, clock=ClockKind.DECISION)
        .order_by("-created_at", "-id").values_list("new_due_at", flat=True).first() if row else None
    )  # fmt: skip
    return extended or regulatory_due(subject.received_at, loader.regulatory(subject, regime_id))


def first_response_due_at(subject) -> datetime | None:
    """When the desk promised a first response: the SLA policy that applies to the complaint,
    from its receipt (pauses and answers don't change what was promised).

    Given only a date of receipt, the target of the settings (REDRESS_FIRST_RESPONSE_HOURS)."""
    if isinstance(subject, datetime):
        return subject + timedelta(hours=settings.REDRESS_FIRST_RESPONSE_HOURS)
    return _first_response_due(subject, TermsLoader())


def _first_response_due(complaint, loader: TermsLoader) -> datetime:
    terms = loader.sla(complaint)
    add, _between = _measure(terms)
    return add(complaint.received_at, terms.first_response)


@dataclass(frozen=True)
class Intake:
    """The terms of a complaint being filed in the current transaction, resolved once: they
    give the acknowledgement's deadlines and then its first clock row (clocks_recompute). Its
    clock row, pauses, messages and extensions can't exist yet, so nothing is read back."""

    loader: TermsLoader
    regime: Regime | None

    @classmethod
    def of(cls, complaint) -> "Intake":
        loader = TermsLoader()
        return cls(loader, loader.regime_at_intake(complaint))

    def first_response_due_at(self, complaint) -> datetime:
        return _first_response_due(complaint, self.loader)

    def decision_due_at(self, complaint) -> datetime:
        return regulatory_due(complaint.received_at, self.loader.regulatory(complaint, _regime_id(self.regime)))
