# ruff: noqa: F811 - pytest fixtures imported from tests/supervision/enforcement.py are arguments by name
"""The enforcement sweeps: staff health certificates expiring within 30 days or expired (operator and
district told once per certificate and threshold), institutions registered 30 days and not filed
(district told once), the nightly regrade — each set-based, idempotent, locked, logged, listed by
``manage.py run_sweep`` and run twice by a real Celery worker without adding anything."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scopes_disabled

from core.models import SweepRun
from core.sweeps import run_sweep
from notifications.models import Notification
from registry.models import Staff
from supervision.models import InstitutionGrade, SweepAlert
from supervision.sweeps import HEALTH_CERTIFICATES, NOT_FILED, REGRADE
from tests.factories import InstitutionFactory, StaffFactory

from .enforcement import district_reviewer, filed, institution, operator  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def months_ago(months: int, days: int = 0) -> dt.date:
    year, month = divmod(TODAY.month - 1 - months, 12)
    return dt.date(TODAY.year + year, month + 1, min(TODAY.day, 28)) - dt.timedelta(days=days)


@pytest.fixture
def roster(institution):
    """On 西湖区's filed institution: a certificate expired, one expiring within 30 days, one fresh,
    one expired for someone who left; and one expiring at a terminated institution."""
    with scopes_disabled():
        expired = StaffFactory(institution=institution, name="过期", health_certificate_date=months_ago(13))
        expiring = StaffFactory(institution=institution, name="将到期", health_certificate_date=months_ago(12) + dt.timedelta(days=10))
        StaffFactory(institution=institution, name="有效", health_certificate_date=months_ago(6))
        StaffFactory(institution=institution, name="已离职", health_certificate_date=months_ago(14),
                     end_date=TODAY - dt.timedelta(days=5))
        StaffFactory(institution=institution, name="无证明", health_certificate_date=None)
        gone = filed(name="已终止")
        from registry.models import Institution
        Institution.objects.filter(pk=gone.pk).update(status="terminated")
        StaffFactory(institution=gone, health_certificate_date=months_ago(13))
    return {"expired": expired, "expiring": expiring}


def alerts():
    with scopes_disabled():
        return sorted(SweepAlert.objects.values_list("kind", "staff__name"), key=str)


def test_certificates_are_told_once_per_certificate_and_threshold(roster, operator, district_reviewer):
    first = run_sweep(HEALTH_CERTIFICATES)
    assert first.summary == {"expiring": 1, "expired": 1, "notified": 4} and first.rows == 2
    assert alerts() == [("certificate_expired", "过期"), ("certificate_expiring", "将到期")]
    titles = sorted(Notification.objects.filter(user=operator).values_list("title", flat=True))
    assert titles == ["1 名从业人员健康合格证明 30 日内到期", "1 名从业人员健康合格证明已过期"]
    assert Notification.objects.filter(user=district_reviewer, kind="certificate_expired").count() == 1
    second = run_sweep(HEALTH_CERTIFICATES)
    assert second.summary == {"expiring": 0, "expired": 0, "notified": 0}
    # 40 days on, the expiring one has expired: the next threshold is told, once.
    later = run_sweep(HEALTH_CERTIFICATES, today=TODAY + dt.timedelta(days=40))
    assert later.summary["expired"] == 1 and later.summary["expiring"] == 0
    # A renewed certificate (a new date) is a new certificate.
    with scopes_disabled():
        Staff.objects.filter(pk=roster["expired"].pk).update(health_certificate_date=months_ago(12) + dt.timedelta(days=5))
    renewed = run_sweep(HEALTH_CERTIFICATES)
    assert renewed.summary["expiring"] == 1


def test_institutions_registered_30_days_and_not_filed_are_told_to_the_district_once(regions, district_reviewer):
    with scopes_disabled():
        InstitutionFactory(name="逾期未备案", registered_on=TODAY - dt.timedelta(days=30))
        InstitutionFactory(name="刚登记", registered_on=TODAY - dt.timedelta(days=29))
        filed(name="已备案", registered_on=TODAY - dt.timedelta(days=300))
    first = run_sweep(NOT_FILED)
    assert first.summary == {"not_filed": 1, "notified": 1}
    (note,) = Notification.objects.filter(user=district_reviewer, kind="institution_not_filed")
    assert note.title == "1 家机构登记满 30 日仍未备案"
    assert run_sweep(NOT_FILED).summary == {"not_filed": 0, "notified": 0}


def test_each_sweep_is_one_statement_plus_its_notices(roster, django_assert_max_num_queries):
    from supervision.services.alerts import certificate_sweep

    with scopes_disabled(), django_assert_max_num_queries(4):  # insert, operators, reviewers, notifications
        certificate_sweep()


def test_run_sweep_lists_and_runs_them_printing_rows(roster):
    out = StringIO()
    call_command("run_sweep", stdout=out)
    for name in (REGRADE, HEALTH_CERTIFICATES, NOT_FILED, "supervision.blacklist", "registry.terminations"):
        assert name in out.getvalue()
    out = StringIO()
    call_command("run_sweep", HEALTH_CERTIFICATES, stdout=out)
    assert f"{HEALTH_CERTIFICATES}: ok" in out.getvalue() and "rows 2" in out.getvalue()


def test_every_enforcement_sweep_is_scheduled():
    from childcare.celery import app

    scheduled = {tuple(e.get("args", ())) for e in app.conf.beat_schedule.values() if e["task"] == "core.tasks.run_sweep"}
    assert {(REGRADE,), (HEALTH_CERTIFICATES,), (NOT_FILED,)} <= scheduled


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_sweeps_through_a_worker_twice_add_nothing_the_second_time(celery_worker_app, roster):
    from core.tasks import run_sweep as task

    for name, rows in ((HEALTH_CERTIFICATES, 2), (REGRADE, 2)):
        first = task.delay(name).get(timeout=60)
        assert first["outcome"] == "ok" and first["rows"] == rows, first
        second = task.delay(name).get(timeout=60)
        assert second["outcome"] == "ok" and second["rows"] == 0, second
    assert len(alerts()) == 2
    with scopes_disabled():
        assert InstitutionGrade.objects.count() == 1
    runs = list(SweepRun.objects.filter(name=HEALTH_CERTIFICATES).order_by("id").values_list("outcome", "rows"))
    assert runs == [("ok", 2), ("ok", 0)]


def test_a_regions_longer_validity_is_applied_by_the_sweep(roster, operator):
    """杭州 (the city) sets 24 months: the 13-month-old certificate is still valid there; a district
    override of 6 months wins over the city's and makes the 6-month-old one due."""
    from regions.models import PolicyParameter

    PolicyParameter.objects.create(region_id="330100", key="staff.health_certificate_valid_months", value=24)
    assert run_sweep(HEALTH_CERTIFICATES).summary == {"expiring": 0, "expired": 0, "notified": 0}
    PolicyParameter.objects.create(region_id="330106", key="staff.health_certificate_valid_months", value=6)
    shorter = run_sweep(HEALTH_CERTIFICATES)
    assert shorter.summary["expired"] + shorter.summary["expiring"] == 3  # 有效's falls due today
    assert {name for _, name in alerts()} == {"过期", "将到期", "有效"}
