"""Staff roster: validated and encrypted ID numbers, audited reveals, 挂靠 flags across districts."""

from __future__ import annotations

import datetime as dt
import threading
import time
from html.parser import HTMLParser

import pytest
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import AuthEvent
from core.errors import DomainError, NotFound, PermissionDenied
from core.models import SweepOutcome, SweepRun
from core.sweeps import LOCK_NAMESPACE, lock_key, run_sweep
from core.tenancy import TenantScope, tenant_scope
from regions.models import PolicyParameter
from registry.inputs import parse_staff
from registry.models import Staff, StaffConflictFlag, StaffQualification
from registry.rules import add_months
from registry.selectors.institutions import staff_conflict_list, staff_list
from registry.selectors.staff import staff_roster
from registry.services.staff import (
    staff_conflicts_detect,
    staff_create,
    staff_end,
    staff_reveal_id_number,
    staff_update,
)
from registry.sweeps import STAFF_CONFLICTS
from tests.factories import InstitutionFactory, StaffFactory, make_id_number, make_uscc

pytestmark = pytest.mark.django_db

ID_X = "11010519491231002X"  # the GB 11643 standard's own example, check character X


@pytest.fixture
def xihu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330106", seed=1), region_id="330106001")


@pytest.fixture
def gongshu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330105", seed=2), region_id="330105001", name="拱墅区托育园")


@pytest.fixture
def op(make_account, xihu):
    return make_account("op_xihu", "operator", xihu.uscc)


@pytest.fixture
def op_gs(make_account, gongshu):
    return make_account("op_gs", "operator", gongshu.uscc)


def staff_data(**overrides):
    data = {"name": "李娜", "id_number": ID_X.lower(), "role": "caregiver", "education": "college",
            "years_experience": 4, "health_certificate_date": (timezone.localdate() - dt.timedelta(days=20)).isoformat(),
            "criminal_record_checked": True, "start_date": "2024-03-01",
            "qualifications": [{"type": "childcare", "number": "CC-2023-0001", "expires_on": "2028-12-31"}]}
    data.update(overrides)
    return data


def create(actor, institution, **overrides):
    """Raw values read by the one parser (as the API and the pages do), then the service."""
    with tenant_scope(TenantScope.for_institutions([institution.pk])):
        return staff_create(actor=actor, institution_id=institution.pk, data=parse_staff(staff_data(**overrides)))


def update(actor, staff, **data):
    with tenant_scope(TenantScope.for_institutions([staff.institution_id])):
        return staff_update(actor=actor, staff_id=staff.pk, data=parse_staff(data, partial=True))


def yesterday() -> dt.date:
    return timezone.localdate() - dt.timedelta(days=1)


