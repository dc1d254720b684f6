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
