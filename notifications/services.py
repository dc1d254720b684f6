"""Notifications: an in-app row per recipient and an email through Django's email backend."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from .models import Notification


def absolute_link(link: str) -> str:
    """A link stored relative (``/registry/...``) made absolute for email with ``PUBLIC_BASE_URL``."""
    if not link or "://" in link:
        return link
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{link.lstrip('/')}"


def _message(n: Notification) -> EmailMessage:
    """One message per recipient (never a shared To list: recipients must not see each other)."""
    return EmailMessage(subject=n.title, body="\n\n".join(p for p in (n.body, absolute_link(n.link)) if p),
                        to=[n.user.email])


def notification_send_emails(*, notification_ids: list[int]) -> int:
    """Email each notification not emailed yet; returns how many went out. Run by the Celery task.

    The rows are claimed first (``emailed_at`` set, one statement), so a task run twice (a
    redelivery, a retry, two workers) never sends one twice; if a send fails, the rows not sent yet
    are released and the error raised, so the task's retry sends just those. Two queries however
    many recipients.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_notification SET emailed_at = now() "
            "WHERE id = ANY(%s) AND emailed_at IS NULL RETURNING id", [list(notification_ids)])
        claimed = [row[0] for row in cursor.fetchall()]
    rows = list(Notification.objects.filter(pk__in=claimed).select_related("user").order_by("id"))
    mailer = get_connection()
    for i, n in enumerate(rows):
        if not n.user.email:
            continue
        try:
            mailer.send_messages([_message(n)])
        except Exception:
            Notification.objects.filter(pk__in=[r.pk for r in rows[i:]]).update(emailed_at=None)
            raise
    return sum(1 for n in rows if n.user.email)


def _enqueue_emails(ids: list[int]) -> None:
    from .tasks import send_emails

    send_emails.delay(ids)


def notify_many(rows: Iterable[Notification]) -> list[Notification]:
    """Store unsaved ``Notification`` rows (one per recipient, each its own text) in one insert; once
    the transaction commits, a Celery task emails the recipients that have an address."""
    rows = Notification.objects.bulk_create([n for n in rows if n.user is not None])
    ids = [n.pk for n in rows if n.user.email]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(ids))
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
