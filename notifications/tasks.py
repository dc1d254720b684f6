"""Notification emails, sent by a worker after the transaction that created the notifications commits
(a slow or unreachable mail server never holds up a request). Thin: one service call."""

from __future__ import annotations

import smtplib

from celery import shared_task


@shared_task(name="notifications.tasks.send_emails", autoretry_for=(OSError, smtplib.SMTPException),
             max_retries=5, retry_backoff=30, retry_backoff_max=3600)
def send_emails(notification_ids: list[int]) -> int:
    """Email each of these notifications once (idempotent: rows already emailed are skipped)."""
    from .services import notification_send_emails

    return notification_send_emails(notification_ids=notification_ids)
