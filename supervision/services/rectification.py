"""Rectification orders (整改通知): issued when an inspection completes with non-conforming items,
answered by the operator with evidence, accepted or rejected (with reasons and a new date) by the
district's inspectors; one transition table (``supervision.workflow.ORDER``).

Due dates: each item is due ``rectification.working_days.<severity>`` working days after the
inspection (``core.deadlines.due_after``; critical 5, major 10, minor 20 by default, per region);
the order is due on its earliest item's date. Overdue orders are escalated to the district admin by
the sweep ``supervision.rectification_overdue`` (``supervision.services.inspection_sweeps``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import inspectors_by_district, operators_of
from core.deadlines import due_after
from core.errors import DomainError, NotFound
from core.events import record_event
from core.inputs import check_parsed, raise_if_any
from core.workdays import CHINA_TZ
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from regions.policy import policy_value
from registry.services.documents import sha256_of, upload_name, validate_upload

from .. import inspection_inputs as inputs
from ..models import (
    Inspection,
    InspectionFinding,
    RectificationEvidence,
    RectificationItem,
    RectificationOrder,
    RectificationReply,
    ReplyDecision,
    Result,
)
from ..workflow import ORDER, OrderAction

MAX_EVIDENCE_PER_REPLY = 20


def _link(order: RectificationOrder) -> str:
    return reverse("supervision:order_detail", args=[order.pk])


def order_issue(*, inspection: Inspection, actor) -> RectificationOrder | None:
    """The inspection's non-conforming items as one order (None when there are none). Called by
    ``inspection_sign`` inside its transaction, when the inspection completes."""
    findings = list(InspectionFinding.objects.filter(inspection_id=inspection.pk, result=Result.NONCONFORMING)
                    .select_related("item").order_by("item__position"))
    if not findings:
        return None
    now = timezone.now()
    items = []
    for f in findings:
        days = int(policy_value(inspection.region, f"rectification.working_days.{f.item.severity}"))
        items.append(RectificationItem(finding=f, code=f.item.code, text=f.item.text, basis=f.item.basis,
                                       severity=f.item.severity, note=f.note,
                                       due_at=due_after(now, days, inspection.region)))
    due = min(i.due_at for i in items)
    order = RectificationOrder(inspection=inspection, institution_id=inspection.institution_id, due_at=due,
                               due_set_at=now)
    order.save()
    for item in items:
        item.order = order
    RectificationItem.objects.bulk_create(items)
    record_event(order, actor=actor, action=OrderAction.ISSUE, from_status="",
                 reason=f"{len(items)} 项不符合，整改期限 {due.astimezone(CHINA_TZ):%Y-%m-%d}",
                 items=[i.text for i in items])
    notify_on_commit(kind=NotificationType.RECTIFICATION_ORDERED,
                     recipients=lambda: operators_of(inspection.institution_id),
                     title="您有一份整改通知",
                     body=f"监督检查发现 {len(items)} 项不符合要求，请在 {due.astimezone(CHINA_TZ):%Y-%m-%d} 前完成整改并提交整改情况。",
                     link=_link(order))
    return order


def _locked_order(order_id: int) -> RectificationOrder:
    order = RectificationOrder.objects.select_for_update().filter(pk=order_id).first()
    if order is None:
        raise NotFound("整改通知不存在或不在您的管辖范围内。")
    return order


def _evidence(reply: RectificationReply, files, actor) -> list[RectificationEvidence]:
    rows = []
    for f in files:
        content_type, ext = validate_upload(f)
        row = RectificationEvidence(order_id=reply.order_id, reply=reply, original_name=upload_name(f, ext), content_type=content_type,
                                    size=f.size, sha256=sha256_of(f), uploaded_by=actor)
        rows.append((row, f, ext))
    saved = []
    try:
        for row, f, ext in rows:
            row.file.save(f"{uuid.uuid4().hex}.{ext}", f, save=False)
            saved.append(row.file)
            row.save()
    except Exception:
        for stored in saved:
            stored.storage.delete(stored.name)
        raise
    return [r for r, _f, _e in rows]


@transaction.atomic
def order_reply(*, actor, order_id: int, data: dict[str, Any], files=(),
                expected_version: int | None = None) -> RectificationReply:
    """The operator answers: ``{"text"}`` and evidence files (PDF/JPEG/PNG, each judged like filing
    documents, all or none stored)."""
    order = _locked_order(order_id)
    t = ORDER.ensure_transition(order, OrderAction.REPLY, actor, expected_version=expected_version)
    raise_if_any(check_parsed(inputs.REPLY, data, required=("text",)))
    files = list(files)
    if len(files) > MAX_EVIDENCE_PER_REPLY:
        raise DomainError("too_many_files", f"一次最多上传 {MAX_EVIDENCE_PER_REPLY} 个佐证材料。",
                          fields={"files": [("too_many_files", "文件过多。")]})
    for f in files:  # every file judged before anything is stored
        validate_upload(f)
    reply = RectificationReply(order=order, text=data["text"], submitted_by=actor)
    reply.save()
    _evidence(reply, files, actor)
    ORDER.apply(order, t, actor=actor, reason=data["text"][:300])
    notify_on_commit(kind=NotificationType.RECTIFICATION_REPLIED,
                     recipients=lambda: inspectors_by_district([order.district_id])[order.district_id],
                     title="整改回复待核验", body=f"机构已提交整改情况（整改通知 #{order.pk}），请核验。",
                     link=_link(order))
    return reply


def _pending_reply(order: RectificationOrder) -> RectificationReply:
    reply = (RectificationReply.objects.select_for_update().filter(order_id=order.pk, decision=ReplyDecision.PENDING)
             .order_by("-created_at", "-id").first())
    if reply is None:  # the table allows accept/reject only from replied, which always has one
        raise DomainError("reply_missing", "没有待核验的整改回复。", status_code=409)
    return reply


@transaction.atomic
def order_accept(*, actor, order_id: int, data: dict[str, Any] | None = None,
                 expected_version: int | None = None) -> RectificationOrder:
    """An inspector accepts the latest reply (``{"reason"?}``): the order is closed."""
    data = data or {}
    order = _locked_order(order_id)
    t = ORDER.ensure_transition(order, OrderAction.ACCEPT, actor, expected_version=expected_version)
    raise_if_any(check_parsed(inputs.ACCEPT, data))
    reply = _pending_reply(order)
    now = timezone.now()
    reply.decision, reply.decision_reason, reply.decided_by, reply.decided_at = (
        ReplyDecision.ACCEPTED, data.get("reason") or "", actor, now)
    reply.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at"])
    order.closed_at = now
    ORDER.apply(order, t, actor=actor, update_fields=["closed_at"], reason=data.get("reason") or "核验通过")
    notify_on_commit(kind=NotificationType.RECTIFICATION_ACCEPTED, recipients=lambda: operators_of(order.institution_id),
                     title="整改核验通过", body=f"整改通知 #{order.pk} 的整改情况已核验通过。", link=_link(order))
    return order


@transaction.atomic
def order_reject(*, actor, order_id: int, data: dict[str, Any],
                 expected_version: int | None = None) -> RectificationOrder:
    """An inspector rejects the latest reply: ``{"reason", "new_due_on"}`` (a date after today); the
    order is open again, due at the end of that day."""
    order = _locked_order(order_id)
    t = ORDER.ensure_transition(order, OrderAction.REJECT, actor, expected_version=expected_version)
    raise_if_any(check_parsed(inputs.REJECT, data, required=("reason", "new_due_on")))
    if not data["reason"]:
        raise DomainError("reason_required", "核验不通过必须说明理由。", fields={"reason": [("reason_required", "请填写理由。")]})
    if data["new_due_on"] <= timezone.localdate():
        raise DomainError("due_on_past", "新的整改期限应晚于今天。",
                          fields={"new_due_on": [("due_on_past", "新的整改期限应晚于今天。")]})
    reply = _pending_reply(order)
    now = timezone.now()
    due = dt.datetime.combine(data["new_due_on"], dt.time(23, 59, 59), tzinfo=CHINA_TZ)
    reply.decision, reply.decision_reason, reply.decided_by, reply.decided_at, reply.new_due_at = (
        ReplyDecision.REJECTED, data["reason"], actor, now, due)
    reply.save(update_fields=["decision", "decision_reason", "decided_by", "decided_at", "new_due_at"])
    order.due_at, order.due_set_at = due, now
    ORDER.apply(order, t, actor=actor, update_fields=["due_at", "due_set_at"], reason=data["reason"],
                items=[f"新的整改期限 {data['new_due_on']:%Y-%m-%d}"])
    notify_on_commit(kind=NotificationType.RECTIFICATION_REJECTED, recipients=lambda: operators_of(order.institution_id),
                     title="整改核验不通过",
                     body=f"整改通知 #{order.pk} 核验不通过：{data['reason']}。请在 {data['new_due_on']:%Y-%m-%d} 前重新整改并回复。",
                     link=_link(order))
    return order


__all__ = ["order_accept", "order_issue", "order_reject", "order_reply"]