def days(n: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def open_pairs() -> set[tuple[int, int]]:
    with scopes_disabled():
        return set(StaffConflictFlag.objects.filter(resolved_at__isnull=True).values_list("staff_id", "other_staff_id"))


def sweep() -> dict:
    """The nightly sweep as scheduled (``core.sweeps.run_sweep``: lock, run log)."""
    return run_sweep(STAFF_CONFLICTS).summary


def test_create_encrypts_masks_and_indexes(op, xihu):
    staff = create(op, xihu)
    with scopes_disabled():
        staff.refresh_from_db()
        assert staff.id_number_masked == "110105********002X"
        assert ID_X not in staff.id_number_encrypted
        assert staff.id_number == ID_X
        assert len(staff.id_number_hash) == 64
        assert [(q.type, q.number) for q in staff.qualifications.all()] == [("childcare", "CC-2023-0001")]


@pytest.mark.parametrize(("number", "code"), [
    ("110105194912310021", "id_number_checksum"),
    ("110105194902300028", "id_number_birth_date"),
    (make_id_number(born=timezone.localdate() + dt.timedelta(days=400)), "id_number_birth_date"),
    ("11010519491231", "id_number_format"),
])
def test_create_rejects_bad_id_numbers(op, xihu, number, code):
    with pytest.raises(DomainError) as info:
        create(op, xihu, id_number=number)
    assert info.value.code == code and "id_number" in info.value.fields
    with scopes_disabled():
        assert not Staff.objects.exists()


def test_same_person_twice_on_one_roster_refused(op, xihu):
    create(op, xihu)
    with pytest.raises(DomainError) as info:
        create(op, xihu, name="李娜（重复）")
    assert info.value.code == "staff_duplicate"


def test_other_institutions_operator_gets_404(op, op_gs, xihu, gongshu):
    staff = create(op, xihu)
    with tenant_scope(TenantScope.for_institutions([gongshu.pk])):
        with pytest.raises(NotFound):
            staff_update(actor=op_gs, staff_id=staff.pk, data={"name": "x"})
        with pytest.raises(NotFound):
            staff_create(actor=op_gs, institution_id=xihu.pk, data=parse_staff(staff_data()))


def test_update_partial_and_new_id_number(op, xihu):
    staff = create(op, xihu)
    new_number = make_id_number(seq=42)
    with tenant_scope(TenantScope.for_institutions([xihu.pk])):
        staff = staff_update(actor=op, staff_id=staff.pk, data={"id_number": new_number, "qualifications": []})
        assert staff.id_number == new_number
        assert staff.qualifications.count() == 0
        assert staff.name == "李娜"
        with pytest.raises(DomainError) as info:
            staff_update(actor=op, staff_id=staff.pk, data={"end_date": dt.date(2020, 1, 1)})
        assert info.value.code == "end_before_start"


def test_reveal_only_for_allowed_roles_and_audited(op, xihu, reviewer, make_account, rf):
    staff = create(op, xihu)
    inspector = make_account("insp_xh", "district_inspector", "330106")
    request = rf.post(f"/api/v1/institutions/{xihu.pk}/staff/{staff.pk}/reveal/", REMOTE_ADDR="10.1.2.3")
    with tenant_scope(TenantScope.for_institutions([xihu.pk])), pytest.raises(PermissionDenied):
        staff_reveal_id_number(actor=op, staff_id=staff.pk)
    with tenant_scope(TenantScope.for_region(xihu.district)):
        with pytest.raises(PermissionDenied):
            staff_reveal_id_number(actor=inspector, staff_id=staff.pk)
        assert staff_reveal_id_number(actor=reviewer, staff_id=staff.pk, request=request) == ID_X
    event = AuthEvent.objects.get(kind="reveal")
    assert (event.user, event.target, event.ip, event.district_id) == (
        reviewer, f"registry.staff:{staff.pk}:id_number", "10.1.2.3", "330106")
    assert ID_X not in event.target and ID_X not in event.path


def test_reveal_other_district_is_404(op, xihu, other_reviewer, regions):
    staff = create(op, xihu)
    with tenant_scope(TenantScope.for_region(regions["330105"])), pytest.raises(NotFound):
        staff_reveal_id_number(actor=other_reviewer, staff_id=staff.pk)
    assert not AuthEvent.objects.filter(kind="reveal").exists()


def test_same_person_at_two_districts_flags_both_sides(op, op_gs, xihu, gongshu, regions):
    mine = create(op, xihu)
    theirs = create(op_gs, gongshu, name="李娜")
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        flags = list(staff_conflict_list())
        assert [(f.staff_id, f.other_institution_name, f.other_district_name) for f in flags] == [
            (mine.pk, "拱墅区托育园", "浙江省杭州市拱墅区")]
    with tenant_scope(TenantScope.for_region(regions["330105"])):
        assert [f.staff_id for f in staff_conflict_list()] == [theirs.pk]
    # Ending today: they still work there today, so both flags stay open...
    with tenant_scope(TenantScope.for_institutions([gongshu.pk])):
        staff_end(actor=op_gs, staff_id=theirs.pk, end_date=timezone.localdate())
    assert open_pairs() == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}
    # ...ending yesterday (a correction) resolves both.
    with tenant_scope(TenantScope.for_institutions([gongshu.pk])):
        staff_update(actor=op_gs, staff_id=theirs.pk, data={"end_date": yesterday()})
    with scopes_disabled():
        assert StaffConflictFlag.objects.filter(resolved_at__isnull=True).count() == 0
        assert StaffConflictFlag.objects.count() == 2


def test_conflict_match_is_one_query(op, op_gs, xihu, gongshu):
    mine = create(op, xihu)
    create(op_gs, gongshu)
    with CaptureQueriesContext(connection) as ctx:
        staff_conflicts_detect(staff_id=mine.pk)
    matches = [q["sql"] for q in ctx.captured_queries if '"registry_staff"."id_number_hash" =' in q["sql"]]
    assert len(matches) == 1
    # The match crosses tenants: no district filter in it.
    assert '"registry_staff"."district_id"' not in matches[0].split("WHERE", 1)[1]


