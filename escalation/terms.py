"""Which targets and deadlines apply to a complaint: its SLA policy and its regulatory regime.

The configuration (calendars with their hours and holidays, active SLA policies, regimes and
their rules) is read once per process and kept under the token of ConfigurationVersion, which
every edit replaces (escalation.signals): one small query tells a process whether its copy is
current, so a transition doesn't reload a dozen rows. With nothing configured the settings'
defaults apply (REDRESS_FIRST_RESPONSE_HOURS, REDRESS_DECISION_DEADLINE_MONTHS) on a
Monday–Friday 09:00–17:00 UTC calendar.
"""

import threading
from dataclasses import dataclass, field
from datetime import time, timedelta
from decimal import Decimal
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from config.database import prepared_cursor

from .calendar import CalendarSpec, Unit
from .models import BusinessCalendar, ConfigurationVersion, Regime, SlaPolicy

FALLBACK_CALENDAR = CalendarSpec(ZoneInfo("UTC"), {day: ((time(9), time(17)),) for day in range(5)})


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str


@dataclass(frozen=True)
class SlaTerms:
    policy_id: int | None
    name: str
    first_response: timedelta
    next_update: timedelta | None
    resolution: timedelta | None
    at_risk: Decimal  # the share of a target's time after which it is at risk
    spec: CalendarSpec | None  # None: calendar time


@dataclass(frozen=True)
class RegimeTerms:
    regime_id: int | None
    rule_id: int | None
    name: str
    acknowledgement: Period | None
    decision: Period
    summary_resolution: Period | None
    extension_limit: Period | None
    at_risk: Decimal
    spec: CalendarSpec


def _hours(value) -> timedelta | None:
    return None if value is None else timedelta(seconds=float(value) * 3600)


def _period(amount, unit) -> Period | None:
    return Period(amount, unit) if amount is not None and unit else None


@dataclass(frozen=True)
class Configuration:
    """A read-only snapshot of the configuration rows."""

    specs: dict[int, CalendarSpec] = field(default_factory=dict)
    default_calendar_id: int | None = None
    policies: tuple[SlaPolicy, ...] = ()
    regimes: dict[int, Regime] = field(default_factory=dict)  # active or not: a complaint keeps its regime

    @classmethod
    def load(cls) -> "Configuration":
        calendars = list(BusinessCalendar.objects.prefetch_related("working_hours", "holidays"))
        return cls(
            specs={calendar.pk: calendar.spec() for calendar in calendars},
            default_calendar_id=next((c.pk for c in calendars if c.is_default), None),
            policies=tuple(SlaPolicy.objects.filter(is_active=True).order_by("id")),
            regimes={regime.pk: regime for regime in Regime.objects.prefetch_related("rules").order_by("id")},
        )


_cached: tuple[object, Configuration] | None = None
_lock = threading.Lock()


def configuration() -> Configuration:
    """The current configuration: this process's copy while its token is current."""
    global _cached
    token = _current_token()
    cached = _cached
    if token is not None and cached is not None and cached[0] == token:
        return cached[1]
    loaded = Configuration.load()
    if token is not None:
        with _lock:
            _cached = (token, loaded)
    return loaded


def _current_token():
    """ConfigurationVersion's token, or None before the first edit. Asked on every filing and
    transition, so in a statement compiled once rather than through a queryset each time."""
    with prepared_cursor() as cursor:
        cursor.execute(_token_sql())
        row = cursor.fetchone()
    return row[0] if row else None


@cache
def _token_sql() -> str:
    meta, quote = ConfigurationVersion._meta, connection.ops.quote_name
    return f"SELECT {quote(meta.get_field('token').column)} FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = 1"


class TermsLoader:
    """Answers which terms apply, from one configuration snapshot."""

    def __init__(self, config: Configuration | None = None):
        self.config = config or configuration()

    def spec(self, calendar_id: int | None) -> CalendarSpec:
        calendar_id = calendar_id if calendar_id is not None else self.config.default_calendar_id
        return self.config.specs.get(calendar_id, FALLBACK_CALENDAR)

    # --- SLA ---------------------------------------------------------------------------------

    def sla_policy(self, complaint) -> SlaPolicy | None:
        fits = [
            policy for policy in self.config.policies
            if policy.matches(priority=complaint.priority, category=complaint.category, channel=complaint.channel)
        ]  # fmt: skip
        return max(fits, key=lambda policy: (policy.specificity, -policy.pk), default=None)

    def sla(self, complaint) -> SlaTerms:
        policy = self.sla_policy(complaint)
        if policy is None:
            return SlaTerms(
                None, "", timedelta(hours=settings.REDRESS_FIRST_RESPONSE_HOURS), None, None, Decimal("0.75"), None
            )
        spec = self.spec(policy.calendar_id) if policy.time_basis == "business" else None
        return SlaTerms(
            policy.pk, policy.name, _hours(policy.first_response_hours), _hours(policy.next_update_hours),
            _hours(policy.resolution_hours), Decimal(policy.at_risk_percent) / 100, spec,
        )  # fmt: skip

    # --- Regimes -------------------------------------------------------------------------------

    def default_regime(self) -> Regime | None:
        return next((r for r in self.config.regimes.values() if r.is_active and r.is_default), None)

    def regime_at_intake(self, complaint) -> Regime | None:
        """The customer's jurisdiction names a regime, or the default one applies."""
        profile = getattr(complaint.customer, "customer_profile", None)
        jurisdiction = ((profile.jurisdiction if profile else "") or "").strip().upper()
        active = [r for r in self.config.regimes.values() if r.is_active]
        chosen = next((r for r in active if jurisdiction and jurisdiction in r.jurisdiction_codes), None)
        return chosen or self.default_regime()

    def regulatory(self, complaint, regime_id: int | None) -> RegimeTerms:
        regime = self.config.regimes.get(regime_id) if regime_id is not None else None
        if regime is None:
            months = Period(settings.REDRESS_DECISION_DEADLINE_MONTHS, Unit.MONTHS)
            return RegimeTerms(None, None, "", None, months, None, None, Decimal("0.75"), self.spec(None))
        rules = regime.rules.all() if complaint is not None else ()
        rule = next((r for r in rules if r.matches(category=complaint.category, asset=complaint.disputed_asset)), None)
        source = rule or regime
        return RegimeTerms(
            regime_id=regime.pk,
            rule_id=rule.pk if rule else None,
            name=f"{regime.name}: {rule.name}" if rule else regime.name,
            acknowledgement=_period(regime.acknowledgement_amount, regime.acknowledgement_unit),
            decision=Period(source.decision_amount, source.decision_unit),
            summary_resolution=_period(regime.summary_resolution_amount, regime.summary_resolution_unit),
            extension_limit=_period(source.extension_limit_amount, source.extension_limit_unit),
            at_risk=Decimal(regime.at_risk_percent) / 100,
            spec=self.spec(regime.calendar_id),
        )
