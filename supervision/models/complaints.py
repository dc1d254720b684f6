"""Supervision rows. Section 5: complaints from the public (投诉举报) and incidents reported by
operators (突发事件 / 安全事故).

Rows only: every write goes through ``supervision.services.complaints`` / ``incidents``; reads
through ``supervision.selectors.complaints``.

- ``Complaint``: filed by anyone, without an account, against a filed (or suspended) institution;
  routed to the institution's district (its tenant) with a handling deadline in working days. The
  complainant follows it with ``tracking_code`` and reads its status, deadline and public reply —
  never the internal notes, never the contact. The contact's phone is stored encrypted with a
  masked form for the screen. No operator reads a complaint (``NO_INSTITUTION``): a parent's
  complaint must not reach the institution it is about.
- ``Incident``: reported by an institution's operator; the district is alerted at once, follows
  it up (entries by both sides, as ``IncidentEvent`` rows) until it closes it. A suspected abuse
  opens a blacklist review for the district (``blacklist_review``), never a listing by itself.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core import crypto
from core.audit import track
from core.events import WorkflowEvent
from core.tenancy import NO_INSTITUTION, TenantModel
from core.workflow import WorkflowModel, status_field, status_mover

# --- complaints -------------------------------------------------------------------------------------


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", "待分派"
    IN_PROGRESS = "in_progress", "办理中"
    CLOSED = "closed", "已办结"


class ComplaintOutcome(models.TextChoices):
    SUBSTANTIATED = "substantiated", "属实"
    PARTLY = "partly", "部分属实"
    NOT_SUBSTANTIATED = "not_substantiated", "不属实"


# Marker action of the overdue sweep (a ComplaintEvent, from = to = the complaint's status).
COMPLAINT_OVERDUE = "overdue"


@track()
class Complaint(WorkflowModel, TenantModel):
    """One complaint about one institution, in the institution's district. Its status moves only
    through ``supervision.workflow.COMPLAINT``."""

    tracking_code = models.CharField("查询码", max_length=16, unique=True, editable=False)
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="被投诉机构")
    institution_name = models.CharField("机构名称", max_length=200)
    text = models.TextField("投诉内容")
    contact_name = models.CharField("联系人", max_length=64, blank=True)
    contact_phone_encrypted = models.TextField("联系电话（密文）", blank=True, editable=False)
    contact_phone_masked = models.CharField("联系电话", max_length=32, blank=True, editable=False)
    status = status_field(ComplaintStatus, default=ComplaintStatus.RECEIVED, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    received_at = models.DateTimeField("收到时间", db_index=True)
    due_at = models.DateTimeField("办理期限", db_index=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name="承办人")
    public_reply = models.TextField("答复（公开）", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    outcome = models.CharField("核查结论", max_length=24, choices=ComplaintOutcome.choices, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    # The targeted inspection that follows: a free-text reference, and the inspection itself (same
    # district; set in one transaction when the inspection is created from the complaint).
    followup_reference = models.CharField("后续检查", max_length=200, blank=True)
    followup_inspection = models.ForeignKey("supervision.Inspection", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="source_complaints",
                                            verbose_name="后续检查")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # A root row placed in the institution's region (``set_region``): no operator reads it.
    tenant_institution_path = NO_INSTITUTION
    move_to = status_mover(status, ComplaintStatus)

    class Meta:
        verbose_name = verbose_name_plural = "投诉举报"
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["district", "status", "due_at"], name="complaint_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(status=ComplaintStatus.CLOSED) | ~models.Q(outcome=""),
                                   name="complaint_closed_has_outcome"),
        ]

    def __str__(self) -> str:
        return f"投诉 {self.tracking_code_display}（{self.institution_name}）"

    @property
    def tracking_code_display(self) -> str:
        code = self.tracking_code
        return "-".join(code[i:i + 4] for i in range(0, len(code), 4))

    @property
    def contact_phone(self) -> str:
        return crypto.decrypt(self.contact_phone_encrypted)


class ComplaintEvent(WorkflowEvent):
    """One row per receipt, assignment, internal note, reply, link, close and reopen (and the overdue
    sweep's marker). Internal: never shown to the complainant."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="events",
                                  verbose_name="投诉")

    tenant_parent = subject_field = "complaint"
    tenant_institution_path = NO_INSTITUTION

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "投诉办理记录"