def test_staff_list_query_count_is_bounded(op, xihu, django_assert_max_num_queries):
    for n in range(10):
        create(op, xihu, id_number=make_id_number(seq=100 + n), name=f"员工{n}")
    with tenant_scope(TenantScope.for_institutions([xihu.pk])), django_assert_max_num_queries(5):
        rows = list(staff_list(institution_id=xihu.pk))
        assert len(rows) == 10
        assert all(r.qualification_items()[0].number for r in rows)  # read with the roster, no query a row


def test_roster_selector_query_count_does_not_grow(op, xihu, gongshu, django_assert_max_num_queries):
    for n in range(10):
        create(op, xihu, id_number=make_id_number(seq=100 + n), name=f"员工{n}")
    with tenant_scope(TenantScope.for_institutions([xihu.pk])), django_assert_max_num_queries(6):
        rows = staff_roster(institution_id=xihu.pk)
        assert len(rows) == 10 and all(r.qualification_rows and r.health_expires_on for r in rows)


# --- 挂靠: a roster row counts until its end date has passed ---------------------------------------------

def test_future_end_date_is_still_on_the_roster_and_conflicts(op, op_gs, xihu, gongshu):
    mine = create(op, xihu, end_date="2099-12-31")
    theirs = create(op_gs, gongshu)
    assert open_pairs() == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}


def test_a_row_that_ended_before_today_never_conflicts(op, op_gs, xihu, gongshu):
    create(op, xihu, start_date="2020-01-01", end_date="2023-12-31")
    create(op_gs, gongshu)
    assert open_pairs() == set()


def test_changing_dates_flags_and_resolves_by_period_overlap(op, op_gs, xihu, gongshu):
    mine = create(op, xihu, start_date=days(-100), end_date=days(30))  # gave notice: leaves in a month
    theirs = create(op_gs, gongshu, start_date=days(60))  # starts after that: a job change, not 挂靠
    assert open_pairs() == set()
    update(op_gs, theirs, start_date=days(10))  # now starts while still employed at 西湖
    assert open_pairs() == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}
    update(op, mine, end_date=days(5))  # leaves before starting at 拱墅
    assert open_pairs() == set()
    update(op, mine, end_date=None)  # notice withdrawn
    assert open_pairs() == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}
    # A corrected ID number: no longer the same person.
    update(op, mine, id_number=make_id_number(seq=321))
    assert open_pairs() == set()


def test_rehire_after_leaving_is_allowed(op, xihu):
    first = create(op, xihu, start_date="2020-01-01", end_date="2022-06-30")
    again = create(op, xihu, start_date="2024-03-01")
    assert first.pk != again.pk


# --- the same person twice on one roster, and two districts adding one person, at the same time -------

def _in_thread(fn):
    result: dict = {}

    def run():
        try:
            result["value"] = fn()
        except BaseException as exc:  # handed back to the test
            result["error"] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def _race(first, second):
    """``first`` writes and holds its transaction open; ``second`` starts meanwhile and must wait."""
    written, commit = threading.Event(), threading.Event()

    def hold():
        with transaction.atomic():
            value = first()
            written.set()
            commit.wait(10)
        return value

    t1, r1 = _in_thread(hold)
    assert written.wait(10)
    t2, r2 = _in_thread(second)
    time.sleep(0.5)
    waited = t2.is_alive()
    commit.set()
    t1.join(10)
    t2.join(10)
    assert "error" not in r1, r1
    return waited, r1, r2


@pytest.mark.django_db(transaction=True)
def test_two_adds_of_one_person_to_one_roster_at_once_leave_one_row(op, xihu):
    waited, _, second = _race(lambda: create(op, xihu), lambda: create(op, xihu, name="李娜（重复）"))
    assert waited, "the second insert should wait on the unique index"
    assert isinstance(second.get("error"), DomainError), second
    assert second["error"].code == "staff_duplicate" and "id_number" in second["error"].fields
    with scopes_disabled():
        assert list(Staff.objects.values_list("name", flat=True)) == ["李娜"]


@pytest.mark.django_db(transaction=True)
def test_two_districts_adding_one_person_at_once_are_both_flagged(op, op_gs, xihu, gongshu):
    waited, first, second = _race(lambda: create(op, xihu), lambda: create(op_gs, gongshu))
    assert waited, "the second match should wait for the first add of the same person"
    assert "error" not in second, second
    a, b = first["value"].pk, second["value"].pk
    assert open_pairs() == {(a, b), (b, a)}


