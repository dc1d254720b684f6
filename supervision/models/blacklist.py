"""Supervision rows. Section 1: the nationwide blacklist (从业禁止 / 黑名单) and its hits.

Rows only: every write goes through ``supervision.services``; reads through ``supervision.selectors``.

- ``BlacklistEntry``: a person (ID number encrypted, blind index, masked) or an organisation
  (credit code; its legal representative's ID number, when known, is matched as a person too),
  listed by a district (the row's tenant: that district, its city and its province read it in
  full). Banned until a date (inclusive) or for life (``banned_until`` empty); ended early only by
  the district admin with a reason. Every change is pghistory history, every creation, correction
  and end a ``BlacklistEntryEvent`` with its reason.
- ``BlacklistHit``: a listed person or organisation met at a door (a roster, a filing, a
  registration push, a claim) or by the nightly sweep. A hit is recorded as a *pair* of rows, one
  in each district concerned — the listing district's (``seen_by`` listing: the entry and the
  institution in full) and the institution's district's (``seen_by`` institution: only that a match
  exists; no entry, no listing district) — sharing ``pair``; one row (``seen_by`` both) when the
  two districts are one. Each row is an ordinary one-district tenant row, so both walls (the scoped
  manager and row security) need nothing special, and neither district ever reads the other's row.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from core import crypto
from core.audit import track
from core.events import WorkflowEvent
from core.tenancy import NO_INSTITUTION, TenantModel
from core.workflow import WorkflowModel, status_field, status_mover


class EntryKind(models.TextChoices):
    PERSON = "person", "个人"
    ORGANISATION = "organisation", "机构"


class EntryStatus(models.TextChoices):
    ACTIVE = "active", "生效中"
    ENDED = "ended", "已解除"


def in_force_q(today: dt.date | None = None, prefix: str = "") -> models.Q:
    """Entries that match on ``today``: active, and banned for life or until today or later (the
    date is the last banned day). The one definition for the doors, the checklist and the sweep."""
    today = today or timezone.localdate()
    return (models.Q(**{f"{prefix}status": EntryStatus.ACTIVE})
            & (models.Q(**{f"{prefix}banned_until__isnull": True}) | models.Q(**{f"{prefix}banned_until__gte": today})))


@track()
class BlacklistEntry(WorkflowModel, TenantModel):
    """One listing by one district. Its status moves only through ``supervision.workflow.ENTRY``."""

    kind = models.CharField("类别", max_length=16, choices=EntryKind.choices)
    name = models.CharField("名称/姓名", max_length=200)
    # A person's own ID number; an organisation's legal representative's (optional).
    id_number_encrypted = models.TextField("身份证号（密文）", blank=True, editable=False)
    id_number_hash = models.CharField("身份证号索引", max_length=64, blank=True, db_index=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True, editable=False)
    uscc = models.CharField("统一社会信用代码", max_length=18, blank=True, db_index=True)
    legal_representative = models.CharField("法定代表人", max_length=64, blank=True)
    reason = models.TextField("列入事由")
    basis = models.CharField("依据文书", max_length=300)
    decision_number = models.CharField("决定文号", max_length=64, blank=True)
    banned_until = models.DateField("禁止期限至", null=True, blank=True, help_text="为空表示终身禁入")
    status = status_field(EntryStatus, default=EntryStatus.ACTIVE, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    change_reason = models.CharField("最近一次变更原因", max_length=300, blank=True)
    ended_at = models.DateTimeField("解除时间", null=True, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name="解除人")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # A root row placed in the listing district (``set_region``); no institution owns it.
    tenant_institution_path = NO_INSTITUTION
    move_to = status_mover(status, EntryStatus)

    class Meta:
        verbose_name = verbose_name_plural = "从业禁止名单"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=EntryKind.PERSON, uscc="") & ~models.Q(id_number_hash=""))
                | (models.Q(kind=EntryKind.ORGANISATION) & ~models.Q(uscc="")),
                name="blacklist_entry_kind_keys"),
            # One listing of a person (an organisation) in force per district at a time.
            models.UniqueConstraint(fields=["district", "id_number_hash"],
                                    condition=models.Q(kind=EntryKind.PERSON, status=EntryStatus.ACTIVE),
                                    name="blacklist_entry_person_uniq"),
            models.UniqueConstraint(fields=["district", "uscc"],
                                    condition=models.Q(kind=EntryKind.ORGANISATION, status=EntryStatus.ACTIVE),
                                    name="blacklist_entry_org_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}「{self.name}」"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def lifetime(self) -> bool:
        return self.banned_until is None

    def in_force(self, today: dt.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.status == EntryStatus.ACTIVE and (self.banned_until is None or self.banned_until >= today)


class HitSide(models.TextChoices):
    LISTING = "listing", "列入地"
    INSTITUTION = "institution", "机构所在地"
    BOTH = "both", "列入地即机构所在地"


class MatchedAs(models.TextChoices):
    PERSON = "person", "人员"
    LEGAL_REPRESENTATIVE = "legal_representative", "机构法定代表人"
    ORGANISATION = "organisation", "机构"


class HitSource(models.TextChoices):
    STAFF_ADD = "staff_add", "新增从业人员"
    STAFF_CHANGE = "staff_change", "修改从业人员"
    FILING_SUBMIT = "filing_submit", "提交备案"
    FILING_ACCEPT = "filing_accept", "通过备案"
    REGISTRATION_PUSH = "registration_push", "登记信息推送"
    CLAIM = "claim", "机构认领"
    SWEEP = "sweep", "夜间全量核查"


class HitStatus(models.TextChoices):
    OPEN = "open", "待核查"
    CLOSED = "closed", "已认定误报"


@track()
class BlacklistHit(WorkflowModel, TenantModel):
    """One district's row of a hit (see the module docstring: a pair of rows, one per district).
    Its status moves only through ``supervision.workflow.HIT``; closing one row closes its pair."""

    pair = models.UUIDField("命中编号", default=uuid.uuid4, db_index=True, editable=False)
    seen_by = models.CharField("所属", max_length=16, choices=HitSide.choices)
    # The listing; empty on the institution district's row (it learns only that a match exists).
    entry = models.ForeignKey(BlacklistEntry, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="hits", verbose_name="名单")
    matched_as = models.CharField("命中对象", max_length=24, choices=MatchedAs.choices)
    source = models.CharField("发现环节", max_length=24, choices=HitSource.choices)
    # Where it happened (in the institution's district; the listing district may be elsewhere:
    # never read these foreign keys across districts, the names are copied for display).
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="机构")
    institution_name = models.CharField("机构名称", max_length=200)
    institution_district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                             verbose_name="机构所在区县")
    staff = models.ForeignKey("registry.Staff", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="从业人员")
    filing = models.ForeignKey("registry.Filing", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name="备案")
    registration = models.ForeignKey("registry.Registration", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name="登记信息")
    claim = models.ForeignKey("registry.InstitutionClaim", on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="认领申请")
    person_name = models.CharField("人员姓名", max_length=64, blank=True)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name="操作人")
    status = status_field(HitStatus, default=HitStatus.OPEN, db_index=True)
    close_reason = models.CharField("误报认定理由", max_length=300, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="认定人")
    closed_at = models.DateTimeField("认定时间", null=True, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True, db_index=True)

    # A root row placed in its district (the listing one or the institution's); operators see none.
    tenant_institution_path = NO_INSTITUTION
    move_to = status_mover(status, HitStatus)

    class Meta:
        verbose_name = verbose_name_plural = "从业禁止名单命中"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "status", "created_at"], name="blacklist_hit_district_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(seen_by=HitSide.INSTITUTION, entry__isnull=True)
                                   | (~models.Q(seen_by=HitSide.INSTITUTION) & models.Q(entry__isnull=False)),
                                   name="blacklist_hit_entry_on_listing_side"),
            models.UniqueConstraint(fields=["pair", "seen_by"], name="blacklist_hit_pair_side_uniq"),
        ]

    def __str__(self) -> str:
        subject = self.person_name or self.institution_name
        return f"命中「{subject}」（{self.get_source_display()}）"

    @property
    def shows_entry(self) -> bool:
        """This row is the listing district's: the entry may be shown in full."""
        return self.seen_by != HitSide.INSTITUTION


class BlacklistEntryEvent(WorkflowEvent):
    """One row per listing, correction (with its reason and the fields changed) and end."""

    entry = models.ForeignKey(BlacklistEntry, on_delete=models.PROTECT, related_name="events",
                              verbose_name="名单")

    tenant_parent = subject_field = "entry"
    tenant_institution_path = NO_INSTITUTION

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "从业禁止名单变更记录"


class BlacklistHitEvent(WorkflowEvent):
    """One row per hit row's move (closed as a false match, with the reason)."""

    hit = models.ForeignKey(BlacklistHit, on_delete=models.PROTECT, related_name="events",
                            verbose_name="命中")

    tenant_parent = subject_field = "hit"
    tenant_institution_path = NO_INSTITUTION

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "从业禁止名单命中处理记录"
