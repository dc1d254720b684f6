"""Supervision rows. Sections 2 and 3a: random inspections (双随机一公开) and rectification orders.

Rows only: every write goes through ``supervision.services.inspections`` / ``.rectification``; reads
through ``supervision.selectors.inspections``.

- ``ChecklistTemplate`` / ``ChecklistItem``: a district's inspection checklist, items grouped by the
  seven WS/T 821 dimensions plus fire and food safety, each with its legal basis and severity. The
  national default is the code table ``supervision.checklist_default`` (sources: domain.md); a
  district's version 1 is a copy of it, and every adaptation is a new version (the previous stays,
  frozen): an inspection keeps the version it used.
- ``Inspector`` / ``InspectorConflict``: the district's roster (health, police, market regulation,
  housing, fire), an optional user account, declared conflicts (an institution or a credit code).
- ``InspectionPlan`` / ``PlanDraw``: a plan's period, departments, sampling rates per grade and
  inspectors per inspection; each draw (the first, then redraws with a reason) keeps its seed and
  its population size, so it can be reproduced; every draw stays on record.
- ``Inspection``: one institution inspected (drawn by a plan's draw, or targeted after a complaint,
  incident or campaign), with its assigned inspectors (``InspectionInspector``, each signs off),
  its findings per checklist item (``InspectionFinding``) and photos (``InspectionPhoto``).
- ``RectificationOrder``: the non-conforming items of one inspection (``RectificationItem``), due in
  working days by severity; the operator's replies with evidence (``RectificationReply``,
  ``RectificationEvidence``), accepted or rejected by the inspectors.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models

from core.audit import track
from core.events import WorkflowEvent
from core.tenancy import NO_INSTITUTION, TenantModel
from core.workflow import WorkflowModel, status_field, status_mover


class Dimension(models.TextChoices):
    """WS/T 821—2023's seven dimensions, plus fire and food safety (checked by other departments)."""

    CONDITIONS = "conditions", "办托条件"
    STAFF = "staff", "托育队伍"
    CARE = "care", "保育照护"
    HEALTH = "health", "卫生保健"
    PARENTING = "parenting", "养育支持"
    SAFETY = "safety", "安全保障"
    MANAGEMENT = "management", "机构管理"
    FIRE = "fire", "消防安全"
    FOOD = "food", "食品安全"


class Severity(models.TextChoices):
    CRITICAL = "critical", "严重"
    MAJOR = "major", "一般"
    MINOR = "minor", "轻微"


class Department(models.TextChoices):
    HEALTH = "health", "卫生健康"
    POLICE = "police", "公安"
    MARKET = "market", "市场监管"
    HOUSING = "housing", "住房城乡建设"
    FIRE = "fire", "消防救援"


class Grade(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    C = "C", "C"
    D = "D", "D"


@track()
class ChecklistTemplate(TenantModel):
    """One version of a district's checklist. Never changed once an inspection uses it: an
    adaptation is a new version (``based_on`` the previous), and the latest is ``current``."""

    name = models.CharField("名称", max_length=100)
    version = models.PositiveIntegerField("版本")
    based_on = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 verbose_name="基于版本")
    national_version = models.CharField("国家默认清单版本", max_length=16)
    current = models.BooleanField("当前版本", default=True)
    change_reason = models.CharField("修订说明", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    tenant_institution_path = NO_INSTITUTION

    class Meta:
        verbose_name = verbose_name_plural = "检查清单"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["district", "version"], name="checklist_template_version_uniq"),
            models.UniqueConstraint(fields=["district"], condition=models.Q(current=True),
                                    name="checklist_template_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（第 {self.version} 版）"


@track()
class ChecklistItem(TenantModel):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="items",
                                 verbose_name="检查清单")
    code = models.CharField("编号", max_length=40)
    dimension = models.CharField("维度", max_length=16, choices=Dimension.choices)
    text = models.CharField("检查内容", max_length=300)
    basis = models.CharField("法规依据", max_length=300)
    severity = models.CharField("严重程度", max_length=16, choices=Severity.choices)
    position = models.PositiveIntegerField("顺序", default=0)

    tenant_parent = "template"
    tenant_institution_path = NO_INSTITUTION

    class Meta:
        verbose_name = verbose_name_plural = "检查项目"
        ordering = ["template_id", "position", "id"]
        constraints = [models.UniqueConstraint(fields=["template", "code"], name="checklist_item_code_uniq")]

    def __str__(self) -> str:
        return f"{self.code} {self.text}"


