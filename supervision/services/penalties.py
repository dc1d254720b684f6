"""Penalties (行政处罚): issued by the district admin against an institution of the district, with
decision number, date and legal basis; in force until concluded or withdrawn (``workflow.PENALTY``).

What each kind does besides its own row:
- a **suspension for rectification** suspends the institution's service through registry's
  ``institution_suspend`` (its reason names the decision); concluding or withdrawing it resumes
  the service through ``institution_resume`` (when the institution is still suspended);
- a **ban of a person** lists the person on the nationwide blacklist through
  ``supervision.services.blacklist.entry_create`` (the basis is the decision); withdrawing the
  penalty ends that entry (``entry_end``);
- every issue, conclusion and withdrawal regrades the institution once the transaction commits
  (``services.grades.regrade_on_commit``) and tells the institution's operators.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import operators_of
from core import crypto
from core.errors import DomainError, FieldError, NotFound
from core.events import record_event
from core.inputs import check_parsed, raise_if_any
from core.permissions import require_role
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from registry.models import Institution, InstitutionStatus
from registry.services.institutions import institution_resume, institution_suspend

from ..enforcement_inputs import PENALTY, PENALTY_REQUIRED
from ..models import EntryKind, EntryStatus, Penalty, PenaltyKind, PenaltyStatus
from ..workflow import ENFORCERS, PenaltyAction
from ..workflow import PENALTY as PENALTY_TABLE
from . import blacklist
from .common import require_reason
from .grades import regrade_on_commit


def _institution(institution_id: int) -> Institution:
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    return institution


def _rules(data: dict[str, Any], institution: Institution) -> None:
    """The typed values, and what each kind needs (every problem at once, per field)."""
    errors = check_parsed(PENALTY, data, required=PENALTY_REQUIRED)
    kind = data.get("kind")

    def add(field: str, code: str, message: str) -> None:
        if field not in errors:
            errors[field] = [FieldError(code, message)]

    decided = data.get("decided_on")
    if isinstance(decided, dt.date) and decided > timezone.localdate():
        add("decided_on", "date_in_future", "决定日期不能晚于今天。")
    if kind == PenaltyKind.FINE:
        if data.get("amount_fen") is None:
            add("amount_fen", "required", "罚款须填写金额（单位：分）。")
    elif data.get("amount_fen") is not None:
        add("amount_fen", "not_a_fine", "只有罚款填写金额。")
    if kind == PenaltyKind.PERSON_BAN:
        if not data.get("id_number"):
            add("id_number", "required", "从业禁止须填写被禁止人员的身份证号码。")
        if not data.get("person_name"):
            add("person_name", "required", "从业禁止须填写被禁止人员姓名。")
        until = data.get("banned_until")
        if isinstance(until, dt.date) and until < timezone.localdate():
            add("banned_until", "banned_until_past", "禁止期限不能早于今天（留空为终身禁入）。")
    else:
        for name in ("person_name", "id_number", "banned_until"):
            if data.get(name):
                add(name, "not_a_ban", "只有从业禁止填写被禁止人员。")
    raise_if_any(errors)
    if institution.status == InstitutionStatus.TERMINATED:
        raise DomainError("institution_terminated", "机构已终止，不能再作出行政处罚。", status_code=409)
    if kind == PenaltyKind.SUSPENSION and institution.status != InstitutionStatus.FILED:
        raise DomainError("not_in_service", "只有已备案、正常服务中的机构可以责令停业整顿"
                          f"（当前状态：{institution.get_status_display()}）。", status_code=409)


def _tell(penalty: Penalty, institution: Institution, *, kind: str, title: str, body: str) -> None:
    notify_on_commit(kind=kind, recipients=lambda: operators_of(institution.pk), title=f"{title}：{institution.name}",
                     body=body, link=reverse("supervision:operator_penalties"))


@transaction.atomic
def penalty_issue(*, actor, institution_id: int, data: dict[str, Any]) -> Penalty:
    """Issue a penalty (typed values of ``enforcement_inputs.PENALTY``) against an institution of the
    admin's district. A suspension suspends the service; a ban lists the person on the blacklist."""
    institution = _institution(institution_id)
    require_role(actor, ENFORCERS, institution)
    _rules(data, institution)
    penalty = Penalty(institution=institution, created_by=actor, **{
        k: data.get(k) for k in ("kind", "decision_number", "decided_on", "legal_basis", "amount_fen", "banned_until")})
    penalty.facts = data.get("facts") or ""
    penalty.person_name = data.get("person_name") or ""
    if penalty.kind == PenaltyKind.PERSON_BAN:
        crypto.set_id_number(penalty, data["id_number"])
        penalty.blacklist_entry = blacklist.entry_create(actor=actor, data={
            "kind": EntryKind.PERSON, "id_number": data["id_number"], "name": penalty.person_name,
            "reason": penalty.facts or f"{institution.name}从业人员，依{penalty.legal_basis}作出从业禁止",
            "basis": f"行政处罚决定书（{penalty.legal_basis}）", "decision_number": penalty.decision_number,
            "banned_until": penalty.banned_until})
    try:
        with transaction.atomic():
            penalty.save()
    except IntegrityError as exc:
        if "penalty_decision_uniq" in str(exc):
            raise DomainError("decision_duplicate", "本辖区已录入同一文号的同种处罚，请勿重复录入。",
                              fields={"decision_number": [("decision_duplicate", "该决定书文号已录入。")]},
                              status_code=409) from exc
        raise
    record_event(penalty, actor=actor, action=PenaltyAction.ISSUE, from_status="",
                 reason=f"{penalty.decision_number}；依据：{penalty.legal_basis}")
    if penalty.kind == PenaltyKind.SUSPENSION:
        institution_suspend(actor=actor, institution_id=institution.pk,
                            reason=f"行政处罚责令停业整顿（{penalty.decision_number}）")
    _tell(penalty, institution, kind=NotificationType.PENALTY_ISSUED, title=f"行政处罚：{penalty.get_kind_display()}",
          body=f"决定书文号：{penalty.decision_number}；依据：{penalty.legal_basis}。")
    regrade_on_commit([institution.pk])
    return penalty