# --- the nightly sweep -------------------------------------------------------------------------------

def test_sweep_flags_rows_detection_missed_both_ways_and_is_idempotent(xihu, gongshu):
    with scopes_disabled():  # rows written without the services (as two racing adds would leave them)
        a = StaffFactory(institution=xihu, id_number=ID_X)
        b = StaffFactory(institution=gongshu, id_number=ID_X, end_date=timezone.localdate() + dt.timedelta(days=365))
        StaffFactory(institution=InstitutionFactory(), id_number=ID_X, start_date=dt.date(2019, 1, 1),
                     end_date=dt.date(2020, 12, 31))  # left long ago
        StaffFactory(institution=xihu, id_number=make_id_number(seq=5))  # somebody else
    assert open_pairs() == set()
    assert sweep() == {"created": 2, "reopened": 0, "resolved": 0}
    assert open_pairs() == {(a.pk, b.pk), (b.pk, a.pk)}
    with scopes_disabled():
        flag = StaffConflictFlag.objects.get(staff=a)
    assert (flag.other_institution_name, flag.other_district_name, flag.district_id) == (
        "拱墅区托育园", "浙江省杭州市拱墅区", "330106")
    assert sweep() == {"created": 0, "reopened": 0, "resolved": 0}
    assert open_pairs() == {(a.pk, b.pk), (b.pk, a.pk)}


def test_sweep_resolves_once_an_end_date_has_passed_and_reopens_when_it_is_lifted(op, op_gs, xihu, gongshu):
    mine = create(op, xihu, end_date=timezone.localdate().isoformat())  # last working day: today
    theirs = create(op_gs, gongshu)
    assert open_pairs() == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}
    with scopes_disabled():  # the next night: that end date is now in the past
        Staff.objects.filter(pk=mine.pk).update(end_date=yesterday())
    assert sweep() == {"created": 0, "reopened": 0, "resolved": 2}
    assert open_pairs() == set()
    assert sweep() == {"created": 0, "reopened": 0, "resolved": 0}
    with scopes_disabled():  # the end date lifted without the service (a data repair)
        Staff.objects.filter(pk=mine.pk).update(end_date=None)
    assert sweep() == {"created": 0, "reopened": 2, "resolved": 0}
    assert open_pairs() == {(mine.pk, theirs.pk), (theirs.pk, mine.pk)}


def _pairs(xihu, gongshu, n, first_seq):
    with scopes_disabled():
        for i in range(n):
            number = make_id_number(seq=first_seq + i)
            StaffFactory(institution=xihu, id_number=number)
            StaffFactory(institution=gongshu, id_number=number)


def test_sweep_is_set_based(xihu, gongshu):
    _pairs(xihu, gongshu, 2, 700)
    with CaptureQueriesContext(connection) as small:
        assert sweep()["created"] == 4
    _pairs(xihu, gongshu, 25, 800)
    with CaptureQueriesContext(connection) as large:
        assert sweep()["created"] == 50
    # run log (2), two savepoints (4), lock, the audit switch on and off (2), work_mem, the sweep's own
    # three statements and its one audit event, whatever the rows.
    assert len(large.captured_queries) == len(small.captured_queries) <= 14


def test_sweep_flags_are_audited_as_one_event_per_run_with_the_count(xihu, gongshu):
    from core.audit import BULK_WRITE

    _pairs(xihu, gongshu, 3, 600)
    with scopes_disabled():
        history = StaffConflictFlag.audit_events.field.model.objects  # registry.StaffConflictFlagHistory
        flags_history_before = history.count()
    run = run_sweep(STAFF_CONFLICTS)
    assert run.summary == {"created": 6, "reopened": 0, "resolved": 0} and run.rows == 6
    events = list(run.audit_events.all())
    assert [(e.pgh_label, e.rows, e.summary, e.name) for e in events] == [
        (BULK_WRITE, 6, {"created": 6, "reopened": 0, "resolved": 0}, STAFF_CONFLICTS)]
    with scopes_disabled():
        assert history.count() == flags_history_before  # no history row per flag
        # Outside the sweep, a flag's changes are audited row by row as before.
        flag = StaffConflictFlag.objects.filter(staff__institution=xihu).first()
        flag.resolved_at = timezone.now()
        flag.save()
        assert history.filter(pgh_obj_id=flag.pk, pgh_label="update").count() == 1
    second = run_sweep(STAFF_CONFLICTS)  # reopens that flag: one event again, with its count
    assert [(e.pgh_label, e.rows) for e in second.audit_events.all()] == [(BULK_WRITE, 1)]


