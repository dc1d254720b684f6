"""Working days on the official Chinese calendar (statutory deadlines, 备案办法 art. 9).

The calendar is a table, not a guess: ``core.models.CalendarDay`` holds the State Council's
holidays and make-up working days (调休上班), ``core.models.CalendarYear`` marks each year whose
notice has been entered in full. A day is a working day when it is a make-up working day, or a
Monday–Friday that is not a holiday.

Where the rows come from:
- after ``migrate``, an empty table is filled with every year the ``chinese_calendar`` package
  knows (2004–2026 with the pinned version; ``core.holidays.seed_calendar_if_empty``);
  ``manage.py import_calendar --from-package`` adds the years a newer package knows;
- each year, when the State Council publishes the next year's notice (usually in November), the
  system admin runs ``manage.py import_calendar FILE`` (CSV or JSON, see that command), or enters
  the days in the admin (平台基础 → 法定节假日与调休) and adds the year to 已导入节假日安排的年份.
  Every change is recorded (pghistory).

A year without a ``CalendarYear`` row (behaviour chosen here, tested in tests/core/test_workdays.py):
deadlines counted through it are still computed, Monday–Friday plus any rows already entered for
that year, so a submission is never refused; but they are *provisional* and never silent:
``uncovered_years(first, last)`` names the missing years, ``core.deadlines.calendar_warning`` words
the warning the review page shows next to such a deadline, ``/healthz`` carries a ``calendar``
warning while any day of the next ``LOOKAHEAD_DAYS`` lies in a missing year, and the log gets one
warning per year and process. When a year's rows change, ``calendar_changed`` is sent (after
commit) with the years, so apps recount the deadlines they store (registry does, for the filings
waiting for a decision).

The table is read once per process and kept; each computation first compares a cheap fingerprint
of both tables (row counts, highest id, latest change) with the one it was read at, so a change
made by any process (admin, import command) is seen by every web and worker process at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.dispatch import Signal

logger = logging.getLogger(__name__)

CHINA_TZ = ZoneInfo("Asia/Shanghai")
# /healthz warns while any day from today to today + LOOKAHEAD_DAYS lies in a year without a
# calendar: a 15-working-day deadline reaches about three weeks ahead, a long holiday adds one.
LOOKAHEAD_DAYS = 60

# Sent after commit when calendar rows change; kwargs: ``years`` (a set of ints).
calendar_changed = Signal()

_warned_years: set[int] = set()


@dataclass(frozen=True)
class _Calendar:
    stamp: tuple
    years: frozenset[int]
    holidays: frozenset[dt.date]
    workdays: frozenset[dt.date]


_cache: _Calendar | None = None
_cache_lock = threading.Lock()


def _stamp() -> tuple:
    from .models import CalendarDay, CalendarYear

    days, years = CalendarDay._meta.db_table, CalendarYear._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT count(*) FROM {days}), (SELECT max(id) FROM {days}), (SELECT max(updated_at) FROM {days}),"  # noqa: S608 - our table names
            f" (SELECT count(*) FROM {years}), (SELECT max(id) FROM {years}), (SELECT max(updated_at) FROM {years})")
        return tuple(cursor.fetchone())


def calendar() -> _Calendar:
    """The calendar as the table holds it now (re-read only when the table changed)."""
    global _cache
    from .models import CalendarDay, CalendarDayKind, CalendarYear

    stamp = _stamp()
    cached = _cache
    if cached is not None and cached.stamp == stamp:
        return cached
    with _cache_lock:
        holidays, workdays = set(), set()
        for day, kind in CalendarDay.objects.values_list("date", "kind"):
            (holidays if kind == CalendarDayKind.HOLIDAY else workdays).add(day)
        _cache = _Calendar(stamp=stamp, years=frozenset(CalendarYear.objects.values_list("year", flat=True)),
                           holidays=frozenset(holidays), workdays=frozenset(workdays))
        return _cache


def invalidate() -> None:
    """Forget the cached table (the next computation reads it again)."""
    global _cache
    _cache = None


def covered_years() -> frozenset[int]:
    return calendar().years


def uncovered_years(first: dt.date, last: dt.date) -> list[int]:
    """The years from ``first`` to ``last`` (inclusive) that have no calendar yet."""
    if last < first:
        return []
    years = calendar().years
    return [y for y in range(first.year, last.year + 1) if y not in years]


def _is_working_day(day: dt.date, cal: _Calendar) -> bool:
    if day in cal.workdays:
        return True
    if day in cal.holidays:
        return False
    if day.year not in cal.years and day.year not in _warned_years:
        _warned_years.add(day.year)
        logger.warning("no official calendar for %s: counting Monday-Friday, deadlines are provisional", day.year)
    return day.weekday() < 5


def is_working_day(day: dt.date) -> bool:
    return _is_working_day(day, calendar())


def add_working_days(start: dt.datetime, n: int, region=None) -> dt.datetime:
    """End (23:59:59 Asia/Shanghai) of the n-th working day after the day of ``start``.

    ``start`` must be timezone-aware; the submission day itself never counts, whatever the hour.
    ``region`` is accepted for regional calendars (none differ today). Apps call
    ``core.deadlines.due_after``, which is this.
    """
    if start.tzinfo is None:
        raise ValueError("add_working_days needs a timezone-aware datetime")
    if n < 1:
        raise ValueError("n must be at least 1")
    cal = calendar()
    day = start.astimezone(CHINA_TZ).date()
    counted = 0
    while counted < n:
        day += dt.timedelta(days=1)
        if _is_working_day(day, cal):
            counted += 1
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CHINA_TZ)


def lookahead_gaps(today: dt.date | None = None) -> list[int]:
    """Years without a calendar between ``today`` and ``LOOKAHEAD_DAYS`` later (what /healthz warns of)."""
    today = today or dt.datetime.now(CHINA_TZ).date()
    return uncovered_years(today, today + dt.timedelta(days=LOOKAHEAD_DAYS))
