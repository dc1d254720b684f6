"""Emergency closures (关停应急): a closing institution gets a placement checklist — enrolled children
placed, families told, fees refunded — that the district tracks item by item to the end.

``closure_open`` (district admin) creates the closure with its three items; ``closure_item_update``
(the district's reviewers, inspectors and admin) moves an item and records how many children are
placed; ``closure_complete`` (district admin) needs every item done and every enrolled child placed
(the table's ``requires_checks``); ``closure_cancel`` (district admin) with a reason. Each is an
event of the closure (``ClosureEvent``); the operator is told when it opens and ends, and reads
the checklist's progress on its own page. Opening and ending regrade the institution.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import operators_of, reviewers_of
from core.errors import DomainError, FieldError, NotFound
from core.events import record_event
from core.inputs import check_parsed, raise_if_any
from core.permissions import require_role
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from registry.models import Institution, InstitutionStatus

from ..enforcement_inputs import CLOSURE, CLOSURE_ITEM, CLOSURE_ITEM_REQUIRED, CLOSURE_REQUIRED
from ..models import Closure, ClosureItem, ClosureItemKind, ClosureItemStatus, ClosureStatus
from ..workflow import CLOSURE as CLOSURE_TABLE
from ..workflow import CLOSURE_TRACKERS, ENFORCERS, ClosureAction
from .common import require_reason
from .grades import regrade_on_commit


def closure_problems(closure: Closure, items: list[ClosureItem]) -> list[str]:
    """What still keeps a closure open (Chinese, one line each); empty: it may be completed."""
    problems = [f"“{item.get_kind_display()}”尚未完成" for item in items if item.status != ClosureItemStatus.DONE]
    if closure.children_placed < closure.children_enrolled:
        problems.append(f"尚有 {closure.children_enrolled - closure.children_placed} 名在托婴幼儿未安置")
    return problems


@transaction.atomic
def closure_open(*, actor, institution_id: int, data: dict[str, Any]) -> Closure:
    """Open an emergency closure of an institution of the admin's district (typed values of
    ``enforcement_inputs.CLOSURE``), with its placement checklist; one open closure at a time."""
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, ENFORCERS, institution)
    errors = check_parsed(CLOSURE, data, required=CLOSURE_REQUIRED)
    started = data.get("started_on")
    if "started_on" not in errors and isinstance(started, dt.date) and started > timezone.localdate() + dt.timedelta(days=90):
        errors["started_on"] = [FieldError("date_too_far", "关停日期不能晚于 90 日后。")]
    raise_if_any(errors)
    if institution.status == InstitutionStatus.TERMINATED:
        raise DomainError("institution_terminated", "机构已终止，不能启动关停应急处置。", status_code=409)
    closure = Closure(institution=institution, created_by=actor, reason=data["reason"], started_on=data["started_on"],
                      children_enrolled=data["children_enrolled"])
    try:
        with transaction.atomic():
            closure.save()
    except IntegrityError as exc:
        if "closure_one_open_per_institution" in str(exc):
            raise DomainError("closure_open", "该机构已有进行中的关停应急处置。", status_code=409) from exc
        raise
    ClosureItem.objects.bulk_create([ClosureItem(closure=closure, kind=kind) for kind in ClosureItemKind.values])
    record_event(closure, actor=actor, action=ClosureAction.OPEN, from_status="", reason=closure.reason)
    notify_on_commit(kind=NotificationType.CLOSURE_OPENED,
                     recipients=lambda: [*operators_of(institution.pk), *reviewers_of(institution.district_id)],
                     title=f"关停应急处置启动：{institution.name}",
                     body=f"在托婴幼儿 {closure.children_enrolled} 名须妥善安置、告知全部家长并退还预收费用。",
                     link=reverse("supervision:operator_closure"))
    regrade_on_commit([institution.pk])
    return closure


def _locked(closure_id: int) -> Closure:
    closure = Closure.objects.locked().filter(pk=closure_id).first()
    if closure is None:
        raise NotFound("关停应急处置不存在或不在您的管辖范围内。")
    return closure


@transaction.atomic
def closure_item_update(*, actor, closure_id: int, data: dict[str, Any],
                        expected_version: int | None = None) -> Closure:
    """Move one checklist item (``{"kind", "status", "note"?, "children_placed"?}``) of an open
    closure; ``children_placed`` (how many of the enrolled children are placed so far) is given with
    the children item. Bumps the closure's version (two trackers at once: one gets a conflict)."""
    closure = _locked(closure_id)
    require_role(actor, CLOSURE_TRACKERS, closure)
    CLOSURE_TABLE.check_version(closure, expected_version)
    errors = check_parsed(CLOSURE_ITEM, data, required=CLOSURE_ITEM_REQUIRED)
    placed = data.get("children_placed")
    if "children_placed" not in errors and placed is not None:
        if data.get("kind") != ClosureItemKind.CHILDREN_PLACED:
            errors["children_placed"] = [FieldError("not_children_item", "已安置人数随“在托婴幼儿妥善安置”事项填写。")]
        elif placed > closure.children_enrolled:
            errors["children_placed"] = [FieldError("more_than_enrolled",
                                                    f"已安置人数不能超过在托人数（{closure.children_enrolled}）。")]
    if ("status" not in errors and data.get("kind") == ClosureItemKind.CHILDREN_PLACED
            and data.get("status") == ClosureItemStatus.DONE
            and (placed if placed is not None else closure.children_placed) < closure.children_enrolled):
        errors["status"] = [FieldError("children_not_all_placed", "在托婴幼儿全部安置后才能标记为已完成。")]
    raise_if_any(errors)
    if closure.status != ClosureStatus.OPEN:
        raise DomainError("closure_ended", f"关停应急处置已{closure.get_status_display()}，安置事项不能再修改。",
                          status_code=409)
    item = ClosureItem.objects.select_for_update().get(closure=closure, kind=data["kind"])
    item.status, item.note, item.updated_by = data["status"], data.get("note") or item.note, actor
    item.save(update_fields=["status", "note", "updated_by", "updated_at"])
    fields = ["version", "updated_at"]
    if placed is not None:
        closure.children_placed = placed
        fields.append("children_placed")
    closure.version += 1
    closure.save(update_fields=fields)
    line = f"{item.get_kind_display()}：{item.get_status_display()}"
    if placed is not None:
        line += f"（已安置 {placed}/{closure.children_enrolled} 名）"
    record_event(closure, actor=actor, action=ClosureAction.UPDATE_ITEM, from_status=closure.status,
                 reason=item.note, items=[line])
    return closure


