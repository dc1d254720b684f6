"""Rectification orders: due dates by severity, the operator's reply with evidence, acceptance or
rejection with reasons and a new date, escalation of overdue orders, every illegal move."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_scopes import scopes_disabled

from core.deadlines import due_after
from core.errors import InvalidTransition
from core.sweeps import run_sweep
from notifications.models import Notification
from regions.models import PolicyParameter
from supervision.models import (
    OrderStatus,
    RectificationEvidence,
    RectificationOrder,
    RectificationOrderEvent,
    RectificationReply,
)
from supervision.workflow import ORDER, OrderAction

from .conftest import api
from .inspection_world import PNG, drawn_inspection, record_all, roster_with_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


@pytest.fixture
def team(make_account, regions):
    return roster_with_accounts(make_account, regions)


@pytest.fixture
def order(admin, team, make_account, django_capture_on_commit_callbacks):
    """An order of two items (a critical one, a minor one) at 西湖被检园, whose operator exists."""
    inspection = drawn_inspection(admin)
    (u1, _i1), _ = team
    make_account("op_checked", "operator", inspection.institution.uscc)
    record_all(api(u1), inspection.pk, bad_codes=("safety.cctv", "care.records"))
    with django_capture_on_commit_callbacks(execute=True):
        for user, inspector in team:
            assert api(user).post(f"/api/v1/inspections/{inspection.pk}/sign/", {"inspector_id": inspector.pk},
                                  format="json").status_code == 200
    with scopes_disabled():
        return RectificationOrder.objects.get(inspection_id=inspection.pk)


@pytest.fixture
def operator(order):
    from accounts.models import User

    return User.objects.get(username="op_checked")


def evidence(name="整改后.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def test_items_are_due_by_severity_and_the_order_on_the_earliest(order):
    with scopes_disabled():
        items = {i.code: i for i in order.items.all()}
        completed = order.inspection.completed_at
        region = order.inspection.region
    assert items["safety.cctv"].severity == "critical" and items["care.records"].severity == "minor"
    assert items["safety.cctv"].due_at == due_after(completed, 5, region)
    assert items["care.records"].due_at == due_after(completed, 20, region)
    assert order.due_at == items["safety.cctv"].due_at
    assert Notification.objects.filter(kind="rectification_ordered", user__username="op_checked").count() == 1


def test_severity_days_are_configurable_per_region(admin, team, regions, make_account):
    PolicyParameter.objects.create(region=regions["330106"], key="rectification.working_days.critical", value=3)
    inspection = drawn_inspection(admin, name="西湖配置园")
    (u1, _), _ = team
    record_all(api(u1), inspection.pk, bad_codes=("safety.cctv",))
    for user, inspector in team:
        api(user).post(f"/api/v1/inspections/{inspection.pk}/sign/", {"inspector_id": inspector.pk}, format="json")
    with scopes_disabled():
        o = RectificationOrder.objects.get(inspection_id=inspection.pk)
        assert o.due_at == due_after(o.inspection.completed_at, 3, regions["330106"])


def test_the_operator_replies_with_evidence_and_the_inspector_accepts(order, operator, team,
                                                                    django_capture_on_commit_callbacks):
    (u1, _), _ = team
    seen = api(operator).get("/api/v1/rectification-orders/").json()["results"]
    assert [o["id"] for o in seen] == [order.pk]
    with django_capture_on_commit_callbacks(execute=True):
        r = api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/",
                               {"text": "已加装监控并补齐照护记录", "files": [evidence(), evidence("记录.png")]},
                               format="multipart")
    assert r.status_code == 201, r.json()
    assert r.json()["status"] == "replied" and len(r.json()["replies"][0]["evidence"]) == 2
    assert Notification.objects.filter(kind="rectification_replied", user=u1).exists()
    with django_capture_on_commit_callbacks(execute=True):
        ok = api(u1).post(f"/api/v1/rectification-orders/{order.pk}/accept/", {"reason": "现场复核通过"}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "closed"
    assert ok.json()["replies"][0]["decision"] == "accepted"
    assert Notification.objects.filter(kind="rectification_accepted", user=operator).exists()
    with scopes_disabled():
        actions = list(RectificationOrderEvent.objects.filter(order_id=order.pk).values_list("action", flat=True))
    assert actions == ["issue", "reply", "accept"]


def test_a_rejection_needs_reasons_and_a_later_date_and_reopens_the_order(order, operator, team,
                                                                         django_capture_on_commit_callbacks):
    (u1, _), _ = team
    api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/", {"text": "已整改"}, format="multipart")
    url = f"/api/v1/rectification-orders/{order.pk}/reject/"
    today = timezone.localdate()
    for body, field, code in [
        ({"new_due_on": f"{today + dt.timedelta(days=10)}"}, "reason", "required"),
        ({"reason": "监控仍未覆盖午睡室"}, "new_due_on", "required"),
        ({"reason": "监控仍未覆盖午睡室", "new_due_on": f"{today}"}, "new_due_on", "due_on_past"),
        ({"reason": "监控仍未覆盖午睡室", "new_due_on": "2026-13-01"}, "new_due_on", "value_invalid"),
    ]:
        r = api(u1).post(url, body, format="json")
        assert r.status_code == 400 and r.json()["fields"][field][0]["code"] == code, r.json()
    new_day = today + dt.timedelta(days=10)
    with django_capture_on_commit_callbacks(execute=True):
        r = api(u1).post(url, {"reason": "监控仍未覆盖午睡室", "new_due_on": f"{new_day}"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "open", r.json()
    assert r.json()["replies"][0]["decision"] == "rejected"
    with scopes_disabled():
        row = RectificationOrder.objects.get(pk=order.pk)
    assert timezone.localtime(row.due_at).date() == new_day
    assert Notification.objects.filter(kind="rectification_rejected", user=operator).exists()
    # The operator may answer again.
    again = api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/", {"text": "午睡室已加装"},
                               format="multipart")
    assert again.status_code == 201 and len(again.json()["replies"]) == 2


def test_bad_evidence_stores_nothing(order, operator, settings):
    settings.UPLOAD_MAX_BYTES = 32
    r = api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/",
                           {"text": "已整改", "files": [evidence()]}, format="multipart")
    assert r.status_code == 400 and r.json()["code"] == "document_too_large"
    with scopes_disabled():
        assert not RectificationReply.objects.exists() and not RectificationEvidence.objects.exists()
        assert RectificationOrder.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_who_may_do_what(order, operator, team, make_account):
    (u1, _), _ = team
    # Inspectors do not reply for the operator; operators do not verify their own reply.
    assert api(u1).post(f"/api/v1/rectification-orders/{order.pk}/reply/", {"text": "x"},
                        format="multipart").status_code == 403
    api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/", {"text": "x"}, format="multipart")
    assert api(operator).post(f"/api/v1/rectification-orders/{order.pk}/accept/", {},
                              format="json").status_code == 403
    # Another district's inspector and another institution's operator: 404.
    stranger = make_account("gs_insp", "district_inspector", "330105")
    assert api(stranger).get(f"/api/v1/rectification-orders/{order.pk}/").status_code == 404
    assert api(stranger).post(f"/api/v1/rectification-orders/{order.pk}/accept/", {},
                              format="json").status_code == 404


def test_overdue_orders_escalate_to_the_district_admin_once_per_due_date(order, operator, admin, team):
    (u1, _), _ = team
    later = order.due_at + dt.timedelta(hours=1)
    first = run_sweep("supervision.rectification_overdue", now=later)
    assert first.summary["overdue"] == 1 and first.summary["notified"] == 2  # the admin and the operator
    assert run_sweep("supervision.rectification_overdue", now=later).summary == {"overdue": 0, "notified": 0}
    assert Notification.objects.filter(kind="rectification_overdue", user=admin).count() == 1
    # A rejection sets a new date: that one is escalated afresh when it passes.
    api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/", {"text": "x"}, format="multipart")
    new_day = timezone.localdate() + dt.timedelta(days=3)
    api(u1).post(f"/api/v1/rectification-orders/{order.pk}/reject/", {"reason": "未完成", "new_due_on": f"{new_day}"},
                 format="json")
    with scopes_disabled():
        due = RectificationOrder.objects.get(pk=order.pk).due_at
    assert run_sweep("supervision.rectification_overdue", now=due - dt.timedelta(hours=1)).summary["overdue"] == 0
    assert run_sweep("supervision.rectification_overdue", now=due + dt.timedelta(hours=1)).summary["overdue"] == 1
    # A closed order is never escalated.
    api(operator).post(f"/api/v1/rectification-orders/{order.pk}/reply/", {"text": "y"}, format="multipart")
    api(u1).post(f"/api/v1/rectification-orders/{order.pk}/accept/", {}, format="json")
    assert run_sweep("supervision.rectification_overdue",
                     now=due + dt.timedelta(days=30)).summary["overdue"] == 0


@pytest.mark.parametrize("state", list(OrderStatus.values))
@pytest.mark.parametrize("action", [OrderAction.REPLY, OrderAction.ACCEPT, OrderAction.REJECT])
def test_every_order_move_outside_the_table_is_refused(order, operator, team, state, action):
    (u1, _), _ = team
    actor = operator if action == OrderAction.REPLY else u1
    with scopes_disabled():
        RectificationOrder.objects.filter(pk=order.pk).update(status=state)
        row = RectificationOrder.objects.get(pk=order.pk)
        if ORDER.allows(action, state):
            ORDER.move(row, action, actor)
            assert RectificationOrder.objects.get(pk=order.pk).status == ORDER.transition(action).target
        else:
            with pytest.raises(InvalidTransition):
                ORDER.move(row, action, actor)
            assert RectificationOrder.objects.get(pk=order.pk).status == state


def test_accepting_an_open_order_through_the_api_is_409(order, team):
    (u1, _), _ = team
    r = api(u1).post(f"/api/v1/rectification-orders/{order.pk}/accept/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "invalid_transition"
