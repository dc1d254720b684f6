import datetime as dt
import logging

import pytest

from core import workdays
from core.workdays import CHINA_TZ, add_working_days


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def end_of(y, m, d):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=CHINA_TZ)


def test_ordinary_week():
    # Monday 2026-03-02 + 5 working days = Monday 2026-03-09.
    assert add_working_days(at(2026, 3, 2), 5) == end_of(2026, 3, 9)


def test_submission_right_before_national_day_2026():
    # Wednesday 30 Sep 2026: Oct 1-7 are holidays, Saturday Oct 10 is an adjusted working day.
    # Working days after: Oct 8 (Thu), 9 (Fri), 10 (Sat, 调休), 12 (Mon), 13 (Tue).
    assert add_working_days(at(2026, 9, 30, 17, 30), 5) == end_of(2026, 10, 13)
    assert add_working_days(at(2026, 9, 30), 3) == end_of(2026, 10, 10)


def test_spring_festival_2026_with_fifteen_days():
    # Friday 13 Feb 2026: Sat 14 Feb is a working day, 15-23 Feb holidays, Sat 28 Feb works.
    assert add_working_days(at(2026, 2, 13), 1) == end_of(2026, 2, 14)
    assert add_working_days(at(2026, 2, 13), 2) == end_of(2026, 2, 24)
    # 15 working days: Feb 14, 24, 25, 26, 27, 28, Mar 2, 3, 4, 5, 6, 9, 10, 11, 12.
    assert add_working_days(at(2026, 2, 13), 15) == end_of(2026, 3, 12)


def test_late_evening_utc_counts_in_shanghai():
    # 2026-03-01 20:00 UTC is Monday 2 March 04:00 in Shanghai: the submission day is Monday.
    start = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    assert add_working_days(start, 1) == end_of(2026, 3, 3)


def test_unknown_year_falls_back_to_weekdays_and_warns_once(caplog, monkeypatch):
    monkeypatch.setattr(workdays, "_warned_years", set())
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        # Friday 2099-01-02 → Mon 5, Tue 6.
        assert add_working_days(at(2099, 1, 2), 2) == end_of(2099, 1, 6)
        add_working_days(at(2099, 1, 2), 3)
    assert len([r for r in caplog.records if "2099" in r.getMessage()]) == 1


def test_naive_datetime_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 3, 2, 10, 0), 5)