def _end(*, actor, closure_id: int, action: str, reason: str, expected_version: int | None) -> Closure:
    closure = _locked(closure_id)
    t = CLOSURE_TABLE.ensure_transition(closure, action, actor, expected_version=expected_version)
    reason = require_reason(reason, what=CLOSURE_TABLE.action_label(action))
    if t.requires_checks:
        problems = closure_problems(closure, list(closure.items.all()))
        if problems:
            raise DomainError("checks_failed", "安置清单尚未完成，不能办结：" + "；".join(problems) + "。",
                              fields={"checks": [("closure_incomplete", p) for p in problems]})
    closure.end_reason, closure.ended_at = reason, timezone.now()
    CLOSURE_TABLE.apply(closure, t, actor=actor, update_fields=["end_reason", "ended_at"], reason=reason)
    institution_id, district_id = closure.institution_id, closure.district_id
    notify_on_commit(kind=NotificationType.CLOSURE_ENDED,
                     recipients=lambda: [*operators_of(institution_id), *reviewers_of(district_id)],
                     title=f"关停应急处置{CLOSURE_TABLE.action_label(action)}", body=reason,
                     link=reverse("supervision:operator_closure"))
    regrade_on_commit([institution_id])
    return closure


@transaction.atomic
def closure_complete(*, actor, closure_id: int, reason: str, expected_version: int | None = None) -> Closure:
    """Open → completed: every checklist item done and every enrolled child placed (``checks_failed``
    naming what is missing otherwise)."""
    return _end(actor=actor, closure_id=closure_id, action=ClosureAction.COMPLETE, reason=reason,
                expected_version=expected_version)


@transaction.atomic
def closure_cancel(*, actor, closure_id: int, reason: str, expected_version: int | None = None) -> Closure:
    """Open → cancelled, with a reason."""
    return _end(actor=actor, closure_id=closure_id, action=ClosureAction.CANCEL, reason=reason,
                expected_version=expected_version)


__all__ = ["closure_cancel", "closure_complete", "closure_item_update", "closure_open", "closure_problems"]
