"""Supervision's transition tables (``core.workflow``). Section 1: blacklist entries and hits.

Services lock the row and call ``<TABLE>.ensure_transition`` then ``<TABLE>.apply`` (or ``move``);
nothing else changes a status (protected fields), and each move writes its event row
(``BlacklistEntryEvent``, ``BlacklistHitEvent``) in the same transaction. ``docs/workflows.md``
is generated from these tables (``manage.py workflows_doc``).
"""

from __future__ import annotations

from django.db import models

from core.roles import COMMISSION_STAFF, Role
from core.workflow import Transition, Workflow

from .models import BlacklistEntry, BlacklistHit, EntryStatus, HitStatus

# Who writes the blacklist: the district administrator. Who reads it (within what they see):
# the district's reviewers, inspectors and admin, and city viewers. Operators: nothing.
BLACKLIST_WRITERS = frozenset({Role.DISTRICT_ADMIN})
BLACKLIST_READERS = COMMISSION_STAFF


class EntryAction(models.TextChoices):
    # Not moves, recorded as events of the entry (core.events.record_event):
    CREATE = "create", "列入"
    CORRECT = "correct", "更正"
    # The one move:
    END = "end", "解除"


class HitAction(models.TextChoices):
    CLOSE = "close", "认定误报"


ENTRY = Workflow(model=BlacklistEntry, states=EntryStatus, actions=EntryAction, noun="名单",
                 title="从业禁止名单（BlacklistEntry）", transitions=(
    Transition(EntryAction.END, (EntryStatus.ACTIVE,), EntryStatus.ENDED, BLACKLIST_WRITERS,
               note="须说明原因；解除后不再比对。期限届满的名单仍为生效中，但自次日起不再比对"),
))

HIT = Workflow(model=BlacklistHit, states=HitStatus, actions=HitAction, noun="命中记录",
               title="从业禁止名单命中（BlacklistHit）", transitions=(
    Transition(HitAction.CLOSE, (HitStatus.OPEN,), HitStatus.CLOSED, BLACKLIST_WRITERS,
               note="仅列入地区县管理员；须说明理由；同一命中在两地的记录一并关闭"),
))


# --- penalties and emergency closures (section 3b) -----------------------------------------------

from .models import Closure, ClosureStatus, Penalty, PenaltyStatus  # noqa: E402

# Who decides penalties and closures: the district administrator (the commission's decision). Who
# tracks a closure's placement checklist: the district's reviewers, inspectors and admin.
ENFORCERS = frozenset({Role.DISTRICT_ADMIN})
CLOSURE_TRACKERS = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN})
ENFORCEMENT_READERS = COMMISSION_STAFF


class PenaltyAction(models.TextChoices):
    # Not a move, recorded as the penalty's first event (core.events.record_event):
    ISSUE = "issue", "作出处罚"
    # The moves:
    CONCLUDE = "conclude", "执行完毕"
    WITHDRAW = "withdraw", "撤销处罚"


class ClosureAction(models.TextChoices):
    # Not moves, recorded as events of the closure:
    OPEN = "open", "启动关停应急处置"
    UPDATE_ITEM = "update_item", "更新安置事项"
    # The moves:
    COMPLETE = "complete", "安置完毕"
    CANCEL = "cancel", "撤销处置"


PENALTY = Workflow(model=Penalty, states=PenaltyStatus, actions=PenaltyAction, noun="行政处罚",
                   title="行政处罚（Penalty）", transitions=(
    Transition(PenaltyAction.CONCLUDE, (PenaltyStatus.IN_FORCE,), PenaltyStatus.CONCLUDED, ENFORCERS,
               note="须说明原因；责令停业整顿执行完毕的，机构同时恢复服务"),
    Transition(PenaltyAction.WITHDRAW, (PenaltyStatus.IN_FORCE,), PenaltyStatus.WITHDRAWN, ENFORCERS,
               note="复议或诉讼撤销等，须说明原因；从业禁止同时解除名单，停业整顿同时恢复服务"),
))

CLOSURE = Workflow(model=Closure, states=ClosureStatus, actions=ClosureAction, noun="关停应急处置",
                   title="关停应急处置（Closure）", transitions=(
    Transition(ClosureAction.COMPLETE, (ClosureStatus.OPEN,), ClosureStatus.COMPLETED, ENFORCERS,
               requires_checks=True, note="安置清单各项均已完成、在托婴幼儿全部安置后方可办结"),
    Transition(ClosureAction.CANCEL, (ClosureStatus.OPEN,), ClosureStatus.CANCELLED, ENFORCERS,
               note="误启动或机构恢复正常办托，须说明原因"),
))
