from django.conf import settings
from django.db import models


class Notification(models.Model):
    """An in-app notification for one user (the notification centre); its email is sent by a Celery task
    once the transaction that created it commits (``notifications.tasks.send_emails``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications",
                             verbose_name="接收人")
    verb = models.CharField("类型", max_length=40)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    link = models.CharField("链接", max_length=300, blank=True)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)
    # Set when the email goes out (by the Celery task): a redelivered task never sends it twice.
    emailed_at = models.DateTimeField("邮件发送时间", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = verbose_name_plural = "消息"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "read_at"])]
