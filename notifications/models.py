from django.conf import settings
from django.db import models


class NotificationType(models.TextChoices):
    """Every kind of notification the platform sends (a new one is added here, with its migration)."""

    FILING_SUBMITTED = "filing_submitted", "备案待审核"
    FILING_RESUBMITTED = "filing_resubmitted", "补正后重新提交"
    FILING_ACCEPTED = "filing_accepted", "备案已通过"
    FILING_RETURNED = "filing_returned", "备案被退回"
    FILING_WITHDRAWN = "filing_withdrawn", "备案已撤回"
    FILING_REJECTED = "filing_rejected", "不予备案"
    FILING_REVIEW_OVERDUE = "filing_review_overdue", "超过回执期限"
    FILING_NOTICE_OVERDUE = "filing_notice_overdue", "超过告知期限"
    INSTITUTION_TERMINATED = "institution_terminated", "机构已终止"
    INSTITUTION_SUSPENDED = "institution_suspended", "机构暂停服务"
    INSTITUTION_RESUMED = "institution_resumed", "机构恢复服务"
    REGISTRATION_RECEIVED = "registration_received", "收到登记信息"
    CLAIM_SUBMITTED = "claim_submitted", "机构认领待确认"
    CLAIM_CONFIRMED = "claim_confirmed", "机构认领已确认"
    CLAIM_REJECTED = "claim_rejected", "机构认领被驳回"
    RECEIPT_FAILED = "receipt_failed", "备案回执生成失败"
    BLACKLIST_HIT = "blacklist_hit", "从业禁止名单命中"
    BLACKLIST_HIT_CLOSED = "blacklist_hit_closed", "命中已认定为误报"
    INSPECTION_ASSIGNED = "inspection_assigned", "监督检查任务"
    INSPECTION_PUBLICATION_OVERDUE = "inspection_publication_overdue", "检查结果超过公示期限"
    RECTIFICATION_ORDERED = "rectification_ordered", "整改通知"
    RECTIFICATION_REPLIED = "rectification_replied", "整改回复待核验"
    RECTIFICATION_ACCEPTED = "rectification_accepted", "整改核验通过"
    RECTIFICATION_REJECTED = "rectification_rejected", "整改核验不通过"
    RECTIFICATION_OVERDUE = "rectification_overdue", "整改逾期"
    PENALTY_ISSUED = "penalty_issued", "行政处罚决定"
    PENALTY_ENDED = "penalty_ended", "行政处罚已结束"
    CLOSURE_OPENED = "closure_opened", "关停应急处置启动"
    CLOSURE_ENDED = "closure_ended", "关停应急处置办结"
    CERTIFICATE_EXPIRING = "certificate_expiring", "健康合格证明即将到期"
    CERTIFICATE_EXPIRED = "certificate_expired", "健康合格证明已过期"
    INSTITUTION_NOT_FILED = "institution_not_filed", "登记满 30 日未备案"
    COMPLAINT_RECEIVED = "complaint_received", "收到投诉举报"
    COMPLAINT_ASSIGNED = "complaint_assigned", "投诉已分派"
    COMPLAINT_OVERDUE = "complaint_overdue", "投诉超过办理期限"
    INCIDENT_REPORTED = "incident_reported", "机构报告突发事件"
    INCIDENT_UPDATED = "incident_updated", "突发事件有新的跟进"
    INCIDENT_CLOSED = "incident_closed", "突发事件已结案"
    INCIDENT_BLACKLIST_REVIEW = "incident_blacklist_review", "疑似虐童事件待从业禁止审查"
    SUBSIDY_CLAIM_SUBMITTED = "subsidy_claim_submitted", "补助申请待审核"
    SUBSIDY_CLAIM_RETURNED = "subsidy_claim_returned", "补助申请被退回"
    SUBSIDY_CLAIM_APPROVED = "subsidy_claim_approved", "补助申请已审核通过"
    SUBSIDY_CLAIM_PAID = "subsidy_claim_paid", "补助已拨付"
    SUBSIDY_DUPLICATE_CHILD = "subsidy_duplicate_child", "婴幼儿同月重复申报待核定"
    CERTIFICATION_ACCEPTED = "certification_accepted", "普惠认定已通过"
    CERTIFICATION_RETURNED = "certification_returned", "普惠认定申请被退回"
    CERTIFICATION_REVOKED = "certification_revoked", "普惠认定已撤销"
    CERTIFICATION_EXPIRING = "certification_expiring", "普惠认定即将到期或已到期"


class EmailStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已发送"


class Notification(models.Model):
    """An in-app notification for one user (the notification centre); its email is sent by a Celery task
    once the transaction that created it commits (``notifications.tasks.send_emails``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name="接收人")
    kind = models.CharField("类型", max_length=40, choices=NotificationType.choices)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # The email's state: ``pending`` → ``sending`` (claimed by one sender, in its own committed
    # statement, with the claim's time and attempt number) → ``sent`` (``emailed_at`` set once the mail
    # server took it). A row stuck in ``sending`` (the worker died between claim and send) is put back by
    # the ``notifications.unsent_emails`` sweep after EMAIL_SENDING_TIMEOUT.
    email_status = models.CharField("邮件状态", max_length=10, choices=EmailStatus.choices,
                                    default=EmailStatus.PENDING)
    email_claimed_at = models.DateTimeField("邮件认领时间", null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField("邮件发送尝试次数", default=0)
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"]),
                   # The sweep's scan: rows not sent yet (a small, partial index; sent rows are the bulk).
                   models.Index(fields=["email_status", "created_at"], name="notification_email_unsent",
                                condition=~models.Q(email_status="sent"))]
        constraints = [models.CheckConstraint(condition=models.Q(kind__in=NotificationType.values),
                                              name="notification_kind_known"),
                       models.CheckConstraint(condition=models.Q(email_status__in=EmailStatus.values),
                                              name="notification_email_status_known"),
                       # sent ⇔ emailed_at; sending ⇒ a claim time
                       models.CheckConstraint(condition=models.Q(email_status="sent", emailed_at__isnull=False)
                                              | (~models.Q(email_status="sent") & models.Q(emailed_at__isnull=True)),
                                              name="notification_sent_has_time"),
                       models.CheckConstraint(condition=~models.Q(email_status="sending")
                                              | models.Q(email_claimed_at__isnull=False),
                                              name="notification_sending_has_claim")]