# --- incidents --------------------------------------------------------------------------------------


class IncidentKind(models.TextChoices):
    INJURY = "injury", "意外伤害"
    OUTBREAK = "outbreak", "传染病疫情"
    SUSPECTED_ABUSE = "suspected_abuse", "疑似虐童"
    FIRE = "fire", "火灾"
    OTHER = "other", "其他"


class IncidentSeverity(models.TextChoices):
    MINOR = "minor", "一般"
    SERIOUS = "serious", "较大"
    MAJOR = "major", "重大"


class IncidentStatus(models.TextChoices):
    REPORTED = "reported", "已报告"
    FOLLOWING_UP = "following_up", "跟进中"
    CLOSED = "closed", "已结案"


class BlacklistReview(models.TextChoices):
    NONE = "", "无需"
    PENDING = "pending", "待审查"
    DONE = "done", "已审查"


@track()
class Incident(WorkflowModel, TenantModel):
    """One incident at one institution, reported by its operator. Its status moves only through
    ``supervision.workflow.INCIDENT``; follow-up entries are ``IncidentEvent`` rows."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name="机构")
    institution_name = models.CharField("机构名称", max_length=200)
    kind = models.CharField("事件类别", max_length=24, choices=IncidentKind.choices)
    severity = models.CharField("严重程度", max_length=16, choices=IncidentSeverity.choices)
    children_affected = models.PositiveIntegerField("涉及儿童人数")
    occurred_at = models.DateTimeField("发生时间")
    description = models.TextField("事件经过")
    status = status_field(IncidentStatus, default=IncidentStatus.REPORTED, db_index=True)
    version = models.PositiveIntegerField("版本", default=1)
    blacklist_review = models.CharField("从业禁止审查", max_length=16, choices=BlacklistReview.choices, blank=True,
                                        default=BlacklistReview.NONE, db_index=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name="报告人")
    reported_at = models.DateTimeField("报告时间", db_index=True)
    closed_at = models.DateTimeField("结案时间", null=True, blank=True)
    # The targeted inspection that follows (same district), set when it is created from the incident.
    followup_inspection = models.ForeignKey("supervision.Inspection", on_delete=models.PROTECT, null=True,
                                            blank=True, related_name="source_incidents",
                                            verbose_name="后续检查")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"
    move_to = status_mover(status, IncidentStatus)

    class Meta:
        verbose_name = verbose_name_plural = "突发事件"
        ordering = ["-reported_at", "-id"]
        indexes = [models.Index(fields=["district", "status", "reported_at"], name="incident_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kind=IncidentKind.SUSPECTED_ABUSE)
                                   | ~models.Q(blacklist_review=BlacklistReview.NONE),
                                   name="incident_abuse_has_blacklist_review"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}（{self.institution_name}）"


class IncidentEvent(WorkflowEvent):
    """One row per report, follow-up entry (by the operator or the district), move and blacklist
    review."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events",
                                 verbose_name="事件")

    tenant_parent = subject_field = "incident"
    tenant_institution_path = "incident__institution_id"

    class Meta(WorkflowEvent.Meta):
        verbose_name = verbose_name_plural = "突发事件跟进记录"


__all__ = [
    "COMPLAINT_OVERDUE", "BlacklistReview", "Complaint", "ComplaintEvent", "ComplaintOutcome", "ComplaintStatus",
    "Incident", "IncidentEvent", "IncidentKind", "IncidentSeverity", "IncidentStatus",
]
