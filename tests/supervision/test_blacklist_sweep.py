"""The nightly blacklist sweep: every staff member not ended (principals included), every
organisation's legal representative and every institution not terminated, against every entry in
force — one set-based statement, new hits only, idempotent, through ``core.sweeps.run_sweep`` and
through a real Celery worker (``supervision.tasks.blacklist_sweep``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.models import SweepRun
from core.sweeps import run_sweep
from notifications.models import Notification
from supervision.models import BlacklistHit, HitSide, HitSource, MatchedAs
from supervision.services.hits import hit_close
from supervision.sweeps import BLACKLIST
from tests.factories import InstitutionFactory, StaffFactory, make_blacklist_entry, make_id_number

from .conftest import LISTED_ID

pytestmark = pytest.mark.django_db


def rows():
    with scopes_disabled():
        return sorted(BlacklistHit.objects.values_list("seen_by", "district_id", "matched_as", "staff_id",
                                                        "institution_id", "source"))


@pytest.fixture
def world(regions):
    """A listed person on rosters in 西湖区 and 东莞; a listed organisation in 拱墅区; noise."""
    with scopes_disabled():
        xihu = InstitutionFactory(name="西湖甲")
        dongguan = InstitutionFactory(name="东莞乙", region_id="441900003")
        gongshu = InstitutionFactory(name="拱墅丙", region_id="330105001")
        on_xihu = StaffFactory(institution=xihu, id_number=LISTED_ID)
        on_dongguan = StaffFactory(institution=dongguan, id_number=LISTED_ID, role="principal")
        StaffFactory(institution=xihu, id_number=make_id_number(seq=3))  # not listed
        make_blacklist_entry(id_number=LISTED_ID)  # listed by 东莞 (441900003)
        make_blacklist_entry(district="330106", kind="organisation", name=gongshu.name, uscc=gongshu.uscc)
    return {"xihu": xihu, "dongguan": dongguan, "gongshu": gongshu, "on_xihu": on_xihu, "on_dongguan": on_dongguan}


def test_the_sweep_records_each_new_match_for_both_districts_once(world, reviewer, other_reviewer, make_account):
    dongguan_reviewer = make_account("dg_rev", "district_reviewer", "441900003")
    run = run_sweep(BLACKLIST)
    assert run.outcome == "ok"
    on_xihu, on_dongguan = world["on_xihu"], world["on_dongguan"]
    assert rows() == sorted([
        # 西湖区's caregiver: 东莞's row and 西湖区's row.
        (HitSide.LISTING, "441900003", MatchedAs.PERSON, on_xihu.pk, world["xihu"].pk, HitSource.SWEEP),
        (HitSide.INSTITUTION, "330106", MatchedAs.PERSON, on_xihu.pk, world["xihu"].pk, HitSource.SWEEP),
        # 东莞's own principal: one row, both sides.
        (HitSide.BOTH, "441900003", MatchedAs.PERSON, on_dongguan.pk, world["dongguan"].pk, HitSource.SWEEP),
        # The organisation listed by 西湖区, registered in 拱墅区.
        (HitSide.LISTING, "330106", MatchedAs.ORGANISATION, None, world["gongshu"].pk, HitSource.SWEEP),
        (HitSide.INSTITUTION, "330105", MatchedAs.ORGANISATION, None, world["gongshu"].pk, HitSource.SWEEP),
    ])
    assert run.rows == 5 and run.summary["hits"] == 5
    # Each district's reviewers hear once, with the count of their own new rows.
    assert Notification.objects.get(user=reviewer).title == "从业禁止名单核查发现 2 条新命中"
    assert Notification.objects.get(user=other_reviewer).title == "从业禁止名单核查发现 1 条新命中"
    assert Notification.objects.get(user=dongguan_reviewer).title == "从业禁止名单核查发现 2 条新命中"
    # A second run adds nothing and tells nobody.
    again = run_sweep(BLACKLIST)
    assert again.summary == {"hits": 0, "notified": 0} and len(rows()) == 5
    assert Notification.objects.count() == 3


def test_a_hit_closed_as_a_false_match_is_not_found_again(world, make_account):
    run_sweep(BLACKLIST)
    admin = make_account("dg_admin", "district_admin", "441900003")
    with scopes_disabled():
        listing_row = BlacklistHit.objects.get(seen_by=HitSide.LISTING, staff=world["on_xihu"])
    from core.tenancy import TenantScope, tenant_scope
    from regions.models import Region

    with tenant_scope(TenantScope.for_region(Region.objects.get(code="441900003"))):
        hit_close(actor=admin, hit_id=listing_row.pk, reason="同名同号系录入错误")
    run_sweep(BLACKLIST)
    with scopes_disabled():
        assert BlacklistHit.objects.filter(staff=world["on_xihu"]).count() == 2
        assert set(BlacklistHit.objects.filter(staff=world["on_xihu"]).values_list("status", flat=True)) == {"closed"}


def test_expired_or_ended_entries_ended_staff_and_terminated_institutions_do_not_match(regions):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with scopes_disabled():
        xihu = InstitutionFactory(name="西湖甲")
        closed = InstitutionFactory(name="已终止丁", status="terminated")
        StaffFactory(institution=xihu, id_number=make_id_number(seq=41))
        StaffFactory(institution=xihu, id_number=make_id_number(seq=42), end_date=yesterday,
                     start_date=yesterday - dt.timedelta(days=300))
        StaffFactory(institution=closed, id_number=make_id_number(seq=43))
        make_blacklist_entry(id_number=make_id_number(seq=41), banned_until=yesterday)  # expired yesterday
        make_blacklist_entry(district="330105", id_number=make_id_number(seq=41), status="ended")
        make_blacklist_entry(id_number=make_id_number(seq=42))  # their employment ended
        make_blacklist_entry(id_number=make_id_number(seq=43))  # their institution is terminated
        make_blacklist_entry(kind="organisation", name=closed.name, uscc=closed.uscc)
        upcoming = StaffFactory(institution=xihu, id_number=make_id_number(seq=44),
                                start_date=timezone.localdate() + dt.timedelta(days=30))
        make_blacklist_entry(district="330203", id_number=make_id_number(seq=44), banned_until=timezone.localdate())
    run_sweep(BLACKLIST)
    # Only the person starting next month, under a ban that runs until today inclusive.
    assert {r[3] for r in rows()} == {upcoming.pk}
    assert run_sweep(BLACKLIST).summary["hits"] == 0


def test_the_sweep_is_one_statement_whatever_the_rows(regions, django_assert_max_num_queries):
    with scopes_disabled():
        institutions = [InstitutionFactory() for _ in range(3)]
        for i, institution in enumerate(institutions):
            for j in range(4):
                number = make_id_number(seq=100 + 10 * i + j)
                StaffFactory(institution=institution, id_number=number)
                make_blacklist_entry(district=("441900003", "330105", "330203")[j % 3], id_number=number)
    with django_assert_max_num_queries(12):  # run log, lock, entries, the insert, recipients, notices
        run = run_sweep(BLACKLIST)
    assert run.summary["hits"] == 24


# --- through a real Celery worker ------------------------------------------------------------------

@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweep_task_through_a_worker_twice_adds_nothing_the_second_time(celery_worker_app, world):
    from supervision.tasks import blacklist_sweep

    first = blacklist_sweep.delay().get(timeout=60)
    assert first["outcome"] == "ok" and first["rows"] == 5
    second = blacklist_sweep.delay().get(timeout=60)
    assert second["outcome"] == "ok" and second["rows"] == 0 and second["summary"]["hits"] == 0
    assert len(rows()) == 5
    runs = list(SweepRun.objects.filter(name=BLACKLIST).order_by("id"))
    assert [(r.pk, r.outcome, r.rows) for r in runs] == [(first["run"], "ok", 5), (second["run"], "ok", 0)]


def test_the_sweep_is_scheduled_nightly_through_its_task():
    import supervision.tasks  # noqa: F401 - what the worker's autodiscovery imports
    from childcare.celery import app

    (entry,) = [e for e in app.conf.beat_schedule.values() if e["task"] == "supervision.tasks.blacklist_sweep"]
    assert "supervision.tasks.blacklist_sweep" in app.tasks
    assert entry["schedule"].hour == {0} and len(entry["schedule"].minute) == 1
