"""Working days on the official Chinese calendar (statutory deadlines, 备案办法 art. 9).

``chinese_calendar`` knows the State Council's holidays and the adjusted working weekends (调休)
year by year. For a year it does not know yet we fall back to Monday–Friday and log a warning
once per year, so a deadline is never refused, only possibly a little off until the package
is upgraded.
"""

from __future__ import annotations

import datetime as dt
import logging
from zoneinfo import ZoneInfo

import chinese_calendar

logger = logging.getLogger(__name__)

CHINA_TZ = ZoneInfo("Asia/Shanghai")
_warned_years: set[int] = set()


def is_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            logger.warning("chinese_calendar has no data for %s: counting Monday-Friday as working days",
                           day.year)
        return day.weekday() < 5


def add_working_days(start: dt.datetime, n: int, region=None) -> dt.datetime:
    """End (23:59:59 Asia/Shanghai) of the n-th working day after the day of ``start``.

    ``start`` must be timezone-aware; the submission day itself never counts, whatever the hour.
    ``region`` is accepted for regional calendars (none differ today).
    """
    if start.tzinfo is None:
        raise ValueError("add_working_days needs a timezone-aware datetime")
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start.astimezone(CHINA_TZ).date()
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            counted += 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA_TZ)