@track()
class Inspector(TenantModel):
    """A person on the district's roster of inspectors (双随机: drawn at random for each inspection)."""

    name = models.CharField("姓名", max_length=64)
    department = models.CharField("部门", max_length=16, choices=Department.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name="登录账号")
    active = models.BooleanField("在册", default=True)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    tenant_institution_path = NO_INSTITUTION

    class Meta:
        verbose_name = verbose_name_plural = "检查人员名录"
        ordering = ["department", "name", "id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_department_display()}）"


@track()
class InspectorConflict(TenantModel):
    """A declared conflict of interest: an institution, or an organiser by its credit code (every
    institution with that code)."""

    inspector = models.ForeignKey(Inspector, on_delete=models.CASCADE, related_name="conflicts",
                                  verbose_name="检查人员")
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, null=True, blank=True,
                                    related_name="+", verbose_name="机构")
    uscc = models.CharField("举办者统一社会信用代码", max_length=18, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    created_at = models.DateTimeField("申报时间", auto_now_add=True)

    tenant_parent = "inspector"
    tenant_institution_path = NO_INSTITUTION

    class Meta:
        verbose_name = verbose_name_plural = "利益冲突申报"
        constraints = [models.CheckConstraint(
            condition=models.Q(institution__isnull=False) | ~models.Q(uscc=""), name="inspector_conflict_target")]


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "待抽取"
    DRAWN = "drawn", "已抽取"


@track()
class InspectionPlan(WorkflowModel, TenantModel):
    name = models.CharField("计划名称", max_length=100)
    period_start = models.DateField("检查期间自")
    period_end = models.DateField("检查期间至")
    departments = ArrayField(models.CharField(max_length=16, choices=Department.choices), default=list,
                             verbose_name="参与部门")
    # Percent per grade: {"A": 5, "B": 10, "C": 30, "D": 100}.
    rates = models.JSONField("抽查比例（%）")
    inspectors_per_inspection = models.PositiveSmallIntegerField("每次检查人数", default=2)
    seed = models.BigIntegerField("随机种子")
    status = status_field(PlanStatus, default=PlanStatus.DRAFT, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_institution_path = NO_INSTITUTION
    move_to = status_mover(status, PlanStatus)

    class Meta:
        verbose_name = verbose_name_plural = "抽查计划"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(period_end__gte=models.F("period_start")),
                                   name="inspection_plan_period_order"),
            models.CheckConstraint(condition=models.Q(inspectors_per_inspection__gte=2),
                                   name="inspection_plan_two_inspectors"),
        ]

    def __str__(self) -> str:
        return self.name


@track()
class PlanDraw(TenantModel):
    """One draw of a plan: its seed, the population it drew from, and why (a redraw). Every draw
    stays on record; the plan's inspections of earlier draws are cancelled by a redraw."""

    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="draws", verbose_name="计划")
    number = models.PositiveSmallIntegerField("第几次抽取")
    seed = models.BigIntegerField("随机种子")
    reason = models.CharField("重新抽取原因", max_length=300, blank=True)
    population = models.PositiveIntegerField("总体数量")
    # {grade: [population, drawn]} (the distribution the draw produced).
    by_grade = models.JSONField("按等级", default=dict)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name="抽取人")
    created_at = models.DateTimeField("抽取时间", auto_now_add=True)

    tenant_parent = "plan"
    tenant_institution_path = NO_INSTITUTION

    class Meta:
        verbose_name = verbose_name_plural = "抽取记录"
        ordering = ["plan_id", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="plan_draw_number_uniq")]


class Origin(models.TextChoices):
    RANDOM = "random", "双随机抽查"
    COMPLAINT = "complaint", "投诉举报"
    INCIDENT = "incident", "突发事件"
    CAMPAIGN = "campaign", "专项检查"
    OTHER = "other", "其他"


TARGETED_ORIGINS = (Origin.COMPLAINT, Origin.INCIDENT, Origin.CAMPAIGN, Origin.OTHER)


class InspectionStatus(models.TextChoices):
    PLANNED = "planned", "待检查"
    COMPLETED = "completed", "已检查待公示"
    PUBLISHED = "published", "已公示"
    CANCELLED = "cancelled", "已取消"


