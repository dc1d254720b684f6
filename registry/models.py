"""Institutions, registrations pushed by registration authorities, staff, filings (备案).

Rows only: every write goes through ``registry.services``; reads through ``registry.selectors``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils import timezone

from core import crypto
from core.audit import track
from core.events import WorkflowEvent
from core.tenancy import NO_INSTITUTION, TenantManager, TenantModel, TenantQuerySet
from core.workflow import WorkflowModel, status_field, status_mover


class InstitutionNature(models.TextChoices):
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    SOCIAL_ORGANISATION = "social_organisation", "社会服务机构"
    ENTERPRISE = "enterprise", "企业"


REGISTRATION_AUTHORITY_BY_NATURE = {
    InstitutionNature.PUBLIC_INSTITUTION: "机构编制部门",
    InstitutionNature.SOCIAL_ORGANISATION: "民政部门",
    InstitutionNature.ENTERPRISE: "市场监督管理部门",
}


class InstitutionKind(models.TextChoices):
    INSTITUTION = "institution", "托育机构"
    HOME_DAYCARE = "home_daycare", "家庭托育点"


class InstitutionStatus(models.TextChoices):
    REGISTERED = "registered", "已登记未备案"
    FILING = "filing", "备案中"
    FILED = "filed", "已备案"
    SUSPENDED = "suspended", "暂停服务"
    TERMINATED = "terminated", "已终止"


class ServiceType(models.TextChoices):
    FULL_DAY = "full_day", "全日托"
    HALF_DAY = "half_day", "半日托"
    HOURLY = "hourly", "计时托"
    OCCASIONAL = "occasional", "临时托"


class ClassType(models.TextChoices):
    INFANT = "infant", "乳儿班（6–12个月）"
    TODDLER = "toddler", "托小班（12–24个月）"
    OLDER_TODDLER = "older_toddler", "托大班（24–36个月）"
    MIXED = "mixed", "混龄班（18个月以上）"


@track()
class Institution(WorkflowModel, TenantModel):
    """A childcare provider. Its current facts are those of its latest accepted filing.

    Its status moves only through ``registry.workflow.INSTITUTION`` (protected field)."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("机构名称", max_length=200)
    nature = models.CharField("机构性质", max_length=24, choices=InstitutionNature.choices)
    kind = models.CharField("类型", max_length=16, choices=InstitutionKind.choices,
                            default=InstitutionKind.INSTITUTION)
    status = status_field(InstitutionStatus, default=InstitutionStatus.REGISTERED, db_index=True)
    address = models.CharField("地址", max_length=300, blank=True)
    latitude = models.DecimalField("纬度（WGS-84）", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度（WGS-84）", max_digits=9, decimal_places=6, null=True, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=64, blank=True)
    principal_name = models.CharField("负责人", max_length=64, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    service_types = ArrayField(models.CharField(max_length=16, choices=ServiceType.choices),
                               default=list, blank=True, verbose_name="服务类型")
    total_slots = models.PositiveIntegerField("托位数", default=0)
    registered_on = models.DateField("登记日期", null=True, blank=True)
    business_scope = models.TextField("业务范围", blank=True)
    current_filing = models.ForeignKey("Filing", on_delete=models.SET_NULL, null=True, blank=True,
                                       related_name="+", verbose_name="当前备案")
    filed_on = models.DateField("备案日期", null=True, blank=True)
    receipt_no = models.CharField("备案回执编号", max_length=32, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_institution_path = "pk"
    move_to = status_mover(status, InstitutionStatus)

    class Meta:
        verbose_name = verbose_name_plural = "托育机构"
        ordering = ["name"]
        indexes = [
            models.Index(fields=["district", "status"]), models.Index(fields=["city", "status"]),
            # The public map search's bounding box (registry.selectors.public.public_search): the public
            # states only; the predicate must match registry.selectors.public.PUBLIC_STATES.
            models.Index(fields=["latitude", "longitude"], condition=models.Q(status__in=["filed", "suspended"]),
                         name="institution_public_point_idx"),
            # The public name search (``name LIKE '%…%'``, any position): trigrams of the public states
            # (pg_trgm, extension created by migration 0017; docs/operations.md says who may create it).
            GinIndex(fields=["name"], opclasses=["gin_trgm_ops"], condition=models.Q(status__in=["filed", "suspended"]),
                     name="institution_name_trgm_idx"),
            # The public list of a region by name (no point given): the region's column, then the order
            # of the page, so count and page read the region's public rows only and stop at the page.
            *[models.Index(fields=[column, "name", "id"], condition=models.Q(status__in=["filed", "suspended"]),
                           name=f"inst_public_{column[:-3]}_idx")
              for column in ("province_id", "city_id", "district_id")],
            # Every state by name at province and country scope (the API list, the admin list): the first
            # page read in index order and stopped, instead of sorting the whole scope.
            models.Index(fields=["name", "id"], name="institution_name_order_idx"),
            # The same by name within a province, city or district (the commission's institution list and
            # the API list at those scopes): without them the planner walks the national name order and
            # filters out the other regions' rows (district 440306: 38,871 rows read for a page of 25).
            *[models.Index(fields=[column, "name", "id"], name=f"institution_{column}_name_idx")
              for column in ("province", "city", "district")],
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def registration_authority(self) -> str:
        return REGISTRATION_AUTHORITY_BY_NATURE.get(self.nature, "")


@track()
class Registration(TenantModel):
    """A registration record pushed by a registration authority (编办/民政/市场监管), one per credit code."""

    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True)
    name = models.CharField("名称", max_length=200)
    nature = models.CharField("机构性质", max_length=24, choices=InstitutionNature.choices)
    legal_representative = models.CharField("法定代表人", max_length=64)
    address = models.CharField("住所", max_length=300)
    registered_on = models.DateField("登记日期")
    business_scope = models.TextField("业务范围", blank=True)
    institution = models.OneToOneField(Institution, on_delete=models.PROTECT, related_name="registration",
                                       verbose_name="机构")
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name="推送账号")
    push_count = models.PositiveIntegerField("推送次数", default=1)
    received_at = models.DateTimeField("首次接收", auto_now_add=True)
    updated_at = models.DateTimeField("最近更新", auto_now=True)

    # A root row (no tenant_parent): placed where the authority registered it (set_region).
    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "登记信息"

    def __str__(self) -> str:
        return f"{self.name}（{self.uscc}）"


class ClaimStatus(models.TextChoices):
    PENDING = "pending", "待确认"
    CONFIRMED = "confirmed", "已确认"
    REJECTED = "rejected", "已驳回"


class ClaimEvidenceKind(models.TextChoices):
    """What the claimant shows the district to prove they may act for the institution."""

    AUTHORISATION_LETTER = "authorisation_letter", "授权委托书（法定代表人签字并加盖公章）"
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代表人确认书（法定代表人本人申请，签字并加盖公章）"


@track()
class InstitutionClaim(WorkflowModel, TenantModel):
    """An operator's claim to run an institution (by credit code); the district confirms it after
    looking at the claimant's evidence (a scan, served only through the scoped claim view), through
    ``registry.workflow.CLAIM`` (protected status)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="claims",
                                    verbose_name="机构")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="claims",
                             verbose_name="申请人")
    status = status_field(ClaimStatus, default=ClaimStatus.PENDING)
    note = models.CharField("说明", max_length=300, blank=True)
    evidence_kind = models.CharField("证明材料类型", max_length=24, choices=ClaimEvidenceKind.choices, blank=True)
    evidence_file = models.FileField("证明材料", upload_to="claims/%Y/%m/", blank=True)
    evidence_name = models.CharField("证明材料原文件名", max_length=200, blank=True)
    evidence_content_type = models.CharField("证明材料文件类型", max_length=40, blank=True)
    evidence_size = models.PositiveIntegerField("证明材料大小（字节）", null=True, blank=True)
    evidence_sha256 = models.CharField("证明材料SHA-256", max_length=64, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="处理人")
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, ClaimStatus)

    class Meta:
        verbose_name = verbose_name_plural = "机构认领"
        constraints = [
            models.UniqueConstraint(fields=["institution", "user"], condition=models.Q(status="pending"),
                                    name="claim_one_pending_per_user"),
        ]


class StaffRole(models.TextChoices):
    PRINCIPAL = "principal", "负责人"
    CAREGIVER = "caregiver", "保育人员"
    HEALTH_FULL_TIME = "health_full_time", "保健人员（专职）"
    HEALTH_PART_TIME = "health_part_time", "保健人员（兼职）"
    SECURITY_GUARD = "security_guard", "保安人员"
    COOK = "cook", "炊事人员"
    OTHER = "other", "其他"


class Education(models.TextChoices):
    BELOW_COLLEGE = "below_college", "大专以下"
    COLLEGE = "college", "大专"
    BACHELOR = "bachelor", "本科"
    POSTGRADUATE = "postgraduate", "研究生"


def on_duty_q(day: dt.date | None = None, prefix: str = "") -> models.Q:
    """On duty on ``day`` (default today): started on or before it, not ended before it (the end
    date is the last working day). ``prefix`` reaches the row through a relation (``"staff__"``)."""
    day = day or timezone.localdate()
    return (models.Q(**{f"{prefix}start_date__lte": day})
            & (models.Q(**{f"{prefix}end_date__isnull": True}) | models.Q(**{f"{prefix}end_date__gte": day})))


def not_ended_q(day: dt.date | None = None, prefix: str = "") -> models.Q:
    """On duty on ``day`` or starting later: the rows the 挂靠 rule compares (a person may not be
    employed at two institutions over overlapping periods, however far ahead one of them starts)."""
    day = day or timezone.localdate()
    return models.Q(**{f"{prefix}end_date__isnull": True}) | models.Q(**{f"{prefix}end_date__gte": day})


class StaffStatus(models.TextChoices):
    """Where a roster row stands on a given day (``Staff.status_on``)."""

    ON_DUTY = "on_duty", "在职"
    UPCOMING = "upcoming", "待入职"
    ENDED = "ended", "已离职"


QUALIFICATIONS_READ = "_qualifications_read"  # StaffQuerySet.with_qualifications() -> Staff.qualification_items()


class StaffQuerySet(TenantQuerySet):
    """The one definition of who is on a roster, for every check, page, count and API filter.

    ``on_duty(day)``: started on or before ``day`` and not ended before it (default: today).
    ``upcoming(day)``: starts after ``day``. ``ended(day)``: ended before ``day``. A filing's
    checks and roster snapshot use ``on_duty`` on the day the filing takes effect
    (``registry.selectors.filings.filing_effective_day``).
    """

    def on_duty(self, day: dt.date | None = None):
        return self.filter(on_duty_q(day))

    def upcoming(self, day: dt.date | None = None):
        return self.filter(start_date__gt=day or timezone.localdate())

    def ended(self, day: dt.date | None = None):
        return self.filter(end_date__lt=day or timezone.localdate())

    def with_status(self, status: str, day: dt.date | None = None):
        """``StaffStatus`` value → the matching rows (the API's and the pages' filters)."""
        return {StaffStatus.ON_DUTY: self.on_duty, StaffStatus.UPCOMING: self.upcoming,
                StaffStatus.ENDED: self.ended}[status](day)

    def with_qualifications(self):
        """Each row's certificates read in one query, in id order, for ``Staff.qualification_items()``:
        a plain list per row (Django's own prefetch of ``qualifications`` builds a filtered queryset
        for every row it fills, which cost more CPU than the query itself)."""
        return self.prefetch_related(models.Prefetch("qualifications", queryset=StaffQualification.objects.order_by("id"),
                                                     to_attr=QUALIFICATIONS_READ))


@track()
class Staff(TenantModel):
    """A person on an institution's roster. The ID number is encrypted, indexed by a keyed hash."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="staff",
                                    verbose_name="机构")
    name = models.CharField("姓名", max_length=64)
    id_number_encrypted = models.TextField("身份证号（密文）", editable=False)
    id_number_hash = models.CharField("身份证号索引", max_length=64, db_index=True, editable=False)
    id_number_masked = models.CharField("身份证号", max_length=18, editable=False)
    role = models.CharField("岗位", max_length=20, choices=StaffRole.choices)
    education = models.CharField("学历", max_length=16, choices=Education.choices, blank=True)
    years_experience = models.PositiveSmallIntegerField("从业年限", default=0)
    health_certificate_date = models.DateField("健康合格证明日期", null=True, blank=True)
    criminal_record_checked = models.BooleanField("无犯罪记录证明", default=False)
    criminal_record_checked_on = models.DateField("无犯罪记录证明日期", null=True, blank=True)
    start_date = models.DateField("入职日期")
    end_date = models.DateField("离职日期", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    objects = TenantManager.from_queryset(StaffQuerySet)()

    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "从业人员"
        ordering = ["institution_id", "role", "name"]
        # 挂靠 matching uses the blind index on id_number_hash (db_index) and filters periods on the few
        # rows of one person; "on duty" depends on the day, so no partial index can express it.
        constraints = [
            # One person at most once among an institution's open-ended rows (concurrent adds included).
            models.UniqueConstraint(fields=["institution", "id_number_hash"], condition=models.Q(end_date__isnull=True),
                                    name="staff_open_person_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.get_role_display()}）"

    @property
    def id_number(self) -> str:
        return crypto.decrypt(self.id_number_encrypted)

    def qualification_items(self) -> list[StaffQualification]:
        """The person's certificates in id order: the list ``StaffQuerySet.with_qualifications()`` read
        with the roster, else one query."""
        rows = self.__dict__.get(QUALIFICATIONS_READ)
        return rows if rows is not None else list(self.qualifications.order_by("id"))

    def status_on(self, day: dt.date | None = None) -> str:
        """This row's ``StaffStatus`` on ``day`` (default today), as ``StaffQuerySet`` counts it."""
        day = day or timezone.localdate()
        if self.start_date > day:
            return StaffStatus.UPCOMING
        if self.end_date is not None and self.end_date < day:
            return StaffStatus.ENDED
        return StaffStatus.ON_DUTY


class QualificationType(models.TextChoices):
    CHILDCARE = "childcare", "保育师/育婴员证书"
    TEACHER = "teacher", "教师资格证"
    HEALTH = "health", "医师/护士执业证书"
    SECURITY = "security", "保安员证"
    COOK = "cook", "健康证/厨师证"
    PRINCIPAL_TRAINING = "principal_training", "托育机构负责人培训证书"
    OTHER = "other", "其他"


@track()
class StaffQualification(TenantModel):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="qualifications",
                              verbose_name="人员")
    type = models.CharField("证书类型", max_length=24, choices=QualificationType.choices)
    number = models.CharField("证书编号", max_length=64)
    expires_on = models.DateField("有效期至", null=True, blank=True)

    tenant_parent = "staff"
    tenant_institution_path = "staff__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "资格证书"

    def __str__(self) -> str:
        return f"{self.get_type_display()}（{self.number}）"


class FilingKind(models.TextChoices):
    INITIAL = "initial", "备案"
    CHANGE = "change", "变更备案"
    TERMINATION = "termination", "终止备案"


class FilingStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待审核"
    RETURNED = "returned", "已退回待补正"
    RESUBMITTED = "resubmitted", "补正后重新提交"
    ACCEPTED = "accepted", "已通过（已备案）"
    WITHDRAWN = "withdrawn", "已撤回"
    # The commission's written notice that the institution does not meet the conditions (备案办法:
    # within 15 working days, with the reasons); the institution may file again once it does.
    REJECTED = "rejected", "不予备案"


class ReceiptStatus(models.TextChoices):
    """The receipt and notice PDFs of an accepted filing, rendered by a Celery task after the accept
    commits (the receipt number itself is issued inside the accept transaction)."""

    NONE = "none", "不出具回执"
    PENDING = "pending", "回执生成中"
    READY = "ready", "回执已生成"
    FAILED = "failed", "回执生成失败"


class PremisesType(models.TextChoices):
    OWNED = "owned", "自有产权"
    LEASED = "leased", "租赁"


@track()
class Filing(WorkflowModel, TenantModel):
    """A filing (备案), change filing or termination with its form, snapshot, commitment and workflow
    (``registry.workflow.FILING``; the status is protected)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="filings",
                                    verbose_name="机构")
    kind = models.CharField("类型", max_length=16, choices=FilingKind.choices, default=FilingKind.INITIAL)
    status = status_field(FilingStatus, default=FilingStatus.DRAFT, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)

    # Filing form: the institution facts as filed.
    name = models.CharField("机构名称", max_length=200)
    institution_kind = models.CharField("机构类型", max_length=16, choices=InstitutionKind.choices,
                                        default=InstitutionKind.INSTITUTION)
    address = models.CharField("地址", max_length=300, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    legal_representative = models.CharField("法定代表人", max_length=64, blank=True)
    principal_name = models.CharField("负责人", max_length=64, blank=True)
    contact_phone = models.CharField("联系电话", max_length=32, blank=True)
    service_types = ArrayField(models.CharField(max_length=16, choices=ServiceType.choices), default=list,
                               blank=True, verbose_name="服务类型")
    total_slots = models.PositiveIntegerField("托位数", default=0)
    building_area = models.DecimalField("建筑面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True)
    outdoor_area = models.DecimalField("户外活动场地面积（㎡）", max_digits=10, decimal_places=2, null=True,
                                       blank=True)
    opening_hours = models.CharField("服务时间", max_length=100, blank=True)
    # Fees per service type in fen per month (hourly/occasional: per hour/day): {"full_day": 250000}.
    fees = models.JSONField("收费标准（分）", default=dict, blank=True)
    meals_served = models.BooleanField("提供膳食", default=False)
    premises_type = models.CharField("场地性质", max_length=8, choices=PremisesType.choices, blank=True)
    lease_start = models.DateField("租赁起始", null=True, blank=True)
    lease_end = models.DateField("租赁截止", null=True, blank=True)
    hygiene_evaluation_passed = models.BooleanField("卫生评价合格", default=False)

    # Termination.
    termination_date = models.DateField("终止日期", null=True, blank=True)
    placement_plan = models.TextField("在托婴幼儿安置方案", blank=True)
    # db_default: rows written by raw SQL (bench/generate.py) need no value for the newer columns.
    staff_settlement_plan = models.TextField("工作人员安置方案", blank=True, default="", db_default="")

    # Change filing: {field: [old, new]} computed on submit against the institution's facts.
    changes = models.JSONField("变更内容", default=dict, blank=True)
    # Staff roster at submission (masked IDs and hashes only).
    staff_snapshot = models.JSONField("人员名册快照", default=list, blank=True)
    # Latest check results [{"code", "label", "passed", "reason"}].
    check_results = models.JSONField("检查结果", default=list, blank=True)

    commitment_signer = models.CharField("承诺人", max_length=64, blank=True)
    commitment_accepted_at = models.DateTimeField("承诺时间", null=True, blank=True)
    commitment_ip = models.GenericIPAddressField("承诺IP", null=True, blank=True)
    # Why an earlier signature no longer counts (the edit that voided it), shown on the commitment step.
    commitment_voided_at = models.DateTimeField("承诺失效时间", null=True, blank=True)
    commitment_voided_reason = models.CharField("承诺失效原因", max_length=300, blank=True, db_default="")

    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    due_at = models.DateTimeField("审核期限", null=True, blank=True, db_index=True)
    notice_due_at = models.DateTimeField("不符合告知期限", null=True, blank=True)
    decided_at = models.DateTimeField("办结时间", null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="审核人")
    return_reasons = models.JSONField("退回事项", default=list, blank=True)
    # Non-compliance decision (不予备案): the reasons, one per item, and the legal basis.
    rejection_reasons = models.JSONField("不予备案理由", default=list, blank=True, db_default=[])
    rejection_basis = models.TextField("不予备案依据", blank=True, default="", db_default="")
    receipt_no = models.CharField("备案回执编号", max_length=32, blank=True, db_index=True)
    receipt_pdf = models.FileField("备案回执", upload_to="receipts/%Y/", blank=True)
    notice_pdf = models.FileField("基本条件告知书", upload_to="notices/%Y/", blank=True)
    rejection_pdf = models.FileField("不予备案告知书", upload_to="notices/%Y/", blank=True, default="", db_default="")
    receipt_status = models.CharField("回执生成状态", max_length=8, choices=ReceiptStatus.choices,
                                      default=ReceiptStatus.NONE, db_default=ReceiptStatus.NONE)

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name="填报人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "备案"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["district", "status", "due_at"]),
            # Earliest deadline first over the open set at city/province/country scope (docs/benchmarks.md,
            # finding 1); the predicate must match registry.workflow.REVIEW_QUEUE_STATES.
            models.Index(fields=["due_at"], condition=models.Q(status__in=["submitted", "resubmitted"]),
                         name="filing_open_due_idx"),
            # Newest first at province and country scope (the API list, the admin list; keyset pages).
            models.Index(fields=["-created_at", "-id"], name="filing_created_order_idx"),
            # The same within a province, city or district (the API filing list at those scopes): city 440300's
            # first page read 1,250 national rows to keep 21 (47 ms) before these.
            *[models.Index(fields=[column, "-created_at", "-id"], name=f"filing_{column}_created_idx")
              for column in ("province", "city", "district")],
        ]
        constraints = [
            models.UniqueConstraint(fields=["receipt_no"], condition=~models.Q(receipt_no=""),
                                    name="filing_receipt_no_uniq"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.name}"

    move_to = status_mover(status, FilingStatus)


@track()
class FilingClass(TenantModel):
    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="classes", verbose_name="备案")
    name = models.CharField("班级名称", max_length=64, blank=True)
    class_type = models.CharField("班型", max_length=16, choices=ClassType.choices)
    planned_children = models.PositiveSmallIntegerField("计划收托人数")
    carers = models.PositiveSmallIntegerField("保育人员数", default=0)
    # Ages taken, in months: from min_age_months up to (not including) max_age_months, e.g. 乳儿班 6–12.
    min_age_months = models.PositiveSmallIntegerField("最小月龄", null=True, blank=True)
    max_age_months = models.PositiveSmallIntegerField("月龄上限（不满）", null=True, blank=True)

    tenant_parent = "filing"
    tenant_institution_path = "filing__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "班级"
        ordering = ["id"]

    def __str__(self) -> str:
        label = self.get_class_type_display().split("（")[0]
        return f"{label}「{self.name}」" if self.name else label


class DocumentType(models.TextChoices):
    BUSINESS_LICENCE = "business_licence", "营业执照/法人登记证书"
    PREMISES_PROOF = "premises_proof", "场地证明（产权或3年以上租赁合同）"
    STAFF_CERTIFICATES = "staff_certificates", "工作人员资格证书及健康合格证明"
    HYGIENE_REPORT = "hygiene_report", "卫生评价报告（合格）"
    FIRE_SAFETY = "fire_safety", "消防安全检查合格证明"
    FOOD_LICENCE = "food_licence", "食品经营许可证"
    OTHER = "other", "其他材料"


@track()
class FilingDocument(TenantModel):
    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="documents", verbose_name="备案")
    doc_type = models.CharField("材料类型", max_length=24, choices=DocumentType.choices)
    file = models.FileField("文件", upload_to="filings/%Y/%m/")
    original_name = models.CharField("原文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=40)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                    related_name="+", verbose_name="上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)
    # A change filing starts with the filed documents carried over (same stored file); set here to
    # the document it was carried from. Null: uploaded to this filing.
    carried_from = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                     verbose_name="沿用自")

    tenant_parent = "filing"
    tenant_institution_path = "filing__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "备案材料"
        ordering = ["doc_type", "id"]

    def __str__(self) -> str:
        return f"{self.get_doc_type_display()}：{self.original_name}"


# Marker events the sweeps write into a filing's history (they are not workflow transitions).
REVIEW_OVERDUE = "review_overdue"
NOTICE_OVERDUE = "notice_overdue"
TERMINATION_EFFECTIVE = "termination_effective"
SWEEP_EVENT_LABELS = {REVIEW_OVERDUE: "超过回执期限", NOTICE_OVERDUE: "超过告知期限",
                      TERMINATION_EFFECTIVE: "终止生效"}


# Workflow events (core.events): one append-only table per workflow, each with a real foreign key
# to its subject and its own row-security policy. Sweep markers are rows of the same tables.

class FilingEvent(WorkflowEvent):
    """One row per filing move (and sweep marker): actor, from, to, reason, time. The filing's history."""

    filing = models.ForeignKey(Filing, on_delete=models.CASCADE, related_name="events", verbose_name="备案")

    tenant_parent = "filing"
    subject_field = "filing"
    tenant_institution_path = "filing__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "备案流转记录"

    def __str__(self) -> str:
        from .workflow import FilingAction

        labels = {**dict(FilingAction.choices), **SWEEP_EVENT_LABELS}
        return f"备案流转记录 {self.pk}（{labels.get(self.action, self.action)}）"


class InstitutionEvent(WorkflowEvent):
    """One row per institution status move: filing submitted/withdrawn/accepted, suspended, resumed,
    terminated (by a reviewer or by the termination sweep, with no actor)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="events",
                                    verbose_name="机构")

    tenant_parent = subject_field = "institution"
    tenant_institution_path = "institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "机构状态变更记录"


class ClaimEvent(WorkflowEvent):
    """One row per claim decision (confirmed or rejected), with the reviewer and the reason."""

    claim = models.ForeignKey(InstitutionClaim, on_delete=models.PROTECT, related_name="events",
                              verbose_name="认领申请")

    tenant_parent = subject_field = "claim"
    tenant_institution_path = "claim__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "机构认领处理记录"


@track()
class ReceiptSequence(models.Model):
    """Gap-free receipt counter per filing district and year (locked row while a receipt is issued)."""

    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="备案机关辖区")
    year = models.PositiveSmallIntegerField("年度")
    last_number = models.PositiveIntegerField("已用最大编号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "备案回执编号序列"
        constraints = [models.UniqueConstraint(fields=["district", "year"], name="receipt_seq_uniq")]

    def __str__(self) -> str:
        return f"{self.district_id} · {self.year} 年（已用至 {self.last_number:05d} 号）"


@track()
class StaffConflictFlag(TenantModel):
    """The same person active at two institutions at once (挂靠), flagged to both districts."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="conflict_flags",
                              verbose_name="人员")
    other_staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+", verbose_name="另一任职")
    other_institution_name = models.CharField("另一机构", max_length=200)
    other_district_name = models.CharField("另一机构所在区县", max_length=100)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)
    created_at = models.DateTimeField("发现时间", auto_now_add=True)

    tenant_parent = "staff"
    tenant_institution_path = "staff__institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "多机构任职预警"
        constraints = [models.UniqueConstraint(fields=["staff", "other_staff"], name="staff_conflict_uniq")]


class DistrictSummary(TenantModel):
    """One filing district's home-dashboard figures as the last refresh found them (the sweep
    ``registry.dashboard_summaries``, every 10 minutes). Province and country dashboards add these
    up (about 3,000 rows nationally) instead of counting every institution and filing on each
    view; the page says when they were refreshed. Derived data, rebuilt whole at each refresh: not
    audited, never edited."""

    filed = models.PositiveIntegerField("已备案机构", default=0)
    unfiled = models.PositiveIntegerField("已登记未备案", default=0)
    slots = models.PositiveIntegerField("已备案托位", default=0)
    pending = models.PositiveIntegerField("待审核备案", default=0)
    overdue = models.PositiveIntegerField("已超期未审", default=0)
    notice_overdue = models.PositiveIntegerField("超过告知期限", default=0)
    rejected = models.PositiveIntegerField("本年不予备案", default=0)
    refreshed_at = models.DateTimeField("汇总时间")

    tenant_institution_path = NO_INSTITUTION  # a district's figures: no operator sees them
    REFRESH_MINUTES = 10  # the schedule in childcare/celery.py; the pages say it

    class Meta:
        verbose_name = verbose_name_plural = "辖区统计汇总"
        constraints = [models.UniqueConstraint(fields=["district"], name="district_summary_uniq")]

    def __str__(self) -> str:
        return f"{self.district_id} · {self.refreshed_at:%Y-%m-%d %H:%M}"
