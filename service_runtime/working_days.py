"""Statutory time limits counted in Chinese working days, including adjusted working days (调休).

Uses the maintained `chinesecalendar` data; for a year it does not cover yet, weekends alone
are skipped (and a warning is logged), so a deadline is never lost.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache

import chinese_calendar
import structlog

from service_runtime.china_time import CHINA

log = structlog.get_logger("calendar")


@cache
def is_working_day(day: date) -> bool:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        log.warning("calendar_year_not_covered", year=day.year)
        return day.weekday() < 5  # noqa: PLR2004 - Monday to Friday


def due_at(received: datetime, working_days: int) -> datetime:
    """End of the Nth working day after the day of receipt, China time."""
    day = received.astimezone(CHINA).date()
    remaining = working_days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return datetime.combine(day, time(23, 59, 59), tzinfo=CHINA)


OFFICE_OPENS, OFFICE_CLOSES = time(9, 0), time(18, 0)  # China time, on working days


def next_office_moment(moment: datetime) -> datetime:
    """`moment` if an office is open then (a working day, 09:00-18:00 China time), else the
    next opening: an officer's decision falls in office hours."""
    local = moment.astimezone(CHINA)
    day = local.date()
    if is_working_day(day) and local.time() < OFFICE_CLOSES:
        return max(local, datetime.combine(day, OFFICE_OPENS, tzinfo=CHINA))
    for _ in range(40):  # the longest run of days off (Spring Festival with weekends) is ~9
        day += timedelta(days=1)
        if is_working_day(day):
            break
    return datetime.combine(day, OFFICE_OPENS, tzinfo=CHINA)