class Result(models.TextChoices):
    CONFORMS = "conforms", "符合"
    NONCONFORMING = "nonconforming", "不符合"
    NOT_APPLICABLE = "not_applicable", "不适用"


@track()
class Inspection(WorkflowModel, TenantModel):
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="机构")
    origin = models.CharField("来源", max_length=16, choices=Origin.choices, default=Origin.RANDOM)
    reference = models.CharField("来源说明", max_length=300, blank=True)
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="inspections", verbose_name="计划")
    draw = models.ForeignKey(PlanDraw, on_delete=models.PROTECT, null=True, blank=True,
                             related_name="inspections", verbose_name="抽取")
    grade = models.CharField("抽取时等级", max_length=1, choices=Grade.choices, blank=True)
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.PROTECT, related_name="+",
                                 verbose_name="检查清单（版本）")
    status = status_field(InspectionStatus, default=InspectionStatus.PLANNED, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    inspected_on = models.DateField("检查日期", null=True, blank=True)
    conclusion = models.TextField("检查结论（公示）", blank=True)
    completed_at = models.DateTimeField("签字完成时间", null=True, blank=True)
    publish_due_at = models.DateTimeField("公示期限", null=True, blank=True)
    published_at = models.DateTimeField("公示时间", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, InspectionStatus)

    class Meta:
        verbose_name = verbose_name_plural = "监督检查"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["district", "status"], name="inspection_district_status_idx"),
                   models.Index(fields=["institution", "status"], name="inspection_institution_idx"),
                   # The district's list, newest first (bench: without it a parallel scan of every
                   # district's inspections, docs/benchmarks.md).
                   models.Index(fields=["district", "-created_at", "-id"], name="inspection_district_recent_idx")]
        constraints = [models.CheckConstraint(
            condition=(models.Q(origin=Origin.RANDOM) & models.Q(draw__isnull=False))
            | (~models.Q(origin=Origin.RANDOM) & models.Q(draw__isnull=True)),
            name="inspection_random_has_draw")]

    def __str__(self) -> str:
        return f"{self.institution_id} {self.get_origin_display()}检查"


@track()
class InspectionInspector(TenantModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="assigned",
                                   verbose_name="检查")
    inspector = models.ForeignKey(Inspector, on_delete=models.PROTECT, related_name="assignments",
                                  verbose_name="检查人员")
    signed_at = models.DateTimeField("签字时间", null=True, blank=True)
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name="签字录入人")

    tenant_parent = "inspection"
    tenant_institution_path = "inspection__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "检查人员分派"
        ordering = ["inspection_id", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "inspector"], name="inspection_inspector_uniq")]


@track()
class InspectionFinding(TenantModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings",
                                   verbose_name="检查")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+", verbose_name="检查项目")
    result = models.CharField("结果", max_length=16, choices=Result.choices)
    note = models.CharField("说明", max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="记录人")
    updated_at = models.DateTimeField("记录时间", auto_now=True)

    tenant_parent = "inspection"
    tenant_institution_path = "inspection__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "检查结果"
        ordering = ["inspection_id", "item__position", "id"]
        constraints = [models.UniqueConstraint(fields=["inspection", "item"], name="inspection_finding_item_uniq")]


class StoredFile(models.Model):
    """A validated upload (``registry.services.documents.validate_upload``), stored under a random name."""

    file = models.FileField("文件", upload_to="supervision/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("类型", max_length=64)
    size = models.PositiveIntegerField("大小")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        abstract = True


@track()
class InspectionPhoto(StoredFile, TenantModel):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos",
                                   verbose_name="检查")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name="检查项目")

    tenant_parent = "inspection"
    tenant_institution_path = "inspection__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "检查照片"
        ordering = ["inspection_id", "id"]


class InspectionEvent(WorkflowEvent):
    inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events",
                                   verbose_name="检查")

    tenant_parent = subject_field = "inspection"
    tenant_institution_path = "inspection__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "检查流转记录"


class PlanEvent(WorkflowEvent):
    plan = models.ForeignKey(InspectionPlan, on_delete=models.PROTECT, related_name="events", verbose_name="计划")

    tenant_parent = subject_field = "plan"
    tenant_institution_path = NO_INSTITUTION

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "抽查计划流转记录"


class OrderStatus(models.TextChoices):
    OPEN = "open", "待整改"
    REPLIED = "replied", "已回复待核验"
    CLOSED = "closed", "整改完成"


