"""The filing workflow: ONE transition table (from-state, action, to-state, who may, which checks).

Services call ``ensure_transition`` on a row they hold locked (``select_for_update``) and then
``apply``; nothing else changes ``Filing.status`` (the FSM field is protected, and
``ConcurrentTransitionMixin`` refuses to save a row whose status changed since it was read).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models
from django_fsm import ConcurrentTransition

from accounts.roles import REVIEWERS, Role
from core.errors import Conflict, InvalidTransition
from core.permissions import require_role

from .models import Filing, FilingKind, FilingStatus

OPERATORS = frozenset({Role.OPERATOR})


class FilingAction(models.TextChoices):
    CREATE = "create", "创建"
    SUBMIT = "submit", "提交"
    RESUBMIT = "resubmit", "补正后重新提交"
    ACCEPT = "accept", "通过备案"
    RETURN = "return", "退回补正"
    WITHDRAW = "withdraw", "撤回"
    REJECT = "reject", "不予备案"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    # Run registry.rules checks and refuse the move if any fails.
    requires_checks: bool = False


S = FilingStatus
TRANSITIONS: tuple[Transition, ...] = (
    Transition(FilingAction.SUBMIT, (S.DRAFT,), S.SUBMITTED, OPERATORS, requires_checks=True),
    Transition(FilingAction.RESUBMIT, (S.RETURNED,), S.RESUBMITTED, OPERATORS, requires_checks=True),
    Transition(FilingAction.ACCEPT, (S.SUBMITTED, S.RESUBMITTED), S.ACCEPTED, REVIEWERS, requires_checks=True),
    # Return: failed checks are added to the notice automatically (one-time notice rule).
    Transition(FilingAction.RETURN, (S.SUBMITTED, S.RESUBMITTED), S.RETURNED, REVIEWERS),
    Transition(FilingAction.WITHDRAW, (S.DRAFT, S.RETURNED), S.WITHDRAWN, OPERATORS),
    # Non-compliance decision (不予备案): a written notice with the reasons and the basis.
    Transition(FilingAction.REJECT, (S.SUBMITTED, S.RESUBMITTED), S.REJECTED, REVIEWERS),
)
BY_ACTION: dict[str, Transition] = {t.action: t for t in TRANSITIONS}
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


def allowed_actions(status: str, kind: str | None = None) -> list[str]:
    """The actions the table allows from ``status`` (for a filing of ``kind``, when given)."""
    return [t.action for t in TRANSITIONS
            if status in t.sources and (kind is None or kind not in NOT_FOR_KINDS.get(t.action, ()))]


def ensure_transition(filing: Filing, action: str, actor, *, expected_version: int | None = None) -> Transition:
    """Refuse the wrong role (NotFound/PermissionDenied), a row changed since the actor looked at it
    (Conflict), or an illegal move (InvalidTransition) — in that order, so that of two reviewers
    acting at once the loser hears "somebody else acted", not "illegal move"."""
    t = BY_ACTION[action]
    require_role(actor, t.roles, filing)
    check_version(filing, expected_version)
    if filing.status not in t.sources:
        raise InvalidTransition(
            f"备案当前状态为「{FilingStatus(filing.status).label}」，不能执行「{FilingAction(action).label}」操作。")
    if filing.kind in NOT_FOR_KINDS.get(action, ()):
        raise InvalidTransition(
            f"{FilingKind(filing.kind).label}不能执行「{FilingAction(action).label}」操作"
            + ("：材料或安置方案不符合要求的，请退回补正。" if action == FilingAction.REJECT else "。"))
    return t


def ensure_editable(filing: Filing, actor) -> None:
    require_role(actor, OPERATORS, filing)
    if filing.status not in EDITABLE_STATES:
        raise InvalidTransition(
            f"备案当前状态为「{FilingStatus(filing.status).label}」，不能修改。只有草稿或已退回的备案可以修改。")


def check_version(filing: Filing, expected_version: int | None) -> None:
    if expected_version is not None and filing.version != expected_version:
        raise Conflict("该备案已被他人处理或修改，请刷新页面后重试。")


def apply(filing: Filing, transition: Transition, *, update_fields: list[str]) -> str:
    """Move the locked row to the transition's target and save; returns the previous status."""
    previous = filing.status
    filing.move_to(transition.target)
    filing.version += 1
    fields = sorted({*update_fields, "status", "version", "updated_at"})
    try:
        filing.save(update_fields=fields)
    except ConcurrentTransition as exc:
        raise Conflict("该备案已被他人处理，请刷新页面后查看最新状态。") from exc
    return previous