def _end(*, actor, penalty_id: int, action: str, reason: str, expected_version: int | None) -> Penalty:
    penalty = Penalty.objects.locked().filter(pk=penalty_id).first()
    if penalty is None:
        raise NotFound("行政处罚不存在或不在您的管辖范围内。")
    t = PENALTY_TABLE.ensure_transition(penalty, action, actor, expected_version=expected_version)
    reason = require_reason(reason, what=PENALTY_TABLE.action_label(action))
    penalty.end_reason, penalty.ended_at = reason, timezone.now()
    PENALTY_TABLE.apply(penalty, t, actor=actor, update_fields=["end_reason", "ended_at"], reason=reason)
    institution = Institution.objects.locked().get(pk=penalty.institution_id)
    if penalty.kind == PenaltyKind.SUSPENSION and institution.status == InstitutionStatus.SUSPENDED:
        # Another suspension still in force keeps the institution suspended.
        others = Penalty.objects.filter(institution_id=institution.pk, kind=PenaltyKind.SUSPENSION,
                                        status=PenaltyStatus.IN_FORCE).exclude(pk=penalty.pk)
        if not others.exists():
            institution_resume(actor=actor, institution_id=institution.pk,
                               reason=f"停业整顿{PENALTY_TABLE.action_label(action)}（{penalty.decision_number}）：{reason}")
    if (action == PenaltyAction.WITHDRAW and penalty.blacklist_entry_id is not None
            and penalty.blacklist_entry.status == EntryStatus.ACTIVE):
        blacklist.entry_end(actor=actor, entry_id=penalty.blacklist_entry_id, reason=f"行政处罚已撤销：{reason}")
    _tell(penalty, institution, kind=NotificationType.PENALTY_ENDED,
          title=f"行政处罚{PENALTY_TABLE.action_label(action)}", body=f"决定书文号：{penalty.decision_number}；说明：{reason}")
    regrade_on_commit([institution.pk])
    return penalty


@transaction.atomic
def penalty_conclude(*, actor, penalty_id: int, reason: str, expected_version: int | None = None) -> Penalty:
    """In force → concluded (执行完毕), with a reason; a suspension's institution resumes service."""
    return _end(actor=actor, penalty_id=penalty_id, action=PenaltyAction.CONCLUDE, reason=reason,
                expected_version=expected_version)


@transaction.atomic
def penalty_withdraw(*, actor, penalty_id: int, reason: str, expected_version: int | None = None) -> Penalty:
    """In force → withdrawn (撤销), with a reason; a ban's blacklist entry ends, a suspension resumes."""
    return _end(actor=actor, penalty_id=penalty_id, action=PenaltyAction.WITHDRAW, reason=reason,
                expected_version=expected_version)


__all__ = ["penalty_conclude", "penalty_issue", "penalty_withdraw"]
