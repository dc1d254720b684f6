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


# --- Random inspections and rectification (sections 2 and 3a) -------------------------------------
from .models import (  # noqa: E402 - the tables of section 2 follow section 1's
    Inspection,
    InspectionPlan,
    InspectionStatus,
    OrderStatus,
    PlanStatus,
    RectificationOrder,
)

# Who plans and draws: the district admin. Who inspects, records, signs, publishes and verifies:
# the district's inspectors and its admin. Who reads plans, inspections and orders: commission staff.
PLANNERS = frozenset({Role.DISTRICT_ADMIN})
INSPECTORS = frozenset({Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN})
INSPECTION_READERS = COMMISSION_STAFF
OPERATORS = frozenset({Role.OPERATOR})


class PlanAction(models.TextChoices):
    CREATE = "create", "创建"  # not a move: recorded as an event
    DRAW = "draw", "抽取"
    REDRAW = "redraw", "重新抽取"


class InspectionAction(models.TextChoices):
    # Not moves, recorded as events of the inspection:
    CREATE = "create", "创建"
    SIGN = "sign", "检查人员签字"
    PUBLICATION_OVERDUE = "publication_overdue", "超过公示期限"
    # Moves:
    COMPLETE = "complete", "检查完成"
    PUBLISH = "publish", "公示结果"
    CANCEL = "cancel", "取消"


class OrderAction(models.TextChoices):
    ISSUE = "issue", "下达"  # not a move: the order's creation
    OVERDUE = "overdue", "逾期上报"  # not a move: the sweep's marker
    REPLY = "reply", "提交整改回复"
    ACCEPT = "accept", "核验通过"
    REJECT = "reject", "核验不通过"


PLAN = Workflow(model=InspectionPlan, states=PlanStatus, actions=PlanAction, noun="抽查计划",
                title="抽查计划（InspectionPlan）", transitions=(
    Transition(PlanAction.DRAW, (PlanStatus.DRAFT,), PlanStatus.DRAWN, PLANNERS,
               note="按等级抽取机构、随机分派检查人员（排除利益冲突）；种子留存，可复现"),
    Transition(PlanAction.REDRAW, (PlanStatus.DRAWN,), PlanStatus.DRAWN, PLANNERS,
               note="须说明原因；此前各次抽取留档，未开始的检查取消"),
))

_I = InspectionStatus
INSPECTION = Workflow(model=Inspection, states=InspectionStatus, actions=InspectionAction, noun="检查",
                      title="监督检查（Inspection）", transitions=(
    Transition(InspectionAction.COMPLETE, (_I.PLANNED,), _I.COMPLETED, INSPECTORS,
               note="全部检查项目已记录、分派的检查人员全部签字后自动完成；不符合项生成整改通知；20 个工作日内公示"),
    Transition(InspectionAction.PUBLISH, (_I.COMPLETED,), _I.PUBLISHED, INSPECTORS,
               note="在机构公开页面公示检查结果（不含个人信息）"),
    Transition(InspectionAction.CANCEL, (_I.PLANNED,), _I.CANCELLED, PLANNERS, system=True,
               note="须说明原因（重新抽取时，未开始的检查一并取消）"),
))

_O = OrderStatus
ORDER = Workflow(model=RectificationOrder, states=OrderStatus, actions=OrderAction, noun="整改通知",
                 title="整改通知（RectificationOrder）", transitions=(
    Transition(OrderAction.REPLY, (_O.OPEN,), _O.REPLIED, OPERATORS, note="举办者提交整改情况和佐证材料"),
    Transition(OrderAction.ACCEPT, (_O.REPLIED,), _O.CLOSED, INSPECTORS, note="检查人员核验通过，整改完成"),
    Transition(OrderAction.REJECT, (_O.REPLIED,), _O.OPEN, INSPECTORS,
               note="须说明理由并给出新的整改期限；逾期未整改的上报区县管理员"),
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

# --- section 5: complaints and incidents -------------------------------------------------------------

from .models import Complaint, ComplaintStatus, Incident, IncidentStatus  # noqa: E402 (this section's own)

# Who reads complaints and incidents (within what they see): the district's commission staff and
# city viewers. Who handles them: the district's reviewers, inspectors and admin. Who assigns a
# complaint: the district's admin and reviewers. Operators report and follow up their own incidents
# and never read a complaint.
COMPLAINT_READERS = COMMISSION_STAFF
COMPLAINT_HANDLERS = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN})
COMPLAINT_ASSIGNERS = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_ADMIN})
INCIDENT_READERS = COMMISSION_STAFF | {Role.OPERATOR}
INCIDENT_HANDLERS = COMPLAINT_HANDLERS
INCIDENT_REPORTERS = frozenset({Role.OPERATOR})
# A suspected abuse's blacklist review is closed by who lists: the district admin.
BLACKLIST_REVIEWERS = BLACKLIST_WRITERS
OPEN_COMPLAINT_STATES = (ComplaintStatus.RECEIVED, ComplaintStatus.IN_PROGRESS)
OPEN_INCIDENT_STATES = (IncidentStatus.REPORTED, IncidentStatus.FOLLOWING_UP)


class ComplaintAction(models.TextChoices):
    # Not moves, recorded as events of the complaint (core.events.record_event):
    RECEIVE = "receive", "收到投诉"
    NOTE = "note", "内部备注"
    REPLY = "reply", "答复投诉人"
    LINK = "link", "关联后续检查"
    OVERDUE = "overdue", "超过办理期限"
    # Moves:
    ASSIGN = "assign", "分派承办人"
    CLOSE = "close", "办结"
    REOPEN = "reopen", "重新办理"


class IncidentAction(models.TextChoices):
    # Not moves:
    REPORT = "report", "报告事件"
    FOLLOW_UP = "follow_up", "跟进记录"
    BLACKLIST_REVIEW = "blacklist_review", "完成从业禁止审查"
    # Moves:
    ACKNOWLEDGE = "acknowledge", "受理跟进"
    CLOSE = "close", "结案"


_C = ComplaintStatus
COMPLAINT = Workflow(model=Complaint, states=ComplaintStatus, actions=ComplaintAction, noun="投诉",
                     title="投诉举报（Complaint）", transitions=(
    Transition(ComplaintAction.ASSIGN, (_C.RECEIVED, _C.IN_PROGRESS), _C.IN_PROGRESS, COMPLAINT_ASSIGNERS,
               note="承办人须为本区县卫生健康部门的审核员、检查员或管理员；办理中可改派"),
    Transition(ComplaintAction.CLOSE, (_C.IN_PROGRESS,), _C.CLOSED, COMPLAINT_HANDLERS,
               note="承办人或区县管理员；须有核查结论（属实、部分属实、不属实）和给投诉人的答复"),
    Transition(ComplaintAction.REOPEN, (_C.CLOSED,), _C.IN_PROGRESS, BLACKLIST_WRITERS,
               note="区县管理员；须说明原因，办理期限不变"),
))

_I = IncidentStatus
INCIDENT = Workflow(model=Incident, states=IncidentStatus, actions=IncidentAction, noun="事件",
                    title="突发事件（Incident）", transitions=(
    Transition(IncidentAction.ACKNOWLEDGE, (_I.REPORTED,), _I.FOLLOWING_UP, INCIDENT_HANDLERS,
               note="区县卫生健康部门受理；此后机构和区县均可添加跟进记录"),
    Transition(IncidentAction.CLOSE, (_I.FOLLOWING_UP,), _I.CLOSED, INCIDENT_HANDLERS,
               note="须说明处置结果；疑似虐童事件须先完成从业禁止审查"),
))
