"""Subsidy rows: policies and guided prices (per region, versioned), budgets, inclusive-care
certification, enrolments, claims with one line per child, payout batches.

Rows only: every write goes through ``subsidies.services``; reads through ``subsidies.selectors``;
the arithmetic and the age, capacity and eligibility rules are ``subsidies.rules`` (pure).

Money is integer fen (``BigIntegerField``) everywhere; shares of the levels of government are basis
points (1/10000) that sum to 10000. No float touches a money column.

Two kinds of table:

- **Reference rows of a region** (``SubsidyPolicy``, ``GuidedPrice``, ``SubsidyBudget``): set by a city
  (市级管理员) for its city or by a district admin for its district, so a row may belong to a city,
  which a tenant row cannot (a tenant row lies in one district). Like ``regions.PolicyParameter`` they
  are not tenant rows: policies and guided prices are published documents; the services decide who
  writes them and the selectors what each scope reads. A policy is never edited: a change is a new
  version, and each claim keeps the version it was computed with (``SubsidyClaim.policy``).
- **Tenant rows** (both walls): certifications, enrolments, claims and their lines below an
  institution; payout batches in a district (no institution owns one).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core import crypto
from core.audit import track
from core.events import WorkflowEvent
from core.tenancy import NO_INSTITUTION, TenantModel
from core.workflow import WorkflowModel, status_field, status_mover
from registry.models import ClassType

BASIS_POINTS = 10_000


# --- policies, guided prices, budgets (reference rows of a region) ------------------------------------

@track()
class SubsidyPolicy(models.Model):
    """One version of a region's subsidy policy (a city's, or a district's within its city's).

    Valid from ``valid_from`` to ``valid_until`` (inclusive; empty: until the next version). The
    nearest region wins: a district's version valid on a day, else its city's."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    version = models.PositiveIntegerField("版本")
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期（含当日）", null=True, blank=True)
    construction_rate_min_fen = models.BigIntegerField("建设补助下限（分/托位）")
    construction_rate_max_fen = models.BigIntegerField("建设补助上限（分/托位）")
    construction_rate_fen = models.BigIntegerField("建设补助标准（分/托位）")
    operating_rate_fen = models.BigIntegerField("运营补助标准（分/人·月）")
    min_eligible_days = models.PositiveSmallIntegerField(
        "计入月份的最少合格天数", default=15,
        help_text="一名婴幼儿在当月合格（在托、满6个月且未满36个月、未超托位）的天数达到此数，该人月计入补助")
    requires_inclusive = models.BooleanField("须为普惠托育机构", default=True)
    requires_filed = models.BooleanField("须已备案且未暂停", default=True)
    requires_fee_within_band = models.BooleanField("收费须不超过指导价上浮范围", default=True)
    min_occupancy_bp = models.PositiveIntegerField("最低收托率（万分比，0为不设）", default=0)
    province_share_bp = models.PositiveIntegerField("省级承担（万分比）", default=0)
    city_share_bp = models.PositiveIntegerField("市级承担（万分比）", default=5_000)
    district_share_bp = models.PositiveIntegerField("区县承担（万分比）", default=5_000)
    requires_city_approval = models.BooleanField("须市级审核", default=False)
    basis = models.CharField("政策依据", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "补助政策"
        ordering = ["region_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["region", "version"], name="subsidy_policy_version_uniq"),
            models.CheckConstraint(condition=models.Q(province_share_bp__gte=0, city_share_bp__gte=0,
                                                      district_share_bp__gte=0)
                                   & models.Q(province_share_bp=BASIS_POINTS - models.F("city_share_bp")
                                              - models.F("district_share_bp")),
                                   name="subsidy_policy_shares_sum"),
            models.CheckConstraint(condition=models.Q(construction_rate_min_fen__gte=0,
                                                      construction_rate_min_fen__lte=models.F("construction_rate_fen"),
                                                      construction_rate_fen__lte=models.F("construction_rate_max_fen"),
                                                      operating_rate_fen__gte=0),
                                   name="subsidy_policy_rate_in_range"),
            models.CheckConstraint(condition=models.Q(valid_until__isnull=True)
                                   | models.Q(valid_until__gte=models.F("valid_from")),
                                   name="subsidy_policy_period"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} 补助政策 v{self.version}"

    @property
    def shares_bp(self) -> dict[str, int]:
        return {"province": self.province_share_bp, "city": self.city_share_bp, "district": self.district_share_bp}


@track()
class GuidedPrice(models.Model):
    """The guided monthly price (指导价) of a class type in a region, and the band a fee may reach."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    class_type = models.CharField("班型", max_length=16, choices=ClassType.choices)
    price_fen = models.BigIntegerField("指导价（分/月）")
    band_bp = models.PositiveIntegerField("收费上限（指导价的万分比）", default=12_000,
                                          help_text="12000 即不超过指导价的 120%")
    valid_from = models.DateField("生效日期")
    valid_until = models.DateField("失效日期（含当日）", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="发布人")
    created_at = models.DateTimeField("发布时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "托育服务指导价"
        ordering = ["region_id", "class_type", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["region", "class_type", "valid_from"], name="guided_price_uniq"),
            models.CheckConstraint(condition=models.Q(price_fen__gt=0, band_bp__gte=BASIS_POINTS),
                                   name="guided_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.get_class_type_display()} 指导价"


@track()
class SubsidyBudget(models.Model):
    """A level of government's subsidy budget for a year. ``committed_fen`` grows with each approval's
    share of that level (locked row: two approvals never both pass the last yuan)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name="区划")
    year = models.PositiveSmallIntegerField("年度")
    amount_fen = models.BigIntegerField("年度预算（分）")
    committed_fen = models.BigIntegerField("已审核占用（分）", default=0)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "补助年度预算"
        ordering = ["region_id", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["region", "year"], name="subsidy_budget_uniq"),
            models.CheckConstraint(condition=models.Q(committed_fen__gte=0, amount_fen__gte=0)
                                   & models.Q(committed_fen__lte=models.F("amount_fen")),
                                   name="subsidy_budget_within"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.year} 年补助预算"

    @property
    def left_fen(self) -> int:
        return self.amount_fen - self.committed_fen


# --- inclusive-care certification ---------------------------------------------------------------------

class CertificationStatus(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    RETURNED = "returned", "已退回"
    CERTIFIED = "certified", "已认定"
    REVOKED = "revoked", "已撤销"
    EXPIRED = "expired", "已到期"


class RevocationCause(models.TextChoices):
    PENALTY = "penalty", "受到行政处罚"
    FEE_ABOVE_BAND = "fee_above_band", "收费超过指导价上浮范围"
    OTHER = "other", "其他"


OPEN_CERTIFICATION_STATES = (CertificationStatus.SUBMITTED, CertificationStatus.RETURNED,
                             CertificationStatus.CERTIFIED)


@track()
class Certification(WorkflowModel, TenantModel):
    """An institution's inclusive-care (普惠) certification, from application to its end.

    The operator applies with the fee schedule (``fees``: class type → fen per month); the guided
    price check runs at once and again at acceptance (``check_results``). Status moves only through
    ``subsidies.workflow.CERTIFICATION``."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="certifications", verbose_name="机构")
    status = status_field(CertificationStatus, default=CertificationStatus.SUBMITTED, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    fees = models.JSONField("收费标准（分/月，按班型）", default=dict)
    check_results = models.JSONField("指导价核验结果", default=list, blank=True)
    return_reasons = models.JSONField("退回事项", default=list, blank=True)
    period_start = models.DateField("认定有效期起", null=True, blank=True)
    period_end = models.DateField("认定有效期至（含当日）", null=True, blank=True)
    review_on = models.DateField("复核日期", null=True, blank=True)
    revocation_cause = models.CharField("撤销原因", max_length=16, choices=RevocationCause.choices, blank=True)
    revocation_reason = models.CharField("撤销说明", max_length=300, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="审核人")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="申请人")
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, CertificationStatus)

    class Meta:
        verbose_name = verbose_name_plural = "普惠托育认定"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution"], condition=models.Q(status__in=OPEN_CERTIFICATION_STATES),
                                    name="certification_one_open"),
        ]

    def __str__(self) -> str:
        return f"普惠认定 · {self.get_status_display()}"


class CertificationEvent(WorkflowEvent):
    certification = models.ForeignKey(Certification, on_delete=models.PROTECT, related_name="events",
                                      verbose_name="普惠认定")

    tenant_parent = subject_field = "certification"
    tenant_institution_path = "certification__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "普惠认定流转记录"


# --- enrolments ----------------------------------------------------------------------------------------

@track()
class Enrolment(TenantModel):
    """A child at an institution from ``enrolled_on`` to ``left_on`` (the last day attended; empty:
    still enrolled). ID number encrypted, blind index for the nationwide duplicate check, masked."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="enrolments",
                                    verbose_name="机构")
    child_name = models.CharField("婴幼儿姓名", max_length=64)
    id_number_encrypted = models.TextField("身份证号（密文）", editable=False)
    id_number_hash = models.CharField("身份证号索引", max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    birth_date = models.DateField("出生日期")
    class_type = models.CharField("班型", max_length=16, choices=ClassType.choices)
    enrolled_on = models.DateField("入托日期")
    left_on = models.DateField("离托日期（最后在托日）", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "在托婴幼儿"
        ordering = ["enrolled_on", "id"]
        indexes = [models.Index(fields=["institution", "enrolled_on"], name="enrolment_inst_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(left_on__isnull=True)
                                   | models.Q(left_on__gte=models.F("enrolled_on")),
                                   name="enrolment_period"),
            models.CheckConstraint(condition=models.Q(enrolled_on__gte=models.F("birth_date")),
                                   name="enrolment_after_birth"),
        ]

    def __str__(self) -> str:
        return f"{self.child_name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)


# --- claims --------------------------------------------------------------------------------------------

class ClaimKind(models.TextChoices):
    OPERATING = "operating", "运营补助"
    CONSTRUCTION = "construction", "建设补助"


class SubsidyClaimStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "待区县审核"
    RETURNED = "returned", "已退回"
    DISTRICT_APPROVED = "district_ok", "区县已审核"
    CITY_APPROVED = "city_ok", "市级已审核"
    BATCHED = "batched", "已纳入拨付批次"
    PAID = "paid", "已拨付"


@track()
class SubsidyClaim(WorkflowModel, TenantModel):
    """A claim of an institution: operating (one month, one line per child) or construction (new
    slots). Amount and the levels' shares in fen; computed with ``policy`` (kept: a later version of
    the policy never changes it). Status moves only through ``subsidies.workflow.CLAIM``."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT,
                                    related_name="subsidy_claims", verbose_name="机构")
    kind = models.CharField("类别", max_length=16, choices=ClaimKind.choices)
    period = models.DateField("所属月份（月初）", null=True, blank=True)
    policy = models.ForeignKey(SubsidyPolicy, on_delete=models.PROTECT, related_name="+", verbose_name="适用政策版本")
    status = status_field(SubsidyClaimStatus, default=SubsidyClaimStatus.DRAFT, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    rate_fen = models.BigIntegerField("补助标准（分）")
    units = models.PositiveIntegerField("计补数量（人月或托位）", default=0)
    slots = models.PositiveIntegerField("申请新增托位数", default=0)
    amount_fen = models.BigIntegerField("补助金额（分）", default=0)
    province_share_fen = models.BigIntegerField("省级承担（分）", default=0)
    city_share_fen = models.BigIntegerField("市级承担（分）", default=0)
    district_share_fen = models.BigIntegerField("区县承担（分）", default=0)
    eligibility = models.JSONField("机构资格核验", default=list, blank=True)
    return_reasons = models.JSONField("退回事项", default=list, blank=True)
    budget_year = models.PositiveSmallIntegerField("预算年度")
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    approved_at = models.DateTimeField("区县审核时间", null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="区县审核人")
    city_approved_at = models.DateTimeField("市级审核时间", null=True, blank=True)
    city_approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                         related_name="+", verbose_name="市级审核人")
    batch = models.ForeignKey("PayoutBatch", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="claims", verbose_name="拨付批次")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, SubsidyClaimStatus)

    class Meta:
        verbose_name = verbose_name_plural = "补助申请"
        ordering = ["-created_at", "-id"]
        # The district's claim lists (one status each) count and show their first page newest first
        # from this index alone: no sort of the district's whole year of claims.
        indexes = [models.Index(fields=["district", "status", "-created_at", "-id"], name="subsidy_claim_queue_order_idx")]
        constraints = [
            models.UniqueConstraint(fields=["institution", "period"], condition=models.Q(kind="operating"),
                                    name="subsidy_claim_one_per_month"),
            models.CheckConstraint(condition=models.Q(kind="construction", period__isnull=True)
                                   | models.Q(kind="operating", period__isnull=False, period__day=1),
                                   name="subsidy_claim_kind_period"),
            models.CheckConstraint(condition=models.Q(amount_fen=models.F("province_share_fen")
                                                      + models.F("city_share_fen") + models.F("district_share_fen")),
                                   name="subsidy_claim_shares_sum"),
            models.CheckConstraint(condition=models.Q(amount_fen=models.F("units") * models.F("rate_fen")),
                                   name="subsidy_claim_amount"),
        ]

    def __str__(self) -> str:
        if self.kind == ClaimKind.OPERATING and self.period:
            return f"{self.period:%Y-%m} 运营补助"
        return f"建设补助（{self.slots} 个托位）"


class LineReason(models.TextChoices):
    """Why a child-month does not count (stable codes of the API)."""

    AGE_BELOW_MIN = "age_below_min", "未满6个月"
    AGE_OVER_MAX = "age_over_max", "已满36个月"
    NOT_ENROLLED = "not_enrolled", "当月在托天数不足"
    OVER_CAPACITY = "over_capacity", "超出该班型备案托位"
    DUPLICATE_CHILD = "duplicate_child", "同月在其他机构申报（待区县核定）"
    DUPLICATE_YIELDED = "duplicate_yielded", "同月由其他机构申报（区县已核定）"
    INSTITUTION_NOT_ELIGIBLE = "institution_not_eligible", "机构不符合补助条件"


@track()
class ClaimLine(TenantModel):
    """One child of an operating claim: the days, whether the child-month counts, and why not."""

    claim = models.ForeignKey(SubsidyClaim, on_delete=models.CASCADE, related_name="lines", verbose_name="补助申请")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+", verbose_name="在托记录")
    period = models.DateField("所属月份")
    child_name = models.CharField("婴幼儿姓名", max_length=64)
    id_number_hash = models.CharField("身份证号索引", max_length=64, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    birth_date = models.DateField("出生日期")
    class_type = models.CharField("班型", max_length=16, choices=ClassType.choices)
    enrolled_days = models.PositiveSmallIntegerField("在托天数")
    eligible_days = models.PositiveSmallIntegerField("合格天数")
    excluded_days = models.JSONField("不合格天数（按原因）", default=dict, blank=True)
    # Eligible on its own (enough eligible days, institution eligible); the duplicate check looks at these.
    eligible = models.BooleanField("本机构核定合格", default=False)
    duplicate = models.BooleanField("同月重复申报", default=False)
    yielded = models.BooleanField("区县核定不在本机构计补", default=False)
    counts = models.BooleanField("计入补助", default=False)
    reason = models.CharField("不计入原因", max_length=32, choices=LineReason.choices, blank=True)

    tenant_parent = "claim"
    tenant_institution_path = "claim__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "补助明细"
        ordering = ["id"]
        # The duplicate sweep's GROUP BY reads this index alone (claim_id included: index-only scan);
        # the lines flagged before are found by the second one (``services.duplicates``).
        indexes = [models.Index(fields=["period", "id_number_hash"], include=["claim"], name="claim_line_dup2_idx",
                                condition=models.Q(eligible=True, yielded=False)),
                   models.Index(fields=["period", "id_number_hash"], name="claim_line_flagged_idx",
                                condition=models.Q(duplicate=True)),
                   # The claim lists count each shown claim's duplicate-child lines (``selectors.claims``):
                   # without it the planner ANDs the claim index with the district's (160 k entries) per row.
                   models.Index(fields=["claim"], name="claim_line_duplicate_child_idx",
                                condition=models.Q(reason="duplicate_child"))]
        constraints = [
            models.UniqueConstraint(fields=["claim", "enrolment"], name="claim_line_uniq"),
            # A counted line has no reason; it may carry a duplicate flag only once its claim was
            # approved (the sweep flags it for the district's clawback decision; its amount stands).
            models.CheckConstraint(condition=models.Q(counts=False) | models.Q(reason="", eligible=True, yielded=False),
                                   name="claim_line_counts_clean"),
        ]

    def __str__(self) -> str:
        return f"{self.child_name} {self.period:%Y-%m}"


class SubsidyClaimEvent(WorkflowEvent):
    claim = models.ForeignKey(SubsidyClaim, on_delete=models.PROTECT, related_name="events", verbose_name="补助申请")

    tenant_parent = subject_field = "claim"
    tenant_institution_path = "claim__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "补助申请流转记录"


# --- payout batches ------------------------------------------------------------------------------------

class PayoutBatchStatus(models.TextChoices):
    OPEN = "open", "待拨付"
    PAID = "paid", "已拨付"


@track()
class PayoutBatch(WorkflowModel, TenantModel):
    """Approved claims of one district bundled for the finance system (and clawbacks as negative
    items). ``total_fen`` is the sum of its items, to the fen."""

    status = status_field(PayoutBatchStatus, default=PayoutBatchStatus.OPEN, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    title = models.CharField("批次名称", max_length=100)
    total_fen = models.BigIntegerField("合计（分）", default=0)
    bank_reference = models.CharField("银行流水号", max_length=64, blank=True)
    paid_on = models.DateField("拨付日期", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_institution_path = NO_INSTITUTION
    move_to = status_mover(status, PayoutBatchStatus)

    class Meta:
        verbose_name = verbose_name_plural = "补助拨付批次"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class PayoutItemKind(models.TextChoices):
    PAYMENT = "payment", "拨付"
    CLAWBACK = "clawback", "追回"


@track()
class PayoutItem(TenantModel):
    """A payment of an approved claim (positive), or a clawback of an amount paid wrongly (negative,
    with its reason) waiting for the next batch (``batch`` empty until bundled)."""

    claim = models.ForeignKey(SubsidyClaim, on_delete=models.PROTECT, related_name="payout_items",
                              verbose_name="补助申请")
    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="items",
                              verbose_name="拨付批次")
    kind = models.CharField("类别", max_length=16, choices=PayoutItemKind.choices)
    amount_fen = models.BigIntegerField("金额（分）")
    province_share_fen = models.BigIntegerField("省级（分）", default=0)
    city_share_fen = models.BigIntegerField("市级（分）", default=0)
    district_share_fen = models.BigIntegerField("区县（分）", default=0)
    reason = models.CharField("追回原因", max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="创建人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    tenant_parent = "claim"
    tenant_institution_path = "claim__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "拨付明细"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind="payment", amount_fen__gte=0, reason="")
                                   | models.Q(kind="clawback", amount_fen__lt=0) & ~models.Q(reason=""),
                                   name="payout_item_sign"),
            models.CheckConstraint(condition=models.Q(amount_fen=models.F("province_share_fen")
                                                      + models.F("city_share_fen") + models.F("district_share_fen")),
                                   name="payout_item_shares_sum"),
            models.UniqueConstraint(fields=["claim"], condition=models.Q(kind="payment"), name="payout_item_paid_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount_fen} 分"


class PayoutBatchEvent(WorkflowEvent):
    batch = models.ForeignKey(PayoutBatch, on_delete=models.PROTECT, related_name="events", verbose_name="拨付批次")

    tenant_parent = subject_field = "batch"
    tenant_institution_path = NO_INSTITUTION

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "拨付批次流转记录"


@track()
class ClaimDocument(TenantModel):
    """Evidence of a construction claim (photos of the new rooms, acceptance certificates): judged by
    content like every upload (``registry.services.documents.validate_upload``)."""

    claim = models.ForeignKey(SubsidyClaim, on_delete=models.CASCADE, related_name="documents",
                              verbose_name="补助申请")
    file = models.FileField("文件", upload_to="subsidy_evidence/%Y/")
    original_name = models.CharField("原文件名", max_length=255)
    content_type = models.CharField("文件类型", max_length=64)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    tenant_parent = "claim"
    tenant_institution_path = "claim__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "建设补助佐证材料"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name
