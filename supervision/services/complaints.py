"""Complaints from the public (投诉举报): filed without an account, routed to the institution's
district with a handling deadline, assigned, noted, answered and closed with an outcome; and the
sweep that tells the district when a complaint is past its deadline.

Every write is here. The complainant's contact phone is encrypted at rest and only its masked form
is shown; nothing personal goes into a log, an event or a notification. Internal notes are
``ComplaintEvent`` rows (never shown to the complainant); the public reply is a field of the row.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import district_staff, reviewers_by_district, reviewers_of
from core import crypto
from core.deadlines import due_after
from core.errors import DomainError, NotFound, PermissionDenied
from core.events import record_event
from core.inputs import check_parsed, raise_if_any
from core.permissions import require_role, roles_for
from core.roles import Role
from core.sweeps import Deadline, EventMarker, OverdueSweep
from core.tenancy import scopes_disabled
from core.validators import mask_mobile
from notifications.models import NotificationType
from notifications.services import notify_each, notify_on_commit
from regions.policy import policy_value
from registry.models import Institution
from registry.selectors.public import PUBLIC_STATES

from .. import inputs_complaints as inputs
from ..models import COMPLAINT_OVERDUE, Complaint, ComplaintEvent
from ..workflow import (
    COMPLAINT,
    COMPLAINT_HANDLERS,
    OPEN_COMPLAINT_STATES,
    ComplaintAction,
)

HANDLING_DAYS = "complaint.handling_working_days"


def complaint_link(complaint: Complaint) -> str:
    return reverse("supervision:complaint_detail", args=[complaint.pk])


def _date(value) -> str:
    return f"{timezone.localtime(value):%Y年%m月%d日}"


def new_tracking_code() -> str:
    return "".join(secrets.choice(inputs.CODE_ALPHABET) for _ in range(inputs.CODE_LENGTH))


def _mask_phone(number: str) -> str:
    if not number:
        return ""
    if len(number) == 11 and number.isdigit():
        return mask_mobile(number)
    return f"{number[:4]}****{number[-2:]}" if len(number) > 6 else "*" * len(number)


def _text_rules(data: dict[str, Any]) -> None:
    text = data.get("text", "")
    if isinstance(text, str) and 0 < len(text) < inputs.TEXT_MIN_LENGTH:
        raise DomainError("text_too_short", f"投诉内容请至少写 {inputs.TEXT_MIN_LENGTH} 个字，说明发生了什么。",
                          fields={"text": [("text_too_short", f"请至少写 {inputs.TEXT_MIN_LENGTH} 个字。")]})


def _receiving_institution(institution_id: int) -> Institution:
    """A filed (or suspended) institution, read across districts (the complainant has no scope)."""
    with scopes_disabled():
        institution = (Institution.objects.filter(pk=institution_id, status__in=PUBLIC_STATES)
                       .select_related("region", "district").first())
    if institution is None:
        raise DomainError("institution_invalid", "未找到该托育机构，或该机构尚未备案，暂不能受理对它的投诉。",
                          fields={"institution": [("institution_invalid", "请从备案机构的公开页面发起投诉。")]})
    return institution


@transaction.atomic
def complaint_submit(*, data: dict[str, Any], now=None) -> Complaint:
    """A complaint from the public (no account): ``{"institution", "text", "contact_name"?,
    "contact_phone"?}`` (typed values, ``inputs_complaints.PUBLIC_COMPLAINT``). Routed to the
    institution's district, due in ``complaint.handling_working_days`` working days; the district's
    reviewers and admin are told at once. Returns the complaint (its ``tracking_code`` is the
    complainant's only key)."""
    raise_if_any(check_parsed(inputs.PUBLIC_COMPLAINT, data, required=inputs.PUBLIC_COMPLAINT_REQUIRED))
    _text_rules(data)
    institution = _receiving_institution(data["institution"])
    now = now or timezone.now()
    days = policy_value(institution.district, HANDLING_DAYS)
    phone = data.get("contact_phone", "")
    complaint = Complaint(
        institution=institution, institution_name=institution.name, text=data["text"],
        contact_name=data.get("contact_name", ""), contact_phone_encrypted=crypto.encrypt(phone),
        contact_phone_masked=_mask_phone(phone), received_at=now,
        due_at=due_after(now, days, institution.region))
    complaint.set_region(institution.region)
    with scopes_disabled():
        for attempt in range(5):
            complaint.tracking_code = new_tracking_code()
            try:
                with transaction.atomic():
                    complaint.save()
                break
            except IntegrityError as exc:  # the same code drawn twice: draw again
                if "tracking_code" not in str(exc) or attempt == 4:
                    raise
                complaint.pk = None
        record_event(complaint, actor=None, action=ComplaintAction.RECEIVE, from_status="",
                     reason=f"办理期限 {days} 个工作日")
    notify_on_commit(kind=NotificationType.COMPLAINT_RECEIVED,
                     recipients=lambda d=complaint.district_id: reviewers_of(d),
                     title=f"收到投诉举报：{complaint.institution_name}",
                     body=f"群众投诉了“{complaint.institution_name}”，请分派承办人。办理期限：{_date(complaint.due_at)}。",
                     link=complaint_link(complaint))
    return complaint


def _locked(complaint_id: int) -> Complaint:
    complaint = Complaint.objects.locked().filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound("投诉不存在或不在您的管辖范围内。")
    return complaint


def _ensure_open(complaint: Complaint, what: str) -> None:
    if complaint.status not in OPEN_COMPLAINT_STATES:
        raise DomainError("complaint_closed", f"投诉已办结，不能{what}；如需继续办理，请区县管理员重新办理。",
                          status_code=409)


@transaction.atomic
def complaint_assign(*, actor, complaint_id: int, assignee_id: int, expected_version: int | None = None) -> Complaint:
    """Assign (or reassign) the complaint to a reviewer, inspector or admin of its district; they are told."""
    complaint = _locked(complaint_id)
    t = COMPLAINT.ensure_transition(complaint, ComplaintAction.ASSIGN, actor, expected_version=expected_version)
    staff = {u.pk: u for u in district_staff(complaint.district_id, COMPLAINT_HANDLERS)}
    assignee = staff.get(assignee_id)
    if assignee is None:
        raise DomainError("assignee_invalid", "承办人须为本区县卫生健康部门的审核员、检查员或管理员。",
                          fields={"assignee": [("assignee_invalid", "请从本区县工作人员中选择。")]})
    if assignee.pk == complaint.assignee_id:
        raise DomainError("no_changes", "该投诉已由此人承办。", fields={"assignee": [("no_changes", "承办人未改变。")]})
    complaint.assignee = assignee
    name = assignee.get_full_name() or assignee.username
    COMPLAINT.apply(complaint, t, actor=actor, update_fields=["assignee"], reason=f"承办人：{name}")
    if assignee.pk != getattr(actor, "pk", None):
        notify_on_commit(kind=NotificationType.COMPLAINT_ASSIGNED, recipients=[assignee],
                         title=f"请承办投诉：{complaint.institution_name}",
                         body=f"办理期限：{_date(complaint.due_at)}。请核查并答复投诉人。",
                         link=complaint_link(complaint))
    return complaint


@transaction.atomic
def complaint_note(*, actor, complaint_id: int, text: str) -> ComplaintEvent:
    """An internal note (never shown to the complainant), at any time."""
    raise_if_any(check_parsed(inputs.NOTE, {"text": text}, required=("text",)))
    complaint = _locked(complaint_id)
    require_role(actor, COMPLAINT_HANDLERS, complaint)
    return record_event(complaint, actor=actor, action=ComplaintAction.NOTE, from_status=complaint.status,
                        reason=text)


@transaction.atomic
def complaint_reply(*, actor, complaint_id: int, public_reply: str,
                    expected_version: int | None = None) -> Complaint:
    """The reply the complainant reads with the tracking code (replaces an earlier one) while it is open."""
    raise_if_any(check_parsed(inputs.REPLY, {"public_reply": public_reply}, required=("public_reply",)))
    complaint = _locked(complaint_id)
    require_role(actor, COMPLAINT_HANDLERS, complaint)
    COMPLAINT.check_version(complaint, expected_version)
    _ensure_open(complaint, "修改答复")
    complaint.public_reply, complaint.replied_at = public_reply, timezone.now()
    complaint.version += 1
    complaint.save(update_fields=["public_reply", "replied_at", "version", "updated_at"])
    record_event(complaint, actor=actor, action=ComplaintAction.REPLY, from_status=complaint.status,
                 reason=public_reply)
    return complaint


@transaction.atomic
def complaint_close(*, actor, complaint_id: int, outcome: str, public_reply: str = "",
                    expected_version: int | None = None) -> Complaint:
    """Close with an outcome (substantiated / partly / not substantiated) and a reply to the
    complainant (given now or earlier): the assignee or the district admin."""
    raise_if_any(check_parsed(inputs.CLOSE, {"outcome": outcome, "public_reply": public_reply},
                              required=("outcome",)))
    complaint = _locked(complaint_id)
    t = COMPLAINT.ensure_transition(complaint, ComplaintAction.CLOSE, actor, expected_version=expected_version)
    if complaint.assignee_id != actor.pk and Role.DISTRICT_ADMIN not in roles_for(actor, complaint):
        raise PermissionDenied("只有承办人或区县管理员可以办结该投诉。", code="not_assignee")
    if public_reply:
        complaint.public_reply, complaint.replied_at = public_reply, timezone.now()
    if not complaint.public_reply:
        raise DomainError("reply_required", "办结前须答复投诉人。",
                          fields={"public_reply": [("reply_required", "请填写给投诉人的答复。")]})
    complaint.outcome, complaint.closed_at = outcome, timezone.now()
    COMPLAINT.apply(complaint, t, actor=actor,
                    update_fields=["outcome", "closed_at", "public_reply", "replied_at"],
                    reason=f"核查结论：{complaint.get_outcome_display()}")
    return complaint


@transaction.atomic
def complaint_reopen(*, actor, complaint_id: int, reason: str) -> Complaint:
    """Reopen a closed complaint (the district admin, with a reason); its deadline stays."""
    raise_if_any(check_parsed(inputs.REASON, {"reason": reason}, required=("reason",)))
    complaint = _locked(complaint_id)
    t = COMPLAINT.ensure_transition(complaint, ComplaintAction.REOPEN, actor)
    complaint.outcome, complaint.closed_at = "", None
    COMPLAINT.apply(complaint, t, actor=actor, update_fields=["outcome", "closed_at"], reason=reason)
    return complaint


@transaction.atomic
def complaint_link_followup(*, actor, complaint_id: int, followup_reference: str,
                            followup_inspection_id: int | None = None) -> Complaint:
    """Link the targeted inspection that follows the complaint: its reference, and the inspection
    itself when given (an inspection of the complaint's district; ``None`` clears the link)."""
    from ..models import Inspection

    data = {"followup_reference": followup_reference}
    if followup_inspection_id is not None:
        data["followup_inspection_id"] = followup_inspection_id
    raise_if_any(check_parsed(inputs.LINK, data, required=("followup_reference",)))
    complaint = _locked(complaint_id)
    require_role(actor, COMPLAINT_HANDLERS, complaint)
    if followup_inspection_id is not None and not Inspection.objects.filter(
            pk=followup_inspection_id, district_id=complaint.district_id).exists():
        raise DomainError("inspection_unknown", "检查不存在或不在本辖区。",
                          fields={"followup_inspection_id": [("inspection_unknown", "检查不存在或不在本辖区。")]})
    complaint.followup_reference = followup_reference
    complaint.followup_inspection_id = followup_inspection_id
    complaint.version += 1
    complaint.save(update_fields=["followup_reference", "followup_inspection", "version", "updated_at"])
    record_event(complaint, actor=actor, action=ComplaintAction.LINK, from_status=complaint.status,
                 reason=followup_reference)
    return complaint


def complaint_attach_inspection(*, actor, complaint_id: int, inspection, reference: str) -> Complaint:
    """Inside ``inspection_create_targeted``'s transaction: the new inspection follows this complaint
    (same institution, no follow-up inspection yet)."""
    complaint = _locked(complaint_id)
    require_role(actor, COMPLAINT_HANDLERS, complaint)
    if complaint.institution_id != inspection.institution_id:
        raise DomainError("institution_mismatch", "检查的机构与投诉的机构不一致。",
                          fields={"institution_id": [("institution_mismatch", "应为被投诉的机构。")]})
    if complaint.followup_inspection_id is not None:
        raise DomainError("followup_exists", "该投诉已安排后续检查。", status_code=409)
    complaint.followup_inspection = inspection
    complaint.followup_reference = complaint.followup_reference or reference[:200]
    complaint.version += 1
    complaint.save(update_fields=["followup_reference", "followup_inspection", "version", "updated_at"])
    record_event(complaint, actor=actor, action=ComplaintAction.LINK, from_status=complaint.status,
                 reason=f"安排专项检查（检查编号 {inspection.pk}）")
    return complaint


# --- the overdue sweep -----------------------------------------------------------------------------------

def _recipients(complaints: list[Complaint]) -> dict[int, list]:
    """The district's reviewers and admin, and the assignee, of each complaint (two queries)."""
    by_district = reviewers_by_district(c.district_id for c in complaints)
    out = {}
    for c in complaints:
        people = list(by_district[c.district_id])
        if c.assignee is not None and all(u.pk != c.assignee_id for u in people):
            people.append(c.assignee)
        out[c.pk] = people
    return out


def _overdue_message(c: Complaint) -> tuple[str, str]:
    return (f"投诉已超过办理期限：{c.institution_name}",
            f"查询码 {c.tracking_code_display} 的投诉办理期限为 {_date(c.due_at)}，至今未办结。请尽快核查并答复投诉人。")


# Tell the district (reviewers, admin, the assignee), once per complaint, that an open complaint is
# past its handling deadline. Set-based: one INSERT ... SELECT of marker events (``overdue``).
complaint_overdue_sweep = OverdueSweep(
    model=Complaint,
    where=Q(status__in=OPEN_COMPLAINT_STATES),
    deadlines=(Deadline(COMPLAINT_OVERDUE, "due_at", NotificationType.COMPLAINT_OVERDUE, _overdue_message),),
    marker=EventMarker(ComplaintEvent, fk="complaint",
                       values={"from_status": "r.status", "to_status": "r.status", "reason": "''",
                               "items": "'[]'::jsonb"}),
    recipients=_recipients,
    link=complaint_link,
    send=notify_each,
)


__all__ = ["complaint_assign", "complaint_attach_inspection", "complaint_close", "complaint_link",
           "complaint_link_followup", "complaint_note", "complaint_overdue_sweep", "complaint_reopen", "complaint_reply", "complaint_submit", "new_tracking_code"]