@track()
class RectificationOrder(WorkflowModel, TenantModel):
    """整改通知: the non-conforming items of one inspection, due on the earliest item's date."""

    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="order",
                                      verbose_name="检查")
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="机构")
    status = status_field(OrderStatus, default=OrderStatus.OPEN, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    due_at = models.DateTimeField("整改期限")
    # When the current due date was set: the overdue sweep escalates once per due date (its marker
    # event, ``OrderAction.OVERDUE``, is the record of the escalation).
    due_set_at = models.DateTimeField("期限设定时间")
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)
    created_at = models.DateTimeField("下达时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # Placed under its institution (one hop for the rows below it); the same tenant as its inspection.
    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, OrderStatus)

    class Meta:
        verbose_name = verbose_name_plural = "整改通知"
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["district", "status", "due_at"], name="rectification_board_idx")]

    def __str__(self) -> str:
        return f"整改通知 #{self.pk}"


@track()
class RectificationItem(TenantModel):
    order = models.ForeignKey(RectificationOrder, on_delete=models.CASCADE, related_name="items",
                              verbose_name="整改通知")
    finding = models.OneToOneField(InspectionFinding, on_delete=models.PROTECT, related_name="+",
                                   verbose_name="检查结果")
    # Copied from the checklist item, so the order reads by itself.
    code = models.CharField("编号", max_length=40)
    text = models.CharField("问题", max_length=300)
    basis = models.CharField("依据", max_length=300)
    severity = models.CharField("严重程度", max_length=16, choices=Severity.choices)
    note = models.CharField("检查说明", max_length=500, blank=True)
    due_at = models.DateTimeField("整改期限")

    tenant_parent = "order"
    tenant_institution_path = "order__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "整改事项"
        ordering = ["order_id", "due_at", "id"]


class ReplyDecision(models.TextChoices):
    PENDING = "pending", "待核验"
    ACCEPTED = "accepted", "通过"
    REJECTED = "rejected", "不通过"


@track()
class RectificationReply(TenantModel):
    order = models.ForeignKey(RectificationOrder, on_delete=models.CASCADE, related_name="replies",
                              verbose_name="整改通知")
    text = models.TextField("整改情况")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                     related_name="+", verbose_name="回复人")
    created_at = models.DateTimeField("回复时间", auto_now_add=True)
    decision = models.CharField("核验结果", max_length=16, choices=ReplyDecision.choices,
                                default=ReplyDecision.PENDING)
    decision_reason = models.CharField("核验意见", max_length=500, blank=True)
    new_due_at = models.DateTimeField("新的整改期限", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="核验人")
    decided_at = models.DateTimeField("核验时间", null=True, blank=True)

    tenant_parent = "order"
    tenant_institution_path = "order__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "整改回复"
        ordering = ["order_id", "created_at", "id"]


@track()
class RectificationEvidence(StoredFile, TenantModel):
    order = models.ForeignKey(RectificationOrder, on_delete=models.CASCADE, related_name="+",
                              verbose_name="整改通知")
    reply = models.ForeignKey(RectificationReply, on_delete=models.CASCADE, related_name="evidence",
                              verbose_name="整改回复")

    # Under the order (one hop to the institution, for the operator's scope and row security).
    tenant_parent = "order"
    tenant_institution_path = "order__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "整改佐证材料"
        ordering = ["reply_id", "id"]


class RectificationOrderEvent(WorkflowEvent):
    order = models.ForeignKey(RectificationOrder, on_delete=models.PROTECT, related_name="events",
                              verbose_name="整改通知")

    tenant_parent = subject_field = "order"
    tenant_institution_path = "order__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "整改通知流转记录"


__all__ = [
    "TARGETED_ORIGINS", "ChecklistItem", "ChecklistTemplate", "Department", "Dimension", "Grade", "Inspection",
    "InspectionEvent", "InspectionFinding", "InspectionInspector", "InspectionPhoto", "InspectionPlan",
    "InspectionStatus", "Inspector", "InspectorConflict", "OrderStatus", "Origin", "PlanDraw", "PlanEvent",
    "PlanStatus", "RectificationEvidence", "RectificationItem", "RectificationOrder", "RectificationOrderEvent",
    "RectificationReply", "ReplyDecision", "Result", "Severity",
]