def test_bulk_writes_restores_the_trigger_switch_and_needs_a_transaction():
    from core.audit import IGNORE_SETTING, bulk_writes, history_trigger_ids

    ids = history_trigger_ids(StaffConflictFlag)
    assert len(ids) == 3  # insert, update, delete

    def current():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting(%s, true)", [IGNORE_SETTING])
            return cursor.fetchone()[0]

    before = current()
    with bulk_writes(StaffConflictFlag):
        assert set(current().strip("{}").split(",")) >= set(ids)
    assert (current() or "{}") == (before or "{}")


@pytest.mark.django_db(transaction=True)
def test_bulk_writes_outside_a_transaction_is_refused():
    from core.audit import bulk_writes

    with pytest.raises(RuntimeError), bulk_writes(StaffConflictFlag):
        pass


@pytest.mark.django_db(transaction=True)
def test_a_second_sweep_is_skipped_while_one_runs_and_logged(xihu, gongshu):
    _pairs(xihu, gongshu, 1, 900)
    with transaction.atomic():
        with connection.cursor() as cursor:  # a sweep is running: it holds the sweep lock
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, lock_key(STAFF_CONFLICTS)])
        thread, result = _in_thread(lambda: run_sweep(STAFF_CONFLICTS))
        thread.join(10)
        assert not thread.is_alive(), "the second run must not wait for the first"
    skipped = result["value"]
    assert (skipped.outcome, skipped.summary, skipped.rows) == (SweepOutcome.SKIPPED, {}, 0)
    assert SweepRun.objects.get(pk=skipped.pk).finished_at is not None
    assert open_pairs() == set()  # it did nothing
    assert sweep() == {"created": 2, "reopened": 0, "resolved": 0}  # the next run does the work


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_sweep_task_through_worker(celery_worker_app, xihu, gongshu):
    from core.tasks import run_sweep as task

    with scopes_disabled():
        a = StaffFactory(institution=xihu, id_number=ID_X)
        b = StaffFactory(institution=gongshu, id_number=ID_X)
        gone = StaffFactory(institution=xihu, id_number=make_id_number(seq=31), end_date=yesterday())
        other = StaffFactory(institution=gongshu, id_number=make_id_number(seq=31))
        for mine, theirs in ((gone, other), (other, gone)):  # a flag left open from before gone's end date
            flag = StaffConflictFlag(staff=mine, other_staff=theirs, other_institution_name="x", other_district_name="x")
            flag.set_region(mine.region)
            flag.save()
    assert task.delay(STAFF_CONFLICTS).get(timeout=30)["summary"] == {"created": 2, "reopened": 0, "resolved": 2}
    assert open_pairs() == {(a.pk, b.pk), (b.pk, a.pk)}
    assert task.delay(STAFF_CONFLICTS).get(timeout=30)["summary"] == {"created": 0, "reopened": 0, "resolved": 0}
    assert list(SweepRun.objects.filter(name=STAFF_CONFLICTS).order_by("id").values_list("outcome", "rows")) == [("ok", 4), ("ok", 0)]


def test_sweep_is_scheduled_nightly():
    import core.tasks  # noqa: F401 - what the worker's autodiscovery imports
    from childcare.celery import app

    entries = [e for e in app.conf.beat_schedule.values()
               if e["task"] == "core.tasks.run_sweep" and e["args"] == [STAFF_CONFLICTS]]
    assert len(entries) == 1 and "core.tasks.run_sweep" in app.tasks
    assert len(entries[0]["schedule"].hour) == 1 and len(entries[0]["schedule"].minute) == 1  # once a day


# --- pages ---------------------------------------------------------------------------------------------

