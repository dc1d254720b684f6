"""Incidents (突发事件 / 安全事故) reported by an institution's operator: the district is alerted at
once, both sides add follow-up entries until the district closes it, and a suspected abuse opens a
blacklist review for the district admin (a task pointing to the blacklist's listing page; nobody
is listed automatically).

Every write is here; follow-up entries, the report and the review are ``IncidentEvent`` rows, the
moves go through ``supervision.workflow.INCIDENT``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import district_staff, operators_of, reviewers_of
from core.errors import DomainError, NotFound
from core.events import record_event
from core.inputs import check_parsed, raise_if_any
from core.permissions import require_role, roles_for
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from registry.models import Institution, InstitutionStatus

from .. import inputs_complaints as inputs
from ..models import BlacklistReview, Incident, IncidentEvent, IncidentKind
from ..workflow import (
    BLACKLIST_REVIEWERS,
    INCIDENT,
    INCIDENT_HANDLERS,
    INCIDENT_REPORTERS,
    OPEN_INCIDENT_STATES,
    IncidentAction,
)


def incident_link(incident: Incident) -> str:
    return reverse("supervision:incident_detail", args=[incident.pk])


def _when(value) -> str:
    return f"{timezone.localtime(value):%Y年%m月%d日 %H:%M}"


@transaction.atomic
def incident_report(*, actor, institution_id: int, data: dict[str, Any], now=None) -> Incident:
    """An operator reports an incident at their institution: ``{"kind", "severity",
    "children_affected", "occurred_at", "description"}`` (typed values; ``occurred_at`` not in the
    future). The district's reviewers and admin are alerted at once; a suspected abuse also opens a
    blacklist review for the district admin."""
    raise_if_any(check_parsed(inputs.INCIDENT, data, required=inputs.INCIDENT_REQUIRED))
    now = now or timezone.now()
    if data["occurred_at"] > now:
        raise DomainError("occurred_in_future", "发生时间不能晚于现在。",
                          fields={"occurred_at": [("occurred_in_future", "发生时间不能晚于现在。")]})
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    incident = Incident(institution=institution, institution_name=institution.name, reported_by=actor,
                        reported_at=now, **data)
    incident.copy_tenant()
    require_role(actor, INCIDENT_REPORTERS, incident)
    if institution.status == InstitutionStatus.TERMINATED:
        raise DomainError("institution_terminated", "机构已终止，不能报告新的事件。", status_code=409)
    abuse = data["kind"] == IncidentKind.SUSPECTED_ABUSE
    incident.blacklist_review = BlacklistReview.PENDING if abuse else BlacklistReview.NONE
    incident.save()
    record_event(incident, actor=actor, action=IncidentAction.REPORT, from_status="",
                 reason=data["description"],
                 items=[f"{incident.get_kind_display()}，{incident.get_severity_display()}，"
                        f"涉及儿童 {incident.children_affected} 人，发生于 {_when(incident.occurred_at)}"])
    district = incident.district_id
    notify_on_commit(kind=NotificationType.INCIDENT_REPORTED, recipients=lambda: reviewers_of(district),
                     title=f"【{incident.get_severity_display()}】{incident.institution_name}报告{incident.get_kind_display()}",
                     body=(f"发生于 {_when(incident.occurred_at)}，涉及儿童 {incident.children_affected} 人。"
                           "请立即受理并跟进。"),
                     link=incident_link(incident))
    if abuse:
        notify_on_commit(kind=NotificationType.INCIDENT_BLACKLIST_REVIEW,
                         recipients=lambda: district_staff(district, BLACKLIST_REVIEWERS),
                         title=f"疑似虐童事件待从业禁止审查：{incident.institution_name}",
                         body="请核查涉事人员，依法需要时将其列入从业禁止名单，并在事件页面记录审查结果。",
                         link=incident_link(incident))
    return incident


def _locked(incident_id: int) -> Incident:
    incident = Incident.objects.locked().filter(pk=incident_id).first()
    if incident is None:
        raise NotFound("事件不存在或不在您的管辖范围内。")
    return incident


def _tell_other_side(incident: Incident, actor, *, kind: str, title: str, body: str) -> None:
    """The district hears of the operator's entries, the operator of the district's."""
    if INCIDENT_REPORTERS & roles_for(actor, incident):
        district = incident.district_id
        recipients = lambda: reviewers_of(district)  # noqa: E731
    else:
        institution = incident.institution_id
        recipients = lambda: operators_of(institution)  # noqa: E731
    notify_on_commit(kind=kind, recipients=recipients, title=title, body=body, link=incident_link(incident))


@transaction.atomic
def incident_follow_up(*, actor, incident_id: int, text: str) -> IncidentEvent:
    """A follow-up entry by the operator or the district, until the incident is closed."""
    raise_if_any(check_parsed(inputs.FOLLOW_UP, {"text": text}, required=("text",)))
    incident = _locked(incident_id)
    require_role(actor, INCIDENT_HANDLERS | INCIDENT_REPORTERS, incident)
    if incident.status not in OPEN_INCIDENT_STATES:
        raise DomainError("incident_closed", "事件已结案，不能再添加跟进记录。", status_code=409)
    event = record_event(incident, actor=actor, action=IncidentAction.FOLLOW_UP, from_status=incident.status,
                         reason=text)
    _tell_other_side(incident, actor, kind=NotificationType.INCIDENT_UPDATED,
                     title=f"突发事件有新的跟进：{incident.institution_name}", body=text[:200])
    return event


def incident_attach_inspection(*, actor, incident_id: int, inspection) -> Incident:
    """Inside ``inspection_create_targeted``'s transaction: the new inspection follows this incident
    (same institution, not closed, no follow-up inspection yet); recorded as a follow-up entry."""
    incident = _locked(incident_id)
    require_role(actor, INCIDENT_HANDLERS, incident)
    if incident.institution_id != inspection.institution_id:
        raise DomainError("institution_mismatch", "检查的机构与事件的机构不一致。",
                          fields={"institution_id": [("institution_mismatch", "应为发生事件的机构。")]})
    if incident.followup_inspection_id is not None:
        raise DomainError("followup_exists", "该事件已安排后续检查。", status_code=409)
    incident.followup_inspection = inspection
    incident.version += 1
    incident.save(update_fields=["followup_inspection", "version", "updated_at"])
    record_event(incident, actor=actor, action=IncidentAction.FOLLOW_UP, from_status=incident.status,
                 reason=f"已安排专项检查（检查编号 {inspection.pk}）")
    return incident


@transaction.atomic
def incident_acknowledge(*, actor, incident_id: int, expected_version: int | None = None) -> Incident:
    """The district takes the incident up (reported → following up); the operator is told."""
    incident = _locked(incident_id)
    INCIDENT.move(incident, IncidentAction.ACKNOWLEDGE, actor, expected_version=expected_version)
    institution = incident.institution_id
    notify_on_commit(kind=NotificationType.INCIDENT_UPDATED, recipients=lambda: operators_of(institution),
                     title=f"区县卫生健康部门已受理事件：{incident.get_kind_display()}",
                     body="请继续报告处置进展。", link=incident_link(incident))
    return incident


@transaction.atomic
def incident_close(*, actor, incident_id: int, resolution: str, expected_version: int | None = None) -> Incident:
    """Close with what was done (following up → closed); a suspected abuse only after its blacklist review."""
    raise_if_any(check_parsed(inputs.RESOLUTION, {"resolution": resolution}, required=("resolution",)))
    incident = _locked(incident_id)
    t = INCIDENT.ensure_transition(incident, IncidentAction.CLOSE, actor, expected_version=expected_version)
    if incident.blacklist_review == BlacklistReview.PENDING:
        raise DomainError("blacklist_review_pending", "疑似虐童事件须先完成从业禁止审查，才能结案。", status_code=409)
    incident.closed_at = timezone.now()
    INCIDENT.apply(incident, t, actor=actor, update_fields=["closed_at"], reason=resolution)
    institution = incident.institution_id
    notify_on_commit(kind=NotificationType.INCIDENT_CLOSED, recipients=lambda: operators_of(institution),
                     title=f"事件已结案：{incident.get_kind_display()}", body=resolution[:200],
                     link=incident_link(incident))
    return incident


@transaction.atomic
def incident_blacklist_review_done(*, actor, incident_id: int, reason: str) -> Incident:
    """The district admin records the outcome of a suspected abuse's blacklist review (who was
    listed, or why nobody was); listing itself is done on the blacklist's own page."""
    raise_if_any(check_parsed(inputs.REASON, {"reason": reason}, required=("reason",)))
    incident = _locked(incident_id)
    require_role(actor, BLACKLIST_REVIEWERS, incident)
    if incident.blacklist_review != BlacklistReview.PENDING:
        raise DomainError("no_blacklist_review", "该事件没有待完成的从业禁止审查。", status_code=409)
    incident.blacklist_review = BlacklistReview.DONE
    incident.version += 1
    incident.save(update_fields=["blacklist_review", "version", "updated_at"])
    record_event(incident, actor=actor, action=IncidentAction.BLACKLIST_REVIEW, from_status=incident.status,
                 reason=reason)
    return incident


__all__ = ["incident_acknowledge", "incident_attach_inspection", "incident_blacklist_review_done", "incident_close", "incident_follow_up",
           "incident_link", "incident_report"]
