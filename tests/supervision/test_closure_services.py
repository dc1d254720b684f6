# ruff: noqa: F811 - pytest fixtures imported from tests/supervision/enforcement.py are arguments by name
"""Emergency closures: the placement checklist (children placed, families told, refunds) tracked
item by item by the district; completed only when every item is done and every child placed;
every illegal move refused."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from notifications.models import Notification
from supervision.models import Closure, ClosureEvent, ClosureStatus
from supervision.services.closures import closure_cancel, closure_complete, closure_item_update, closure_open
from supervision.workflow import CLOSURE, ClosureAction

from .enforcement import acting, admin, district_reviewer, gongshu_admin, inspector, institution, operator  # noqa: F401

pytestmark = pytest.mark.django_db


def open_closure(actor, institution, enrolled=12):
    with acting(actor):
        return closure_open(actor=actor, institution_id=institution.pk, data={
            "reason": "举办者失联，机构突然停业", "started_on": timezone.localdate(), "children_enrolled": enrolled})


def update(actor, closure, **data):
    with acting(actor):
        return closure_item_update(actor=actor, closure_id=closure.pk, data=data)


def test_opening_creates_the_checklist_and_tells_operator_and_district(admin, institution, operator, district_reviewer,
                                                                       django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        closure = open_closure(admin, institution)
    with scopes_disabled():
        assert sorted(closure.items.values_list("kind", "status")) == [
            ("children_placed", "pending"), ("families_told", "pending"), ("refunds", "pending")]
        assert Notification.objects.filter(kind="closure_opened", user__in=[operator, district_reviewer]).count() == 2
    with pytest.raises(DomainError) as exc:
        open_closure(admin, institution)
    assert exc.value.code == "closure_open"


def test_the_district_tracks_items_to_the_end(admin, inspector, institution):
    closure = open_closure(admin, institution, enrolled=3)
    update(inspector, closure, kind="children_placed", status="in_progress", children_placed=2, note="2 名转入邻近机构")
    with acting(admin), pytest.raises(DomainError) as exc:
        closure_complete(actor=admin, closure_id=closure.pk, reason="办结")
    assert exc.value.code == "checks_failed"
    assert "尚有 1 名在托婴幼儿未安置" in exc.value.message and "告知全部家长" in exc.value.message
    update(inspector, closure, kind="children_placed", status="done", children_placed=3)
    update(inspector, closure, kind="families_told", status="done", note="电话及书面告知 3 户")
    update(admin, closure, kind="refunds", status="done", note="已退还预收保育费")
    with acting(admin):
        closure_complete(actor=admin, closure_id=closure.pk, reason="全部安置完毕")
    with scopes_disabled():
        closure.refresh_from_db()
        assert closure.status == ClosureStatus.COMPLETED and closure.children_placed == 3
        lines = [i for e in ClosureEvent.objects.filter(closure=closure, action="update_item") for i in e.items]
        assert "在托婴幼儿妥善安置：进行中（已安置 2/3 名）" in lines and len(lines) == 4
    with pytest.raises(DomainError) as exc:
        update(admin, closure, kind="refunds", status="pending")
    assert exc.value.code == "closure_ended"


@pytest.mark.parametrize("data, field, code", [
    ({"kind": "children_placed", "status": "done", "children_placed": 2}, "status", "children_not_all_placed"),
    ({"kind": "children_placed", "status": "in_progress", "children_placed": 9}, "children_placed",
     "more_than_enrolled"),
    ({"kind": "refunds", "status": "done", "children_placed": 1}, "children_placed", "not_children_item"),
])
def test_item_rules(admin, institution, data, field, code):
    closure = open_closure(admin, institution, enrolled=3)
    with pytest.raises(DomainError) as exc:
        update(admin, closure, **data)
    assert exc.value.fields[field][0].code == code


def test_who_may_act(admin, district_reviewer, operator, gongshu_admin, institution):
    with acting(district_reviewer), pytest.raises(PermissionDenied):
        closure_open(actor=district_reviewer, institution_id=institution.pk, data={
            "reason": "x", "started_on": timezone.localdate(), "children_enrolled": 1})
    closure = open_closure(admin, institution)
    with pytest.raises(PermissionDenied):
        update(operator, closure, kind="refunds", status="done")
    with pytest.raises(NotFound):
        update(gongshu_admin, closure, kind="refunds", status="done")
    update(district_reviewer, closure, kind="refunds", status="in_progress")


def test_a_stale_version_is_a_conflict(admin, institution):
    closure = open_closure(admin, institution)
    update(admin, closure, kind="refunds", status="in_progress")
    with acting(admin), pytest.raises(Conflict):
        closure_item_update(actor=admin, closure_id=closure.pk, expected_version=1,
                            data={"kind": "refunds", "status": "done"})


@pytest.mark.parametrize("state", ClosureStatus.values)
@pytest.mark.parametrize("action", [ClosureAction.COMPLETE, ClosureAction.CANCEL])
def test_every_move_of_the_table_and_only_those(admin, institution, state, action):
    closure = open_closure(admin, institution, enrolled=0)
    for kind in ("children_placed", "families_told", "refunds"):
        update(admin, closure, kind=kind, status="done")
    if state != ClosureStatus.OPEN:
        with acting(admin):
            (closure_complete if state == ClosureStatus.COMPLETED else closure_cancel)(
                actor=admin, closure_id=closure.pk, reason="先结束")
    service = closure_complete if action == ClosureAction.COMPLETE else closure_cancel
    with acting(admin):
        if CLOSURE.allows(action, state):
            service(actor=admin, closure_id=closure.pk, reason="依法")
            with scopes_disabled():
                assert Closure.objects.get(pk=closure.pk).status == CLOSURE.transition(action).target
        else:
            with pytest.raises(InvalidTransition):
                service(actor=admin, closure_id=closure.pk, reason="依法")
