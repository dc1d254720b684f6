"""The sweeps of inspections and rectification (registered in ``supervision/sweeps.py``):

- ``supervision.publication_overdue``: completed inspections whose result is not published by the
  deadline (20 working days after sign-off, per region) → the district's inspectors and admins,
  once per inspection (marker ``InspectionEvent`` ``publication_overdue``).
- ``supervision.rectification_overdue``: orders not closed past their due date → escalated to the
  district admin, once per due date (marker ``RectificationOrderEvent`` ``overdue`` since the
  date was set: a rejection with a new date is swept afresh); the operators are told too.

Both are ``core.sweeps.OverdueSweep`` instances: one ``INSERT … SELECT`` per deadline, idempotent.
"""

from __future__ import annotations

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import admins_by_district, inspectors_by_district, operators_by_institution
from core.sweeps import Deadline, EventMarker, OverdueSweep
from notifications.models import NotificationType
from notifications.services import notify_each

from ..models import (
    Inspection,
    InspectionEvent,
    InspectionStatus,
    OrderStatus,
    RectificationOrder,
    RectificationOrderEvent,
)
from ..workflow import InspectionAction, OrderAction

_MARKER_VALUES = {"from_status": "r.status", "to_status": "r.status", "reason": "''", "items": "'[]'::jsonb"}


def _date(value) -> str:
    return f"{timezone.localtime(value):%Y年%m月%d日}"


def _inspectors_of(rows) -> dict:
    people = inspectors_by_district({r.district_id for r in rows})
    return {r.pk: people[r.district_id] for r in rows}


def _admins_and_operators(rows) -> dict:
    admins = admins_by_district({r.district_id for r in rows})
    operators = operators_by_institution({r.institution_id for r in rows})
    return {r.pk: [*admins[r.district_id], *operators[r.institution_id]] for r in rows}


publication_overdue_sweep = OverdueSweep(
    model=Inspection,
    where=Q(status=InspectionStatus.COMPLETED),
    deadlines=(Deadline(InspectionAction.PUBLICATION_OVERDUE.value, "publish_due_at",
                        NotificationType.INSPECTION_PUBLICATION_OVERDUE,
                        lambda i: ("检查结果超过公示期限",
                                   f"一次已完成的监督检查应于 {_date(i.publish_due_at)} 前公示结果，请尽快公示。")),),
    marker=EventMarker(InspectionEvent, fk="inspection", values=_MARKER_VALUES),
    recipients=_inspectors_of,
    link=lambda i: reverse("supervision:inspection_detail", args=[i.pk]),
    send=notify_each,
)

rectification_overdue_sweep = OverdueSweep(
    model=RectificationOrder,
    where=~Q(status=OrderStatus.CLOSED),
    deadlines=(Deadline(OrderAction.OVERDUE.value, "due_at", NotificationType.RECTIFICATION_OVERDUE,
                        lambda o: (f"整改通知 #{o.pk} 已逾期",
                                   f"整改期限为 {_date(o.due_at)}，至今未完成整改核验，已上报区县管理员。")),),
    marker=EventMarker(RectificationOrderEvent, fk="order", since="due_set_at", values=_MARKER_VALUES),
    recipients=_admins_and_operators,
    link=lambda o: reverse("supervision:order_detail", args=[o.pk]),
    send=notify_each,
)
