"""Working days on the official calendar kept in a table (core.workdays, core.deadlines, import_calendar).

The test database's calendar is filled from chinese_calendar after migrate (and again after each
flush): 2004-2026; 2027 is not in it, exactly as on the day the issue was found.
"""

import datetime as dt
import json
import logging

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import workdays
from core.deadlines import calendar_warning, deadline_gaps, due_after
from core.models import CalendarDay, CalendarDayKind, CalendarYear
from core.workdays import CHINA_TZ, add_working_days, lookahead_gaps, uncovered_years

pytestmark = pytest.mark.django_db


def at(y, m, d, hh=10, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=CHINA_TZ)


def end_of(y, m, d):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=CHINA_TZ)


# A State Council notice for 2027 as an admin would type it (元旦 1-3 January, 春节 with a make-up Sunday).
NOTICE_2027 = {
    "source": "国务院办公厅关于2027年部分节假日安排的通知",
    "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"},
                 {"name": "春节", "start": "2027-02-06", "end": "2027-02-14"}],
    "workdays": [{"name": "春节", "date": "2027-02-20"}],
}


@pytest.fixture
def notice_2027(tmp_path):
    path = tmp_path / "2027.json"
    path.write_text(json.dumps(NOTICE_2027, ensure_ascii=False), encoding="utf-8")
    return path


def test_the_table_holds_the_years_the_package_knows():
    assert set(range(2004, 2027)) <= set(CalendarYear.objects.values_list("year", flat=True))
    national_day = CalendarDay.objects.get(date=dt.date(2026, 10, 1))
    assert (national_day.kind, national_day.name) == (CalendarDayKind.HOLIDAY, "国庆节")
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 10)).kind == CalendarDayKind.WORKDAY


def test_ordinary_week():
    # Monday 2026-03-02 + 5 working days = Monday 2026-03-09.
    assert due_after(at(2026, 3, 2), 5) == end_of(2026, 3, 9)


def test_submission_right_before_national_day_2026():
    # Wednesday 30 Sep 2026: Oct 1-7 are holidays, Saturday Oct 10 is an adjusted working day.
    # Working days after: Oct 8 (Thu), 9 (Fri), 10 (Sat, 调休), 12 (Mon), 13 (Tue).
    assert due_after(at(2026, 9, 30, 17, 30), 5) == end_of(2026, 10, 13)
    assert due_after(at(2026, 9, 30), 3) == end_of(2026, 10, 10)


def test_spring_festival_2026_with_fifteen_days():
    # Friday 13 Feb 2026: Sat 14 Feb is a working day, 15-23 Feb holidays, Sat 28 Feb works.
    assert due_after(at(2026, 2, 13), 1) == end_of(2026, 2, 14)
    assert due_after(at(2026, 2, 13), 2) == end_of(2026, 2, 24)
    # 15 working days: Feb 14, 24, 25, 26, 27, 28, Mar 2, 3, 4, 5, 6, 9, 10, 11, 12.
    assert due_after(at(2026, 2, 13), 15) == end_of(2026, 3, 12)


def test_late_evening_utc_counts_in_shanghai():
    # 2026-03-01 20:00 UTC is Monday 2 March 04:00 in Shanghai: the submission day is Monday.
    start = dt.datetime(2026, 3, 1, 20, 0, tzinfo=dt.UTC)
    assert due_after(start, 1) == end_of(2026, 3, 3)


def test_naive_datetime_refused():
    with pytest.raises(ValueError):
        add_working_days(dt.datetime(2026, 3, 2, 10, 0), 5)


# --- a year without a calendar: provisional and flagged, never silent --------------------------------

def test_submitted_on_new_years_eve_without_2027_is_provisional_and_flagged(caplog, monkeypatch):
    monkeypatch.setattr(workdays, "_warned_years", set())
    start = at(2026, 12, 31)  # Thursday
    with caplog.at_level(logging.WARNING, logger="core.workdays"):
        # Monday-Friday: Friday 1 January counts.
        assert due_after(start, 1) == end_of(2027, 1, 1)
        due = due_after(start, 5)
    assert due == end_of(2027, 1, 7)
    assert deadline_gaps(start, due) == [2027]
    warning = calendar_warning(start, due)
    assert "2027年的法定节假日安排尚未导入" in warning and "暂按周一至周五计算" in warning
    assert len([r for r in caplog.records if "2027" in r.getMessage()]) == 1  # once per year and process


def test_with_2027_imported_new_years_day_is_not_counted(notice_2027):
    start = at(2026, 12, 31)
    call_command("import_calendar", str(notice_2027), verbosity=0)
    # 1-3 January are holidays: the first working day after New Year's Eve is Monday 4 January.
    assert due_after(start, 1) == end_of(2027, 1, 4)
    assert due_after(start, 5) == end_of(2027, 1, 8)
    assert calendar_warning(start, due_after(start, 5)) is None
    # The make-up Saturday of the Spring Festival counts, the festival does not.
    assert due_after(at(2027, 2, 5), 1) == end_of(2027, 2, 15)
    assert due_after(at(2027, 2, 19), 1) == end_of(2027, 2, 20)
    year = CalendarYear.objects.get(year=2027)
    assert year.source == "国务院办公厅关于2027年部分节假日安排的通知"


