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
