"""Notifications' sweep, registered by name (``core.sweeps`` discovers this module; the schedule is
in ``childcare/celery.py``)."""

from core.sweeps import register

from .services import unsent_emails_resend

UNSENT_EMAILS = "notifications.unsent_emails"

register(UNSENT_EMAILS, unsent_emails_resend, title="消息邮件未发出（任务未送达或丢失）：重新排队发送")
