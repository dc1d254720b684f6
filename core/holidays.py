"""Filling the official calendar table (``core.models.CalendarDay`` / ``CalendarYear``).

``calendar_import`` writes whole years, all or nothing: each year's rows are replaced by the
file's, the year is marked covered, and ``core.workdays.calendar_changed`` is sent once after
commit. Sources: a State Council notice typed into a small file (``parse_calendar_file``: CSV
``date,kind,name`` or JSON with date ranges, see ``manage.py import_calendar --help``), or the
``chinese_calendar`` package (``package_calendar``): an empty table is filled from it after
``migrate`` (``seed_calendar_if_empty``, on ``post_migrate`` as Django fills content types, so a
fresh install and a test database flushed between tests both start with every year it knows).
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import threading
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from .errors import DomainError
from .models import CalendarDay, CalendarDayKind, CalendarYear
from .workdays import calendar_changed

# chinese_calendar's holiday names, in Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}
_KIND_WORDS = {"holiday": CalendarDayKind.HOLIDAY, "放假": CalendarDayKind.HOLIDAY, "休": CalendarDayKind.HOLIDAY,
               "workday": CalendarDayKind.WORKDAY, "上班": CalendarDayKind.WORKDAY, "班": CalendarDayKind.WORKDAY}


@dataclass(frozen=True)
class Day:
    date: dt.date
    kind: str
    name: str = ""


@dataclass(frozen=True)
class ImportResult:
    years: list[int]
    holidays: int
    workdays: int


def package_calendar() -> dict[int, list[Day]]:
    """Every year the installed ``chinese_calendar`` knows, as ``{year: [Day]}``."""
    import chinese_calendar

    days: dict[int, list[Day]] = defaultdict(list)
    for source, kind in ((chinese_calendar.holidays, CalendarDayKind.HOLIDAY),
                         (chinese_calendar.workdays, CalendarDayKind.WORKDAY)):
        for date, name in source.items():
            days[date.year].append(Day(date, str(kind), HOLIDAY_NAMES.get(str(name), str(name))[:40]))
    return {year: sorted(rows, key=lambda d: d.date) for year, rows in sorted(days.items())}


def _error(message: str) -> DomainError:
    return DomainError("calendar_invalid", message)


def _date(value, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise _error(f"{where}：日期“{value}”无效，应为 YYYY-MM-DD。") from None


def _kind(value, where: str) -> str:
    kind = _KIND_WORDS.get(str(value).strip().lower())
    if kind is None:
        raise _error(f"{where}：类型“{value}”无效，应为 holiday（放假）或 workday（上班）。")
    return str(kind)


def parse_calendar_file(path: Path) -> tuple[list[Day], str]:
    """Days (and the notice's title, JSON only) from a CSV or JSON file; ``DomainError`` on bad input.

    CSV, one row per day, header ``date,kind,name``: ``2027-01-01,holiday,元旦``, ``2027-02-07,workday,春节``.
    JSON, as the notice reads::

        {"source": "国务院办公厅关于2027年部分节假日安排的通知",
         "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}, ...],
         "workdays": [{"name": "春节", "date": "2027-02-07"}, ...]}
    """
    text = path.read_text(encoding="utf-8-sig")
    days: list[Day] = []
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise _error(f"JSON 格式错误：{exc}") from None
        if not isinstance(data, dict):
            raise _error("JSON 顶层应为对象，含 holidays 和 workdays。")
        for key, kind in (("holidays", CalendarDayKind.HOLIDAY), ("workdays", CalendarDayKind.WORKDAY)):
            entries = data.get(key) or []
            if not isinstance(entries, list):
                raise _error(f"{key} 应为列表。")
            for i, entry in enumerate(entries, 1):
                where = f"{key} 第 {i} 项"
                if not isinstance(entry, dict):
                    raise _error(f"{where} 应为对象。")
                start = _date(entry.get("start", entry.get("date")), where)
                end = _date(entry["end"], where) if "end" in entry else start
                if end < start or (end - start).days > 31:
                    raise _error(f"{where}：结束日期应不早于开始日期，且不超过 31 天。")
                name = str(entry.get("name") or "")[:40]
                days += [Day(start + dt.timedelta(days=n), str(kind), name) for n in range((end - start).days + 1)]
        return days, str(data.get("source") or "")[:200]
    reader = csv.DictReader(text.splitlines())
    if not reader.fieldnames or not {"date", "kind"} <= {f.strip() for f in reader.fieldnames}:
        raise _error("CSV 第一行应为表头 date,kind,name。")
    for line, row in enumerate(reader, 2):
        row = {(k or "").strip(): (v or "") for k, v in row.items()}
        where = f"第 {line} 行"
        days.append(Day(_date(row.get("date"), where), _kind(row.get("kind"), where), row.get("name", "").strip()[:40]))
    return days, ""


_quiet = threading.local()


@contextlib.contextmanager
def one_change_signal():
    """Inside: row saves and deletes send no ``calendar_changed`` (the caller sends one for all)."""
    _quiet.active = True
    try:
        yield
    finally:
        _quiet.active = False


def signal_change_on_commit(years: Iterable[int]) -> None:
    """Send ``calendar_changed`` for ``years`` once the transaction commits (not from inside a bulk import)."""
    if getattr(_quiet, "active", False):
        return
    years = set(years)
    transaction.on_commit(lambda: calendar_changed.send(sender=CalendarDay, years=years))


@transaction.atomic
def calendar_import(*, days: Iterable[Day], years: Iterable[int] | None = None, source: str,
                    replace: bool = False) -> ImportResult:
    """Write ``years`` (default: the years of ``days``) from ``days``, all or nothing.

    A year already marked covered is refused unless ``replace`` (its rows may have been corrected
    by hand). A make-up working day must fall on a weekend; a day may appear once.
    """
    days = list(days)
    wanted = sorted(set(years) if years else {d.date.year for d in days})
    if not wanted:
        raise _error("文件中没有任何日期。")
    seen: dict[dt.date, Day] = {}
    for d in days:
        if d.date.year not in wanted:
            raise _error(f"{d.date:%Y-%m-%d} 不在导入的年份（{'、'.join(map(str, wanted))}）内。")
        if d.date in seen:
            raise _error(f"{d.date:%Y-%m-%d} 出现了不止一次。")
        if d.kind == CalendarDayKind.WORKDAY and d.date.weekday() < 5:
            raise _error(f"{d.date:%Y-%m-%d} 是工作日（周一至周五），不能作为调休上班日。")
        seen[d.date] = d
    covered = sorted(CalendarYear.objects.filter(year__in=wanted).values_list("year", flat=True))
    if covered and not replace:
        raise _error(f"{'、'.join(f'{y}年' for y in covered)}的节假日安排已导入；如需整体替换，请加 --replace。")
    with one_change_signal():
        CalendarDay.objects.filter(date__year__in=wanted).delete()
        CalendarDay.objects.bulk_create([CalendarDay(date=d.date, kind=d.kind, name=d.name) for d in days])
        for year in wanted:
            CalendarYear.objects.update_or_create(year=year, defaults={"source": source[:200]})
    signal_change_on_commit(wanted)
    return ImportResult(years=wanted, holidays=sum(d.kind == CalendarDayKind.HOLIDAY for d in days),
                        workdays=sum(d.kind == CalendarDayKind.WORKDAY for d in days))


def calendar_import_package(*, replace: bool = False) -> ImportResult:
    """Import the years ``chinese_calendar`` knows that are not covered yet (all of them with ``replace``)."""
    import chinese_calendar

    known = package_calendar()
    covered = set(CalendarYear.objects.values_list("year", flat=True))
    years = [y for y in known if replace or y not in covered]
    if not years:
        return ImportResult(years=[], holidays=0, workdays=0)
    return calendar_import(days=[d for y in years for d in known[y]], years=years, replace=replace,
                           source=f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}".strip())


def seed_calendar_if_empty(*, using: str = "default") -> int:
    """Fill an empty calendar from ``chinese_calendar`` (2004-2026 with the pinned version); returns the
    number of years written. A table with any row is left alone (the admin keeps it from then on)."""
    if CalendarYear.objects.using(using).exists() or CalendarDay.objects.using(using).exists():
        return 0
    import chinese_calendar

    source = f"chinese_calendar {getattr(chinese_calendar, '__version__', '')}".strip()
    known = package_calendar()
    with transaction.atomic(using=using), one_change_signal():
        CalendarDay.objects.using(using).bulk_create(
            [CalendarDay(date=d.date, kind=d.kind, name=d.name) for days in known.values() for d in days])
        CalendarYear.objects.using(using).bulk_create([CalendarYear(year=y, source=source) for y in known])
    return len(known)
