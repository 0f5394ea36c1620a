"""Business-time arithmetic: nights, weekends, holidays, daylight saving, and regulatory periods."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from escalation.calendar import (
    CalendarSpec,
    NoWorkingTime,
    Unit,
    add_period,
    add_working_days,
    add_working_time,
    working_time_between,
)

LONDON = ZoneInfo("Europe/London")
NINE_TO_FIVE = {day: ((time(9), time(17)),) for day in range(5)}
UK = CalendarSpec(LONDON, NINE_TO_FIVE, frozenset({date(2026, 4, 3), date(2026, 4, 6), date(2026, 12, 25), date(2026, 12, 28)}))
UTC_DESK = CalendarSpec(ZoneInfo("UTC"), NINE_TO_FIVE)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


def hours(n) -> timedelta:
    return timedelta(hours=n)


# --- Working time ---------------------------------------------------------------------------------------


def test_time_within_one_working_day():
    assert add_working_time(UTC_DESK, utc(2026, 11, 24, 10), hours(3)) == utc(2026, 11, 24, 13)


def test_the_night_is_skipped():
    # Tuesday 16:00 + 2 working hours: one hour on Tuesday, one on Wednesday morning.
    assert add_working_time(UTC_DESK, utc(2026, 11, 24, 16), hours(2)) == utc(2026, 11, 25, 10)


def test_a_start_outside_hours_counts_from_the_next_opening():
    assert add_working_time(UTC_DESK, utc(2026, 11, 24, 3, 30), hours(1)) == utc(2026, 11, 24, 10)
    assert add_working_time(UTC_DESK, utc(2026, 11, 24, 20), hours(1)) == utc(2026, 11, 25, 10)


def test_the_weekend_is_skipped():
    # Friday 15:00 + 4 working hours: two on Friday, two on Monday.
    assert add_working_time(UTC_DESK, utc(2026, 11, 27, 15), hours(4)) == utc(2026, 11, 30, 11)
    # Filed on Saturday: the clock starts on Monday morning.
    assert add_working_time(UTC_DESK, utc(2026, 11, 28, 12), hours(8)) == utc(2026, 11, 30, 17)


def test_a_target_that_uses_up_the_day_is_due_at_closing_not_the_next_morning():
    assert add_working_time(UTC_DESK, utc(2026, 11, 27, 9), hours(8)) == utc(2026, 11, 27, 17)


def test_holidays_are_skipped():
    # Christmas 2026 is a Friday and Boxing Day's substitute the Monday after: Thursday 16:00
    # + 2 hours runs to Tuesday 29 December.
    assert add_working_time(UK, london(2026, 12, 24, 16), hours(2)) == london(2026, 12, 29, 10)


def test_easter_holidays_and_a_weekend_together():
    # Good Friday 3 April and Easter Monday 6 April 2026: Thursday 2 April 17:00 is followed by Tuesday 7 April.
    assert add_working_time(UK, london(2026, 4, 2, 16, 30), hours(1)) == london(2026, 4, 7, 9, 30)


def test_working_hours_are_wall_times_across_the_spring_change():
    # The clocks go forward on Sunday 29 March 2026: Friday is GMT (UTC+0), Monday BST (UTC+1).
    start = utc(2026, 3, 27, 16)  # 16:00 GMT Friday
    due = add_working_time(UK, start, hours(2))
    assert due == london(2026, 3, 30, 10)  # 10:00 BST on Monday…
    assert due == utc(2026, 3, 30, 9)  # …which is 09:00 UTC


def test_working_hours_are_wall_times_across_the_autumn_change():
    # The clocks go back on Sunday 25 October 2026: Friday is BST, Monday GMT.
    due = add_working_time(UK, london(2026, 10, 23, 16), hours(2))
    assert due == london(2026, 10, 26, 10) == utc(2026, 10, 26, 10)


def test_round_the_clock_time_is_real_time_on_the_night_the_clocks_change():
    always = CalendarSpec.always_open("Europe/London")
    start = london(2026, 3, 28, 12)  # Saturday noon GMT
    due = add_working_time(always, start, hours(24))
    assert due == start.astimezone(UTC) + hours(24)  # 24 real hours (not start + 24h: that adds wall time)…
    assert due.astimezone(LONDON).hour == 13  # …end at 13:00 on the wall clock: the night had 23 hours
    assert working_time_between(always, london(2026, 3, 29, 0), london(2026, 3, 30, 0)) == hours(23)
    assert working_time_between(always, london(2026, 10, 25, 0), london(2026, 10, 26, 0)) == hours(25)


def test_working_time_between_two_moments():
    assert working_time_between(UTC_DESK, utc(2026, 11, 27, 15), utc(2026, 11, 30, 11)) == hours(4)
    assert working_time_between(UTC_DESK, utc(2026, 11, 28, 0), utc(2026, 11, 29, 23)) == hours(0)
    assert working_time_between(UTC_DESK, utc(2026, 11, 30, 11), utc(2026, 11, 27, 15)) == hours(0)


def test_a_local_start_is_counted_in_real_time():
    always = CalendarSpec.always_open("Europe/London")
    start = london(2026, 3, 29, 0, 30)  # GMT; at 01:00 the clocks jump to 02:00 BST
    assert add_working_time(always, start, hours(2)) == utc(2026, 3, 29, 2, 30)
    assert add_period(always, start, 2, Unit.HOURS) == utc(2026, 3, 29, 2, 30)


def test_split_shifts_and_a_shift_ending_at_midnight():
    spec = CalendarSpec(ZoneInfo("UTC"), {0: ((time(8), time(12)), (time(13), time(17)), (time(22), time(0)))})
    monday = utc(2026, 11, 23, 11)
    assert add_working_time(spec, monday, hours(2)) == utc(2026, 11, 23, 14)  # lunch skipped
    assert add_working_time(spec, monday, hours(6)) == utc(2026, 11, 23, 23)  # into the late shift
    assert add_working_time(spec, monday, hours(7)) == utc(2026, 11, 24, 0)  # ends at midnight
    assert add_working_time(spec, monday, hours(8)) == utc(2026, 11, 30, 9)  # next Monday


def test_a_calendar_without_working_hours_is_refused():
    with pytest.raises(NoWorkingTime):
        add_working_time(CalendarSpec(ZoneInfo("UTC"), {}), utc(2026, 1, 1), hours(1))


# --- Business days and regulatory periods --------------------------------------------------------------


def test_business_days_end_at_close_of_business_on_the_nth_working_day_after_receipt():
    # DISP's summary resolution: by close of business on the third business day after receipt.
    assert add_working_days(UK, london(2026, 11, 24, 11), 3) == london(2026, 11, 27, 17)  # Tue → Fri
    assert add_working_days(UK, london(2026, 11, 26, 20), 3) == london(2026, 12, 1, 17)  # Thu evening → Tue
    assert add_working_days(UK, london(2026, 12, 23, 10), 3) == london(2026, 12, 30, 17)  # over Christmas


def test_fifteen_business_days_for_a_payment_services_complaint():
    assert add_period(UK, london(2026, 3, 27, 15), 15, Unit.BUSINESS_DAYS) == london(2026, 4, 21, 17)


def test_months_and_weeks_run_to_the_end_of_the_local_day():
    received = london(2026, 1, 31, 10)
    assert add_period(UK, received, 2, Unit.MONTHS) == london(2026, 3, 31, 23, 59, 59, 999999)
    assert add_period(UK, received, 8, Unit.WEEKS) == london(2026, 3, 28, 23, 59, 59, 999999)
    assert add_period(UK, received, 10, Unit.CALENDAR_DAYS) == london(2026, 2, 10, 23, 59, 59, 999999)
    assert add_period(UK, received, 5, Unit.HOURS) == received + hours(5)


def test_the_local_day_decides_the_date_of_receipt():
    # 23:30 UTC on 31 May is already 1 June in London (BST): two months later is 1 August.
    assert add_period(UK, utc(2026, 5, 31, 23, 30), 2, Unit.MONTHS).astimezone(LONDON).date() == date(2026, 8, 1)


# --- What a calendar remembers ----------------------------------------------------------------------


def _fresh_uk() -> CalendarSpec:
    return CalendarSpec(UK.zone, UK.hours, UK.holidays)


PERIODS = [(3, Unit.BUSINESS_DAYS), (0, Unit.BUSINESS_DAYS), (15, Unit.CALENDAR_DAYS), (8, Unit.WEEKS), (2, Unit.MONTHS), (48, Unit.HOURS)]


@pytest.mark.parametrize("amount, unit", PERIODS)
def test_a_remembered_deadline_is_the_one_a_fresh_calendar_computes(amount, unit):
    """Across the spring change and Easter, every 37 minutes: a spec remembers day-based
    deadlines by local date and working intervals by day, and must answer as if it didn't."""
    spec, start = _fresh_uk(), utc(2026, 3, 25, 0, 7)
    while start < utc(2026, 4, 10):
        assert add_period(spec, start, amount, unit) == add_period(_fresh_uk(), start, amount, unit), start
        assert add_working_time(spec, start, hours(20)) == add_working_time(_fresh_uk(), start, hours(20)), start
        start += timedelta(minutes=37)
