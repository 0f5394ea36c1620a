"""Business-time arithmetic on a calendar: a time zone, working hours per weekday, holidays.

Everything here is pure: a CalendarSpec in, aware UTC datetimes out. Working hours are wall
times in the calendar's zone, so a 09:00–17:00 day is 09:00–17:00 on both sides of a daylight
saving change, while working *time* is measured in real elapsed time (a 24-hour day on the
night the clocks go forward holds 23 hours). An interval ending at 00:00 ends at midnight at
the end of its day.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

# A calendar with no working time for three years is a configuration error, not a deadline.
HORIZON_DAYS = 366 * 3
MIDNIGHT = time(0)


class NoWorkingTime(ValueError):
    """The calendar has no working time within the horizon."""


@dataclass(frozen=True)
class CalendarSpec:
    zone: ZoneInfo
    # Weekday (Monday 0) → its working intervals as wall times, in order.
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    # day_intervals' answers by local day. They depend on nothing else, and deadlines ask for
    # the same weeks again and again (a report's step limits: a million complaints over three
    # years of days). Not compared: two specs with the same hours are equal whatever they cached.
    _days: dict[date, tuple] = field(default_factory=dict, init=False, repr=False, compare=False)
    # add_period's answers for periods counted in days (they depend on the local date only).
    _periods: dict[tuple, datetime] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def always_open(cls, zone: str = "UTC") -> "CalendarSpec":
        """Every hour of every day: business time equals calendar time."""
        return cls(ZoneInfo(zone), {day: ((MIDNIGHT, MIDNIGHT),) for day in range(7)})

    def local_date(self, moment: datetime) -> date:
        return moment.astimezone(self.zone).date()

    def is_working_day(self, day: date) -> bool:
        return bool(self.hours.get(day.weekday())) and day not in self.holidays


def _at(day: date, wall: time, zone: ZoneInfo) -> datetime:
    """A wall time on a local day, in UTC. A wall time the clocks skip (the hour that does not
    exist when they go forward) is read with the offset before the change, i.e. shifted later."""
    return datetime.combine(day, wall, tzinfo=zone).astimezone(UTC)


def day_intervals(spec: CalendarSpec, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """The working intervals of one local day, in UTC, merged where they touch or overlap."""
    intervals = spec._days.get(day)
    if intervals is None:
        intervals = spec._days[day] = tuple(_day_intervals(spec, day))
    return intervals


def _day_intervals(spec: CalendarSpec, day: date) -> list[tuple[datetime, datetime]]:
    if not spec.is_working_day(day):
        return []
    intervals = []
    for start, end in sorted(spec.hours.get(day.weekday(), ())):
        opens = _at(day, start, spec.zone)
        closes = _at(day + timedelta(days=1), MIDNIGHT, spec.zone) if end == MIDNIGHT else _at(day, end, spec.zone)
        if closes <= opens:
            continue
        if intervals and opens <= intervals[-1][1]:
            intervals[-1] = (intervals[-1][0], max(closes, intervals[-1][1]))
        else:
            intervals.append((opens, closes))
    return intervals


def intervals_from(spec: CalendarSpec, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Working intervals from `start` on (the first one clipped to start it), day by day, in
    UTC: adding a timedelta to an aware local datetime adds wall time, wrong across a change."""
    start = start.astimezone(UTC)
    day = spec.local_date(start) - timedelta(days=1)  # yesterday's interval may run past midnight
    for _ in range(HORIZON_DAYS):
        for opens, closes in day_intervals(spec, day):
            if closes > start:
                yield max(opens, start), closes
        day += timedelta(days=1)


def add_working_time(spec: CalendarSpec, start: datetime, duration: timedelta) -> datetime:
    """The moment `duration` of working time after `start`. A target that uses up an interval
    exactly is due at its close (17:00 Friday), not at the next opening."""
    if duration <= timedelta(0):
        return start.astimezone(UTC)
    remaining = duration
    for opens, closes in intervals_from(spec, start):
        if remaining <= closes - opens:
            return opens + remaining
        remaining -= closes - opens
    raise NoWorkingTime(f"no working time within {HORIZON_DAYS} days of {start.isoformat()}")


def working_time_between(spec: CalendarSpec, start: datetime, end: datetime) -> timedelta:
    """How much working time lies between two moments (zero when end is not after start)."""
    total = timedelta(0)
    if end <= start:
        return total
    for opens, closes in intervals_from(spec, start):
        if opens >= end:
            break
        total += min(closes, end) - opens
    return total


def close_of_business(spec: CalendarSpec, day: date) -> datetime:
    intervals = day_intervals(spec, day)
    return intervals[-1][1] if intervals else end_of_day(spec, day)


def add_working_days(spec: CalendarSpec, start: datetime, days: int) -> datetime:
    """Close of business on the `days`-th working day after the local day of `start` (DISP's
    "by the close of business on the third business day following the day it is received").
    Zero days: close of business that day, or on the next working day if it has closed."""
    day = spec.local_date(start)
    if days <= 0:
        for _ in range(HORIZON_DAYS):
            if spec.is_working_day(day) and close_of_business(spec, day) > start:
                return close_of_business(spec, day)
            day += timedelta(days=1)
        raise NoWorkingTime(f"no working day within {HORIZON_DAYS} days of {start.isoformat()}")
    counted = 0
    for _ in range(HORIZON_DAYS):
        day += timedelta(days=1)
        if spec.is_working_day(day):
            counted += 1
            if counted == days:
                return close_of_business(spec, day)
    raise NoWorkingTime(f"fewer than {days} working days within {HORIZON_DAYS} days of {start.isoformat()}")


def end_of_day(spec: CalendarSpec, day: date) -> datetime:
    """The last microsecond of a local day: a deadline "by" that date."""
    return _at(day + timedelta(days=1), MIDNIGHT, spec.zone) - timedelta(microseconds=1)


class Unit:
    """How a regulatory period is counted (the values of escalation.models.PeriodUnit)."""

    HOURS = "hours"
    CALENDAR_DAYS = "calendar_days"
    BUSINESS_DAYS = "business_days"
    WEEKS = "weeks"
    MONTHS = "months"


def add_period(spec: CalendarSpec, start: datetime, amount: int, unit: str) -> datetime:
    """A deadline `amount` units after `start`. Days, weeks and months run to the end of the
    local day they land on (a decision "within 2 months of receipt" may come on the last day);
    business days to the close of business; hours to the exact moment."""
    if unit == Unit.HOURS:
        return start.astimezone(UTC) + timedelta(hours=amount)
    if unit == Unit.BUSINESS_DAYS and amount <= 0:  # today's close, if it is still to come
        return add_working_days(spec, start, amount)
    key = (spec.local_date(start), amount, unit)
    due = spec._periods.get(key)
    if due is None:
        due = spec._periods[key] = _add_days_period(spec, key[0], start, amount, unit)
    return due


def _add_days_period(spec: CalendarSpec, received: date, start: datetime, amount: int, unit: str) -> datetime:
    if unit == Unit.BUSINESS_DAYS:
        return add_working_days(spec, start, amount)
    if unit == Unit.CALENDAR_DAYS:
        return end_of_day(spec, received + timedelta(days=amount))
    if unit == Unit.WEEKS:
        return end_of_day(spec, received + timedelta(weeks=amount))
    if unit == Unit.MONTHS:
        return end_of_day(spec, received + relativedelta(months=amount))
    raise ValueError(f"unknown period unit {unit!r}")