class _Fields(HTMLParser):
    """What a browser submits from the page unchanged (inputs, checked boxes, selected options)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None
        self._template = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "template":
            self._template += 1
        if self._template:
            return
        if tag == "input" and a.get("name"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.data[a["name"]] = a.get("value") or "on"
            elif a.get("type") not in ("submit", "button"):
                self.data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and (self._select not in self.data or "selected" in a):
            self.data[self._select] = a.get("value") or ""  # the first option unless one is selected

    def handle_endtag(self, tag):
        if tag == "template":
            self._template -= 1
        elif tag == "select":
            self._select = None


def form_fields(response) -> dict[str, str]:
    parser = _Fields()
    parser.feed(response.content.decode())
    return parser.data


def certificates(staff) -> list[tuple]:
    with scopes_disabled():
        return list(StaffQualification.objects.filter(staff=staff).order_by("id")
                    .values_list("type", "number", "expires_on"))


def test_edit_page_unchanged_save_keeps_every_certificate_and_one_can_be_removed(client, op, xihu):
    staff = create(op, xihu, qualifications=[{"type": "childcare", "number": "CC-1", "expires_on": "2030-01-31"},
                                             {"type": "teacher", "number": "T-2", "expires_on": ""}])
    client.force_login(op)
    url = reverse("registry:staff_edit", args=[staff.pk])
    response = client.post(url, form_fields(client.get(url)))
    assert response.status_code == 302
    assert certificates(staff) == [("childcare", "CC-1", dt.date(2030, 1, 31)), ("teacher", "T-2", None)]

    data = form_fields(client.get(url))
    number_key = next(k for k, v in data.items() if v == "T-2")
    data[number_key.replace("-number", "-DELETE")] = "on"
    assert client.post(url, data).status_code == 302
    assert certificates(staff) == [("childcare", "CC-1", dt.date(2030, 1, 31))]


def test_add_page_saves_several_certificates_and_refuses_a_half_filled_one(client, op, xihu):
    client.force_login(op)
    url = reverse("registry:staff_add")
    data = form_fields(client.get(url))
    data.update({"name": "王芳", "id_number": make_id_number(seq=301), "role": "caregiver", "years_experience": "2",
                 "start_date": days(-10), "quals-TOTAL_FORMS": "3",
                 "quals-0-type": "childcare", "quals-0-number": "CC-9", "quals-0-expires_on": "2031-06-30",
                 "quals-1-type": "cook", "quals-1-number": "", "quals-1-expires_on": "",
                 "quals-2-type": "", "quals-2-number": "", "quals-2-expires_on": ""})
    half = client.post(url, data)
    assert half.status_code == 200 and "请填写证书编号。" in half.content.decode()
    with scopes_disabled():
        assert not Staff.objects.exists()
    data["quals-1-number"] = "JK-1"
    assert client.post(url, data).status_code == 302
    with scopes_disabled():
        staff = Staff.objects.get()
    assert certificates(staff) == [("childcare", "CC-9", dt.date(2031, 6, 30)), ("cook", "JK-1", None)]


def test_page_reveal_is_never_cached(client, op, xihu, reviewer):
    staff = create(op, xihu)
    client.force_login(reviewer)
    response = client.post(reverse("registry:staff_reveal", args=[staff.pk]))
    assert response.status_code == 200 and ID_X in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def _rows(response) -> dict[str, str]:
    """Roster rows by the person's name (first cell)."""
    html = response.content.decode()
    rows = {}
    for chunk in html.split('data-testid="staff-row"')[1:]:
        row = chunk.split("</tr>", 1)[0]
        rows[row.split("<td>", 1)[1].split("<", 1)[0].strip()] = row
    return rows


def test_rosters_show_certificates_checks_health_expiry_and_conflict(client, op, op_gs, xihu, gongshu, reviewer,
                                                                     regions):
    with scopes_disabled():  # this district re-examines every 6 months
        PolicyParameter.objects.create(region=regions["330106"], key="staff.health_certificate_valid_months", value=6)
    today = timezone.localdate()
    issued = add_months(today, -7)  # valid for 12 months by default, expired by the district's 6
    create(op, xihu, name="张过期", health_certificate_date=issued.isoformat(), criminal_record_checked=False,
           qualifications=[{"type": "childcare", "number": "CC-OLD", "expires_on": yesterday().isoformat()},
                           {"type": "teacher", "number": "T-OK", "expires_on": days(300)}])
    create(op, xihu, name="李合格", id_number=make_id_number(seq=311), health_certificate_date=days(-10),
           criminal_record_checked_on=days(-40))
    create(op_gs, gongshu, name="张过期")  # the same person, on 拱墅's roster too: 挂靠

    client.force_login(op)
    operator_rows = _rows(client.get(reverse("registry:staff_list")))
    client.force_login(reviewer)
    commission_rows = _rows(client.get(reverse("registry:institution_detail", args=[xihu.pk])))
    for rows in (operator_rows, commission_rows):
        stale, fine = rows["张过期"], rows["李合格"]
        assert 'data-testid="conflict-badge"' in stale and "挂靠" in stale
        assert 'data-testid="conflict-badge"' not in fine
        assert f"保育师/育婴员证书（至 {yesterday():%Y-%m-%d}，已过期）" in stale
        assert stale.count('data-testid="qualification-expired"') == 1
        assert f"教师资格证（至 {days(300)}）" in stale
        assert f"{add_months(issued, 6):%Y-%m-%d}（已过期）" in stale and 'data-testid="health-expired"' in stale
        assert "未提供" in stale.split('data-testid="criminal-record"')[1].split("</td>")[0]
        assert f"{add_months(today - dt.timedelta(days=10), 6):%Y-%m-%d}" in fine
        assert "已过期" not in fine and f"已提供（{days(-40)}）" in fine