def test_a_deadline_inside_a_known_year_has_no_warning():
    start = at(2026, 11, 2)
    assert calendar_warning(start, due_after(start, 15)) is None
    assert uncovered_years(dt.date(2026, 1, 1), dt.date(2026, 12, 31)) == []
    assert uncovered_years(dt.date(2026, 12, 1), dt.date(2028, 1, 5)) == [2027, 2028]


def test_health_lookahead_names_the_missing_year():
    assert lookahead_gaps(dt.date(2026, 6, 1)) == []
    assert lookahead_gaps(dt.date(2026, 11, 15)) == [2027]  # 60 days reach into 2027


# --- the table is cached per process and re-read when it changes --------------------------------------

def test_an_admin_edit_is_seen_by_the_next_computation():
    assert due_after(at(2026, 3, 2), 5) == end_of(2026, 3, 9)
    day = CalendarDay.objects.create(date=dt.date(2026, 3, 9), kind=CalendarDayKind.HOLIDAY, name="测试")
    assert due_after(at(2026, 3, 2), 5) == end_of(2026, 3, 10)
    day.delete()
    assert due_after(at(2026, 3, 2), 5) == end_of(2026, 3, 9)


def test_an_unchanged_table_is_not_read_again():
    due_after(at(2026, 3, 2), 5)
    with CaptureQueriesContext(connection) as queries:
        due_after(at(2026, 3, 2), 15)
    assert len(queries.captured_queries) == 1  # only the fingerprint


# --- manage.py import_calendar ------------------------------------------------------------------------

def test_import_csv(tmp_path):
    path = tmp_path / "2027.csv"
    path.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-02,放假,元旦\n2027-02-20,上班,春节\n",
                    encoding="utf-8")
    call_command("import_calendar", str(path), "--source", "国办发明电〔2026〕1号", verbosity=0)
    assert list(CalendarDay.objects.filter(date__year=2027).values_list("date", "kind")) == [
        (dt.date(2027, 1, 1), "holiday"), (dt.date(2027, 1, 2), "holiday"), (dt.date(2027, 2, 20), "workday")]
    assert CalendarYear.objects.get(year=2027).source == "国办发明电〔2026〕1号"


def test_import_refuses_bad_files_and_writes_nothing(tmp_path, notice_2027):
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind,name\n2027-01-01,holiday,元旦\n2027-01-05,workday,周二不能调休\n", encoding="utf-8")
    with pytest.raises(CommandError, match="不能作为调休上班日"):
        call_command("import_calendar", str(bad), verbosity=0)
    bad.write_text("date,kind,name\n2027-13-01,holiday,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("import_calendar", str(bad), verbosity=0)
    assert not CalendarDay.objects.filter(date__year=2027).exists()
    assert not CalendarYear.objects.filter(year=2027).exists()

    call_command("import_calendar", str(notice_2027), verbosity=0)
    with pytest.raises(CommandError, match="已导入"):  # a year already imported is replaced only on purpose
        call_command("import_calendar", str(notice_2027), verbosity=0)
    call_command("import_calendar", str(notice_2027), "--replace", verbosity=0)
    assert CalendarDay.objects.filter(date__year=2027).count() == 13


def test_import_from_package_adds_only_missing_years():
    CalendarDay.objects.filter(date__year=2025).delete()
    CalendarYear.objects.filter(year=2025).delete()
    call_command("import_calendar", "--from-package", verbosity=0)
    assert CalendarYear.objects.filter(year=2025).exists()
    assert CalendarDay.objects.get(date=dt.date(2025, 1, 1)).name == "元旦"
    assert due_after(at(2025, 9, 30), 1) == end_of(2025, 10, 9)  # National Day 2025: 1-8 October


# --- the system admin keeps the calendar in the admin, with history ----------------------------------

def test_system_admin_edits_the_calendar_with_history_and_the_count_follows(login, make_account):
    admin = make_account("sysadmin_cal", "system_admin", "000000")
    client = login(admin)
    response = client.post("/admin/core/calendarday/add/", {"date": "2026-03-09", "kind": "holiday", "name": "补充假日"})
    assert response.status_code == 302, response.content.decode()[:2000]
    day = CalendarDay.objects.get(date=dt.date(2026, 3, 9))
    assert due_after(at(2026, 3, 2), 5) == end_of(2026, 3, 10)
    event = day.audit_events.get()
    assert (event.pgh_label, event.kind, event.name) == ("insert", "holiday", "补充假日")
    assert event.pgh_context.metadata["user"] == admin.pk

    response = client.post("/admin/core/calendaryear/add/", {"year": 2027, "source": "国办发明电〔2026〕1号"})
    assert response.status_code == 302
    assert uncovered_years(dt.date(2027, 1, 1), dt.date(2027, 12, 31)) == []
    assert client.get("/admin/core/calendardayhistory/").status_code == 200


def test_auditor_reads_the_calendar_but_cannot_change_it(login, make_account):
    client = login(make_account("auditor_cal", "auditor", "000000"))
    listing = client.get("/admin/core/calendarday/", {"q": "国庆节"})
    assert listing.status_code == 200 and "国庆节" in listing.content.decode()
    assert 'name="_save"' not in client.get(f"/admin/core/calendarday/{CalendarDay.objects.first().pk}/change/").content.decode()
    assert client.get("/admin/core/calendarday/add/").status_code == 403
    assert client.post("/admin/core/calendarday/add/", {"date": "2026-03-09", "kind": "holiday"}).status_code == 403
    assert not CalendarDay.objects.filter(date=dt.date(2026, 3, 9)).exists()
