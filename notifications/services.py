"""Notifications: an in-app row per recipient and an email through Django's email backend."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .models import Notification


def notify(*, users: Iterable, verb: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    recipients = [u for u in users if u is not None]
    rows = Notification.objects.bulk_create(
        [Notification(user=u, verb=verb, title=title, body=body, link=link) for u in recipients])
    emails = [u.email for u in recipients if u.email]
    if emails:
        transaction.on_commit(lambda: send_mail(title, f"{body}\n\n{link}".strip(), None, emails,
                                                fail_silently=True))
    return rows


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
