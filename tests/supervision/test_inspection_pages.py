"""The inspection and rectification pages: list pages in a fixed number of queries however many rows,
the operator sees only their own, form errors on the page, a redraw needs a reason."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from supervision.models import InspectionPlan, PlanDraw

from .conftest import api
from .inspection_world import drawn_inspection, record_all, roster_with_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


@pytest.fixture
def team(make_account, regions):
    return roster_with_accounts(make_account, regions)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url)
    assert r.status_code == 200, url
    return len(ctx.captured_queries)


def test_list_pages_take_the_same_queries_for_one_row_or_many(client, admin, team):
    client.force_login(admin)
    first = drawn_inspection(admin, name="西湖一园")
    (u1, _), _ = team
    record_all(api(u1), first.pk, bad_codes=("safety.cctv",))
    for user, inspector in team:
        api(user).post(f"/api/v1/inspections/{first.pk}/sign/", {"inspector_id": inspector.pk}, format="json")
    urls = ["/supervision/inspection-plans/", "/supervision/inspections/", "/supervision/rectification/",
            "/supervision/inspectors/", f"/supervision/inspection-plans/{first.plan_id}/"]
    before = {url: queries(client, url) for url in urls}
    for n in range(3):
        more = drawn_inspection(admin, name=f"西湖多园{n}")
        record_all(api(u1), more.pk, bad_codes=("care.records",))
        for user, inspector in team:
            api(user).post(f"/api/v1/inspections/{more.pk}/sign/", {"inspector_id": inspector.pk}, format="json")
    after = {url: queries(client, url) for url in urls}
    assert after == before


def test_the_operator_sees_only_their_own_orders_and_no_plans(client, admin, team, make_account):
    mine = drawn_inspection(admin, name="西湖我的园")
    other = drawn_inspection(admin, name="西湖别人的园")
    (u1, _), _ = team
    for inspection in (mine, other):
        record_all(api(u1), inspection.pk, bad_codes=("safety.cctv",))
        for user, inspector in team:
            api(user).post(f"/api/v1/inspections/{inspection.pk}/sign/", {"inspector_id": inspector.pk},
                           format="json")
    operator = make_account("op_mine", "operator", mine.institution.uscc)
    client.force_login(operator)
    board = client.get("/supervision/rectification/").content.decode()
    assert "西湖我的园" in board and "西湖别人的园" not in board
    assert client.get(f"/supervision/inspections/{other.pk}/").status_code == 404
    assert client.get("/supervision/inspection-plans/").status_code == 403


def test_the_plan_form_shows_errors_and_a_redraw_needs_a_reason(client, admin, team):
    client.force_login(admin)
    page = client.post("/supervision/inspection-plans/new/", {
        "name": "错误的计划", "period_start": "2026-06-30", "period_end": "2026-04-01", "rate_A": 5, "rate_B": 10,
        "rate_C": 30, "rate_D": 100, "inspectors_per_inspection": 2})
    assert page.status_code == 200 and "截止日不能早于起始日" in page.content.decode()
    with scopes_disabled():
        assert not InspectionPlan.objects.exists()
    inspection = drawn_inspection(admin)
    r = client.post(f"/supervision/inspection-plans/{inspection.plan_id}/draw/", {"reason": ""}, follow=True)
    assert "重新抽取必须说明原因" in r.content.decode()
    client.post(f"/supervision/inspection-plans/{inspection.plan_id}/draw/", {"reason": "名录调整"})
    with scopes_disabled():
        assert PlanDraw.objects.filter(plan_id=inspection.plan_id).count() == 2
