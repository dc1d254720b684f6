"""The registry's transition tables (``core.workflow``): filings, institutions, claims.

Each status-bearing model has ONE table here (from-states, action, to-state, who may, which
checks); ``docs/workflows.md`` is generated from them (``manage.py workflows_doc``). Services lock
the row (``select_for_update``) and call ``<TABLE>.ensure_transition`` then ``<TABLE>.apply`` (or
``<TABLE>.move``); the termination sweep calls ``INSTITUTION.apply_bulk``. Nothing else changes a
status: the fields are protected, and each move writes its event row (``FilingEvent``,
``InstitutionEvent``, ``ClaimEvent``) in the same transaction.

The module-level ``ensure_transition``, ``apply``, ``allowed_actions``, ``check_version``,
``TRANSITIONS`` and ``BY_ACTION`` are the filing table's, for the filing services.
"""

from __future__ import annotations

from django.db import models

from accounts.roles import REVIEWERS, Role
from core.errors import InvalidTransition
from core.permissions import require_role
from core.workflow import Transition, Workflow

from .models import (
    ClaimStatus,
    Filing,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionClaim,
    InstitutionStatus,
)

OPERATORS = frozenset({Role.OPERATOR})


# --- filings ---------------------------------------------------------------------------------------

class FilingAction(models.TextChoices):
    CREATE = "create", "创建"
    SUBMIT = "submit", "提交"
    RESUBMIT = "resubmit", "补正后重新提交"
    ACCEPT = "accept", "通过备案"
    RETURN = "return", "退回补正"
    WITHDRAW = "withdraw", "撤回"
    REJECT = "reject", "不予备案"


S = FilingStatus
FILING = Workflow(model=Filing, states=FilingStatus, actions=FilingAction, noun="备案", title="备案（Filing）",
                  transitions=(
    Transition(FilingAction.SUBMIT, (S.DRAFT,), S.SUBMITTED, OPERATORS, requires_checks=True,
               note="计算回执期限和告知期限（工作日）"),
    Transition(FilingAction.RESUBMIT, (S.RETURNED,), S.RESUBMITTED, OPERATORS, requires_checks=True,
               note="重新计算期限"),
    Transition(FilingAction.ACCEPT, (S.SUBMITTED, S.RESUBMITTED), S.ACCEPTED, REVIEWERS, requires_checks=True,
               note="出具备案回执和基本条件告知书；终止备案不出回执"),
    # Return: failed checks are added to the notice automatically (one-time notice rule).
    Transition(FilingAction.RETURN, (S.SUBMITTED, S.RESUBMITTED), S.RETURNED, REVIEWERS,
               note="一次性告知：未通过的检查项自动列入退回事项"),
    Transition(FilingAction.WITHDRAW, (S.DRAFT, S.RETURNED), S.WITHDRAWN, OPERATORS),
    # Non-compliance decision (不予备案): a written notice with the reasons and the basis. Not for a
    # termination (see NOT_FOR_KINDS).
    Transition(FilingAction.REJECT, (S.SUBMITTED, S.RESUBMITTED), S.REJECTED, REVIEWERS,
               note="书面告知不符合备案条件的理由和依据，出具不予备案告知书；机构可重新备案；终止备案不适用"),
))
TRANSITIONS: tuple[Transition, ...] = FILING.transitions
BY_ACTION: dict[str, Transition] = FILING.by_action
# Filing kinds an action does not apply to. A termination is the institution's own notice that it
# stops serving: it is not judged against the setting standards, so it can be returned for
# correction (placement plans) but never refused.
NOT_FOR_KINDS: dict[str, frozenset[str]] = {FilingAction.REJECT: frozenset({FilingKind.TERMINATION})}

# The state sets every module reads (pages, selectors, services, sweeps): defined here only.
# The operator may edit the form, classes, documents and commitment only in these states.
EDITABLE_STATES = frozenset({S.DRAFT, S.RETURNED})
# Waiting for the commission's decision: the review queue, its deadlines and the overdue sweep
# (the partial index ``filing_open_due_idx`` in registry.models repeats it as literals; a test
# keeps the two equal).
REVIEW_QUEUE_STATES = frozenset({S.SUBMITTED, S.RESUBMITTED})
OPEN_STATES = EDITABLE_STATES | REVIEW_QUEUE_STATES
FINAL_STATES = frozenset({S.ACCEPTED, S.WITHDRAWN, S.REJECTED})

apply = FILING.apply
check_version = FILING.check_version


