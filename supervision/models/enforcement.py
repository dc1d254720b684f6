"""Supervision rows. Section 3b: penalties (行政处罚) and emergency closures (关停应急); the markers
of the enforcement sweeps.

Rows only: every write goes through ``supervision.services`` (``penalties``, ``closures``); reads
through ``supervision.selectors``.

- ``Penalty``: one decision against an institution by its district — a warning, a fine (amount in
  integer fen), a suspension for rectification (the institution's service is suspended through
  registry's suspend service), a recommendation to revoke, or a ban of a person (a blacklist entry
  through ``supervision.services.blacklist``). Decision number, date, legal basis; in force until
  concluded or withdrawn (``supervision.workflow.PENALTY``), every move a ``PenaltyEvent``. A
  penalty in force is public (the portal's institution page), without any person's data.
- ``Closure``: an institution closing in an emergency, and its placement checklist
  (``ClosureItem``: enrolled children placed, families told, fees refunded), tracked by the district
  item by item to the end (``supervision.workflow.CLOSURE``).
- ``SweepAlert``: what a sweep has told, once per subject and threshold (a health certificate
  expiring or expired; an institution registered but not filed for 30 days). Append-only.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models

from core import crypto
from core.audit import track
from core.events import WorkflowEvent
from core.tenancy import TenantModel
from core.workflow import WorkflowModel, status_field, status_mover


class PenaltyKind(models.TextChoices):
    WARNING = "warning", "警告"
    FINE = "fine", "罚款"
    SUSPENSION = "suspension", "责令停业整顿"
    REVOCATION = "revocation", "建议吊销（撤销）登记"
    PERSON_BAN = "person_ban", "从业禁止"


class PenaltyStatus(models.TextChoices):
    IN_FORCE = "in_force", "执行中"
    CONCLUDED = "concluded", "已执行完毕"
    WITHDRAWN = "withdrawn", "已撤销"


@track()
class Penalty(WorkflowModel, TenantModel):
    """One penalty decision against one institution. Status moves only through ``workflow.PENALTY``."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="penalties",
                                    verbose_name="机构")
    kind = models.CharField("处罚种类", max_length=16, choices=PenaltyKind.choices)
    decision_number = models.CharField("决定书文号", max_length=64)
    decided_on = models.DateField("决定日期")
    legal_basis = models.CharField("法律依据", max_length=300)
    facts = models.TextField("违法事实", blank=True)
    amount_fen = models.BigIntegerField("罚款金额（分）", null=True, blank=True)
    # A ban of a person: who (encrypted, masked; never public) and the blacklist entry it made.
    person_name = models.CharField("被禁止人员姓名", max_length=64, blank=True)
    id_number_encrypted = models.TextField("身份证号（密文）", blank=True, editable=False)
    id_number_hash = models.CharField("身份证号索引", max_length=64, blank=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, blank=True, editable=False)
    banned_until = models.DateField("禁止期限至", null=True, blank=True, help_text="从业禁止：为空表示终身禁入")
    blacklist_entry = models.ForeignKey("supervision.BlacklistEntry", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name="从业禁止名单")
    status = status_field(PenaltyStatus, default=PenaltyStatus.IN_FORCE, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    end_reason = models.CharField("结束原因", max_length=300, blank=True)
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, PenaltyStatus)

    class Meta:
        verbose_name = verbose_name_plural = "行政处罚"
        ordering = ["-decided_on", "-id"]
        indexes = [models.Index(fields=["institution", "status"], name="penalty_institution_idx")]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=PenaltyKind.FINE, amount_fen__gt=0)
                           | (~models.Q(kind=PenaltyKind.FINE) & models.Q(amount_fen__isnull=True))),
                name="penalty_fine_amount"),
            models.CheckConstraint(
                condition=(models.Q(kind=PenaltyKind.PERSON_BAN) & ~models.Q(id_number_hash=""))
                | (~models.Q(kind=PenaltyKind.PERSON_BAN) & models.Q(id_number_hash="")),
                name="penalty_ban_person"),
            models.UniqueConstraint(fields=["district", "decision_number", "kind"], name="penalty_decision_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.decision_number}）"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    @property
    def amount_yuan(self) -> str:
        """The fine in yuan, for display (``12345`` fen → ``123.45``)."""
        if self.amount_fen is None:
            return ""
        return f"{self.amount_fen // 100:,}.{self.amount_fen % 100:02d}"


class PenaltyEvent(WorkflowEvent):
    """One row per penalty: issued (with its basis), concluded or withdrawn (with the reason)."""

    penalty = models.ForeignKey(Penalty, on_delete=models.PROTECT, related_name="events", verbose_name="行政处罚")

    tenant_parent = subject_field = "penalty"
    tenant_institution_path = "penalty__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "行政处罚记录"


class ClosureStatus(models.TextChoices):
    OPEN = "open", "安置中"
    COMPLETED = "completed", "安置完毕"
    CANCELLED = "cancelled", "已撤销"


class ClosureItemKind(models.TextChoices):
    CHILDREN_PLACED = "children_placed", "在托婴幼儿妥善安置"
    FAMILIES_TOLD = "families_told", "告知全部家长"
    REFUNDS = "refunds", "退还预收费用"


class ClosureItemStatus(models.TextChoices):
    PENDING = "pending", "未开始"
    IN_PROGRESS = "in_progress", "进行中"
    DONE = "done", "已完成"


@track()
class Closure(WorkflowModel, TenantModel):
    """An emergency closure of one institution and its placement checklist (``items``)."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="closures",
                                    verbose_name="机构")
    reason = models.TextField("关停原因")
    started_on = models.DateField("关停日期")
    children_enrolled = models.PositiveIntegerField("在托婴幼儿人数")
    children_placed = models.PositiveIntegerField("已安置人数", default=0)
    status = status_field(ClosureStatus, default=ClosureStatus.OPEN, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    end_reason = models.CharField("办结（撤销）说明", max_length=300, blank=True)
    ended_at = models.DateTimeField("办结时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, ClosureStatus)

    class Meta:
        verbose_name = verbose_name_plural = "关停应急处置"
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=models.Q(status="open"),
                                    name="closure_one_open_per_institution"),
            models.CheckConstraint(condition=models.Q(children_placed__lte=models.F("children_enrolled")),
                                   name="closure_placed_le_enrolled"),
        ]

    def __str__(self) -> str:
        return f"关停应急处置 {self.pk}（{self.get_status_display()}）"


@track()
class ClosureItem(TenantModel):
    """One item of a closure's placement checklist, updated by the district with a note."""

    closure = models.ForeignKey(Closure, on_delete=models.CASCADE, related_name="items", verbose_name="关停处置")
    kind = models.CharField("事项", max_length=24, choices=ClosureItemKind.choices)
    status = models.CharField("进度", max_length=16, choices=ClosureItemStatus.choices,
                              default=ClosureItemStatus.PENDING)
    note = models.CharField("进展说明", max_length=300, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="更新人")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "closure"
    tenant_institution_path = "closure__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "关停安置事项"
        ordering = ["closure_id", "id"]
        constraints = [models.UniqueConstraint(fields=["closure", "kind"], name="closure_item_uniq")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}：{self.get_status_display()}"


class ClosureEvent(WorkflowEvent):
    """One row per closure: opened, each checklist update (the item in ``items``), completed, cancelled."""

    closure = models.ForeignKey(Closure, on_delete=models.PROTECT, related_name="events", verbose_name="关停处置")

    tenant_parent = subject_field = "closure"
    tenant_institution_path = "closure__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "关停应急处置记录"


class AlertKind(models.TextChoices):
    CERTIFICATE_EXPIRING = "certificate_expiring", "健康合格证明 30 日内到期"
    CERTIFICATE_EXPIRED = "certificate_expired", "健康合格证明已过期"
    NOT_FILED = "not_filed", "登记满 30 日未备案"


@pgtrigger.register(pgtrigger.Protect(name="sweepalert_append_only", operation=pgtrigger.Update | pgtrigger.Delete))
class SweepAlert(TenantModel):
    """A sweep's marker: ``kind`` was told about ``institution`` (and ``staff``) for ``subject_date``
    (the certificate's date; the registration date) once. A new certificate (another date) is told
    afresh. Append-only."""

    kind = models.CharField("类型", max_length=24, choices=AlertKind.choices)
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, related_name="+",
                                    verbose_name="机构")
    staff = models.ForeignKey("registry.Staff", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                              verbose_name="从业人员")
    subject_date = models.DateField("依据日期")
    created_at = models.DateTimeField("提醒时间", auto_now_add=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "定时核查提醒记录"
        constraints = [
            models.UniqueConstraint(fields=["kind", "institution", "staff", "subject_date"], nulls_distinct=False,
                                    name="sweep_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.subject_date}）"


__all__ = ["AlertKind", "Closure", "ClosureEvent", "ClosureItem", "ClosureItemKind", "ClosureItemStatus",
           "ClosureStatus", "Penalty", "PenaltyEvent", "PenaltyKind", "PenaltyStatus", "SweepAlert"]
