"""Statutory deadlines: the one way an app computes and shows a due date in working days.

An app that stores a deadline (a filing's receipt and notice deadlines, later an inspection's
rectification deadline) does::

    from core.deadlines import due_after, calendar_warning

    row.due_at = due_after(row.submitted_at, policy.review_working_days, row.region)
    ...
    warning = calendar_warning(row.submitted_at, row.due_at)   # page: None, or the Chinese warning

``due_after`` counts on the official calendar (``core.workdays``: holidays and make-up working
days from the table, cached per process). A deadline counted through a year whose calendar has not
been imported is provisional (Monday–Friday): ``deadline_gaps`` names such years and
``calendar_warning`` says so in Chinese, for the page that shows the deadline. Apps recount their
stored deadlines when ``core.workdays.calendar_changed`` is sent.
"""

from __future__ import annotations

import datetime as dt

from .workdays import CHINA_TZ, add_working_days, uncovered_years


def due_after(start: dt.datetime, working_days: int, region=None) -> dt.datetime:
    """End (23:59:59 Asia/Shanghai) of the ``working_days``-th working day after the day of ``start``."""
    return add_working_days(start, working_days, region)


def _local_date(value: dt.datetime | dt.date) -> dt.date:
    return value.astimezone(CHINA_TZ).date() if isinstance(value, dt.datetime) else value


def deadline_gaps(start: dt.datetime | None, *deadlines: dt.datetime | None) -> list[int]:
    """Years without a calendar among the days counted from ``start`` (exclusive) to the latest deadline."""
    ends = [d for d in deadlines if d is not None]
    if start is None or not ends:
        return []
    return uncovered_years(_local_date(start) + dt.timedelta(days=1), _local_date(max(ends)))


def calendar_warning(start: dt.datetime | None, *deadlines: dt.datetime | None) -> str | None:
    """The warning shown next to deadlines counted through a year without a calendar, or None."""
    years = deadline_gaps(start, *deadlines)
    if not years:
        return None
    named = "、".join(f"{y}年" for y in years)
    return (f"{named}的法定节假日安排尚未导入，期限暂按周一至周五计算，可能不准确。"
            "请系统管理员导入国务院办公厅公布的节假日安排，导入后期限将自动重新计算。")


__all__ = ["calendar_warning", "deadline_gaps", "due_after"]