def allowed_actions(status: str, kind: str | None = None) -> list[str]:
    """The actions the filing table allows from ``status`` (for a filing of ``kind``, when given)."""
    return [a for a in FILING.allowed_actions(status) if kind is None or kind not in NOT_FOR_KINDS.get(a, ())]


def ensure_transition(filing: Filing, action: str, actor, *, expected_version: int | None = None) -> Transition:
    """``FILING.ensure_transition`` (role, version, legal move), then the kinds the action is not for."""
    t = FILING.ensure_transition(filing, action, actor, expected_version=expected_version)
    if filing.kind in NOT_FOR_KINDS.get(action, ()):
        raise InvalidTransition(
            f"{FilingKind(filing.kind).label}不能执行“{FilingAction(action).label}”操作"
            + ("：材料或安置方案不符合要求的，请退回补正。" if action == FilingAction.REJECT else "。"))
    return t


def ensure_editable(filing: Filing, actor) -> None:
    require_role(actor, OPERATORS, filing)
    if filing.status not in EDITABLE_STATES:
        raise InvalidTransition(
            f"备案当前状态为「{FilingStatus(filing.status).label}」，不能修改。只有草稿或已退回的备案可以修改。")


# --- institutions ----------------------------------------------------------------------------------

class InstitutionAction(models.TextChoices):
    SUBMIT_FILING = "submit_filing", "提交备案"
    WITHDRAW_FILING = "withdraw_filing", "撤回备案"
    ACCEPT_FILING = "accept_filing", "通过备案"
    REJECT_FILING = "reject_filing", "不予备案"
    SUSPEND = "suspend", "暂停服务"
    RESUME = "resume", "恢复服务"
    TERMINATE = "terminate", "终止服务"


I = InstitutionStatus  # noqa: E741 - the table reads best with one-letter state prefixes
INSTITUTION = Workflow(model=Institution, states=InstitutionStatus, actions=InstitutionAction, noun="机构",
                       title="机构（Institution）", transitions=(
    # An initial filing's submission, withdrawal and acceptance (filing services). A change filing
    # accepted leaves the status as it is (filed, or suspended: a change accepted while suspended
    # stays so); a termination accepted with a date today or earlier terminates at once.
    Transition(InstitutionAction.SUBMIT_FILING, (I.REGISTERED,), I.FILING, OPERATORS,
               note="初次备案提交时（补正后重新提交时已是备案中）"),
    Transition(InstitutionAction.WITHDRAW_FILING, (I.FILING,), I.REGISTERED, OPERATORS,
               note="已提交的初次备案撤回时"),
    Transition(InstitutionAction.ACCEPT_FILING, (I.FILING,), I.FILED, REVIEWERS,
               note="初次备案通过时；变更备案通过不改变状态（暂停服务中的仍暂停）"),
    Transition(InstitutionAction.REJECT_FILING, (I.FILING,), I.REGISTERED, REVIEWERS,
               note="初次备案不予备案时，机构回到已登记，可重新备案；变更备案不予备案不改变状态"),
    # The district suspends and resumes service, with a reason.
    Transition(InstitutionAction.SUSPEND, (I.FILED,), I.SUSPENDED, REVIEWERS, note="须说明原因，通知举办者"),
    Transition(InstitutionAction.RESUME, (I.SUSPENDED,), I.FILED, REVIEWERS, note="须说明原因，通知举办者"),
    # An accepted termination: at once, or on its date by the daily termination sweep.
    Transition(InstitutionAction.TERMINATE, (I.FILED, I.SUSPENDED), I.TERMINATED, REVIEWERS, system=True,
               note="终止备案通过且终止日期已到时；日期在后的，由每日终止生效扫描在当日终止"),
))


# --- claims ----------------------------------------------------------------------------------------

class ClaimAction(models.TextChoices):
    CONFIRM = "confirm", "确认"
    REJECT = "reject", "驳回"


C = ClaimStatus
CLAIM = Workflow(model=InstitutionClaim, states=ClaimStatus, actions=ClaimAction, noun="认领申请",
                 title="机构认领（InstitutionClaim）", transitions=(
    Transition(ClaimAction.CONFIRM, (C.PENDING,), C.CONFIRMED, REVIEWERS,
               note="申请人获得该机构举办者/负责人权限"),
    Transition(ClaimAction.REJECT, (C.PENDING,), C.REJECTED, REVIEWERS, note="须说明驳回原因"),
))
