from django.db import migrations, models


class Migration(migrations.Migration):
    """Notification types are choices (``NotificationType``), no longer free-text verbs."""

    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.RenameField(model_name="notification", old_name="verb", new_name="kind"),
        migrations.AlterField(
            model_name="notification",
            name="kind",
            field=models.CharField(choices=[
                ("filing_submitted", "备案待审核"), ("filing_resubmitted", "补正后重新提交"),
                ("filing_accepted", "备案已通过"), ("filing_returned", "备案被退回"),
                ("filing_withdrawn", "备案已撤回"), ("filing_review_overdue", "超过回执期限"),
                ("filing_notice_overdue", "超过告知期限"), ("institution_terminated", "机构已终止"),
                ("institution_suspended", "机构暂停服务"), ("institution_resumed", "机构恢复服务"),
                ("registration_received", "收到登记信息"), ("claim_submitted", "机构认领待确认"),
                ("claim_confirmed", "机构认领已确认"), ("claim_rejected", "机构认领被驳回"),
            ], max_length=40, verbose_name="类型"),
        ),
        migrations.AddConstraint(
            model_name="notification",
            constraint=models.CheckConstraint(
                condition=models.Q(kind__in=[
                    "filing_submitted", "filing_resubmitted", "filing_accepted", "filing_returned",
                    "filing_withdrawn", "filing_review_overdue", "filing_notice_overdue", "institution_terminated",
                    "institution_suspended", "institution_resumed", "registration_received", "claim_submitted",
                    "claim_confirmed", "claim_rejected",
                ]),
                name="notification_kind_known",
            ),
        ),
    ]
