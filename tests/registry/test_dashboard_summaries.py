"""Province and country home pages from district summaries refreshed by a sweep (``registry.dashboard_summaries``)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scopes_disabled

from core.sweeps import run_sweep
from core.tenancy import TenantScope, tenant_scope
from registry.models import DistrictSummary, FilingStatus, InstitutionStatus
from registry.selectors import dashboard
from registry.sweeps import DASHBOARD_SUMMARIES
from tests.factories import FilingFactory, InstitutionFactory


@pytest.fixture
def world(regions):
    now = timezone.now()
    with scopes_disabled():
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=40, region_id="330106001")
        InstitutionFactory(status=InstitutionStatus.REGISTERED, region_id="330106002")
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=12, region_id="441900003")  # 东莞
        waiting = InstitutionFactory(status=InstitutionStatus.FILING, region_id="330105001")
        FilingFactory(institution=waiting, status=FilingStatus.SUBMITTED, submitted_at=now - dt.timedelta(days=9),
                      due_at=now - dt.timedelta(days=2), notice_due_at=now + dt.timedelta(days=5))
        FilingFactory(institution=InstitutionFactory(region_id="330106001"), status=FilingStatus.REJECTED,
                      decided_at=now - dt.timedelta(hours=1))
    return regions


def live_and_summary(scope):
    with tenant_scope(scope):
        old, dashboard.SUMMARY_LEVELS = dashboard.SUMMARY_LEVELS, ()
        try:
            live = dashboard.scope_dashboard(scope=scope)
        finally:
            dashboard.SUMMARY_LEVELS = old
        summary = dashboard.scope_dashboard(scope=scope)
    return live, summary


@pytest.mark.parametrize("code", ["330000", "000000"])
def test_summaries_give_the_live_figures_and_say_when(world, code):
    scope = TenantScope.country() if code == "000000" else TenantScope.for_region(world[code])
    live, before = live_and_summary(scope)
    assert "summary_refreshed_at" not in before and before["stats"] == live["stats"]  # no refresh yet: live
    run = run_sweep(DASHBOARD_SUMMARIES)
    with scopes_disabled():
        assert run.summary == {"districts": DistrictSummary.objects.count()} and run.rows >= 3
    live, summary = live_and_summary(scope)
    assert summary["stats"] == live["stats"] and summary["by_region"] == live["by_region"]
    assert summary["summary_refreshed_at"] == run.started_at or summary["summary_refreshed_at"] >= run.started_at
    values = {s["key"]: s["value"] for s in summary["stats"]}
    if code == "330000":
        assert (values["filed"], values["slots"], values["unfiled"], values["pending"], values["overdue"],
                values["notice_overdue"], values["rejected"]) == (1, 40, 3, 1, 1, 0, 1)
    else:
        assert values["filed"] == 2 and values["slots"] == 52


def test_refresh_replaces_the_figures_and_pages_show_the_refresh_time(client, make_account, world):
    run_sweep(DASHBOARD_SUMMARIES)
    with scopes_disabled():
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=7, region_id="330106001")
    client.force_login(make_account("zj_auditor", "auditor", "330000"))
    body = client.get("/").content.decode()
    assert 'data-testid="summary-refreshed"' in body and "每 10 分钟" in body
    stale = dashboard_value(client, "filed")
    run_sweep(DASHBOARD_SUMMARIES)
    assert (stale, dashboard_value(client, "filed")) == (1, 2)
    with scopes_disabled():
        assert DistrictSummary.objects.filter(district_id="330106").count() == 1  # rebuilt, not added to


def dashboard_value(client, key):
    return {s["key"]: s["value"] for s in client.get("/").context["stats"]}[key]


def test_district_and_city_pages_stay_live(client, make_account, world):
    run_sweep(DASHBOARD_SUMMARIES)
    client.force_login(make_account("hz_city_viewer", "city_viewer", "330100"))
    assert 'data-testid="summary-refreshed"' not in client.get("/").content.decode()


def test_summary_dashboard_queries_do_not_grow_with_institutions(world):
    scope = TenantScope.country()
    run_sweep(DASHBOARD_SUMMARIES)
    with tenant_scope(scope), CaptureQueriesContext(connection) as small:
        dashboard.scope_dashboard(scope=scope)
    with scopes_disabled():
        for code in ("330106001", "330105001", "441900003"):
            InstitutionFactory(status=InstitutionStatus.FILED, region_id=code)
    run_sweep(DASHBOARD_SUMMARIES)
    with tenant_scope(scope), CaptureQueriesContext(connection) as large:
        dashboard.scope_dashboard(scope=scope)
    assert len(large) == len(small) <= 5
    assert not any("registry_institution" in q["sql"] for q in large.captured_queries)


def test_a_district_sees_only_its_own_summary_row(world, regions):
    run_sweep(DASHBOARD_SUMMARIES)
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        assert set(DistrictSummary.objects.values_list("district_id", flat=True)) == {"330106"}
        with connection.cursor() as cursor:  # row security too, not only the ORM
            cursor.execute("SELECT DISTINCT district_id FROM registry_districtsummary")
            assert {r[0] for r in cursor.fetchall()} == {"330106"}
