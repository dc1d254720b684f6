"""Notifications: an in-app row per recipient and an email through Django's email backend."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .models import Notification


def absolute_link(link: str) -> str:
    """A link stored relative (``/registry/...``) made absolute for email with ``PUBLIC_BASE_URL``."""
    if not link or "://" in link:
        return link
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{link.lstrip('/')}"


def _send_emails(rows: list[Notification]) -> None:
    """One message per recipient (never a shared To list: recipients must not see each other)."""
    messages = [EmailMessage(subject=n.title, body="\n\n".join(p for p in (n.body, absolute_link(n.link)) if p),
                             to=[n.user.email]) for n in rows if n.user.email]
    if messages:
        get_connection(fail_silently=True).send_messages(messages)


def notify_many(rows: Iterable[Notification]) -> list[Notification]:
    """Store unsaved ``Notification`` rows (one per recipient, each its own text) in one insert and
    send each recipient its email once the transaction commits."""
    rows = Notification.objects.bulk_create([n for n in rows if n.user is not None])
    if rows:
        transaction.on_commit(lambda: _send_emails(rows))
    return rows


def notify(*, users: Iterable, verb: str, title: str, body: str = "", link: str = "") -> list[Notification]:
    seen, recipients = set(), []
    for u in users:
        if u is not None and u.pk not in seen:
            seen.add(u.pk)
            recipients.append(u)
    return notify_many(Notification(user=u, verb=verb, title=title, body=body, link=link) for u in recipients)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