def test_roster_pages_query_count_does_not_grow_with_the_roster(client, op, reviewer, xihu, gongshu):
    def grow(n, first_seq):
        with scopes_disabled():
            for i in range(n):
                number = make_id_number(seq=first_seq + i)
                s = StaffFactory(institution=xihu, id_number=number)
                StaffFactory(institution=gongshu, id_number=number)
                for kind in ("childcare", "teacher"):
                    q = StaffQualification(staff=s, type=kind, number=f"{kind}-{first_seq + i}",
                                           expires_on=timezone.localdate() + dt.timedelta(days=i - 3))
                    q.set_region(s.region)
                    q.save()
        sweep()

    operator, commission = type(client)(), type(client)()
    operator.force_login(op)
    commission.force_login(reviewer)
    pages = [(operator, reverse("registry:staff_list")),
             (commission, reverse("registry:institution_detail", args=[xihu.pk]))]
    for c, url in pages:
        c.get(url)  # warm session and assignment caches

    def counts():
        out = []
        for c, url in pages:
            with CaptureQueriesContext(connection) as ctx:
                response = c.get(url)
            assert response.status_code == 200
            out.append((len(ctx.captured_queries), response.content.decode().count('data-testid="conflict-badge"')))
        return out

    grow(2, 400)
    small = counts()
    grow(10, 500)
    large = counts()
    assert [badges for _, badges in small] == [2, 2] and [badges for _, badges in large] == [12, 12]
    assert [q for q, _ in large] == [q for q, _ in small]


# --- API filters ---------------------------------------------------------------------------------------

def test_api_staff_list_filters(op, op_gs, xihu, gongshu):
    from rest_framework.test import APIClient

    today = timezone.localdate()
    create(op, xihu, name="甲", id_number=make_id_number(seq=401))
    create(op, xihu, name="乙", id_number=make_id_number(seq=402), role="principal",
           health_certificate_date=add_months(today, -13).isoformat())
    create(op, xihu, name="丙", id_number=make_id_number(seq=403), start_date="2020-01-01",
           end_date=yesterday().isoformat())
    create(op, xihu, name="丁", end_date="2099-12-31")  # ID_X, also on 拱墅's roster
    create(op, xihu, name="戊", id_number=make_id_number(seq=404), end_date=today.isoformat())  # last day today
    create(op_gs, gongshu, name="丁")
    client = APIClient()
    client.force_login(op)

    def names(query: str) -> set[str]:
        response = client.get(f"/api/v1/institutions/{xihu.pk}/staff/?{query}")
        assert response.status_code == 200, response.content
        return {r["name"] for r in response.json()["results"]}

    assert names("") == {"甲", "乙", "丙", "丁", "戊"}
    assert names("role=principal") == {"乙"}
    assert names("status=active") == {"甲", "乙", "丁", "戊"}
    assert names("status=ended") == {"丙"}
    assert names("health_certificate_expired=true") == {"乙"}
    assert names("health_certificate_expired=false") == {"甲", "丙", "丁", "戊"}
    assert names("has_conflict=true") == {"丁"}
    assert names("has_conflict=false&status=active&role=caregiver") == {"甲", "戊"}
    bad = client.get(f"/api/v1/institutions/{xihu.pk}/staff/?role=astronaut")
    assert bad.status_code == 400 and "role" in bad.json()["fields"]
