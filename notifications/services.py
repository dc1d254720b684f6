"""Notifications: an in-app row per recipient and an email through Django's email backend.

Nothing leaves before the caller's transaction commits, and a rolled-back transaction sends
nothing. Two ways in:

- ``notify_on_commit(kind=..., recipients=..., title=..., body=..., link=...)``: one message to
  the people a selector names (``accounts.selectors.operators_of`` / ``reviewers_of``), looked up
  and stored after commit, then emailed. What services use after a state change.
- ``notify_each(notices)``: per-recipient messages (``core.sweeps.Notice``: user, kind, title,
  body, link) stored in one insert inside the caller's transaction (they roll back with it),
  emailed after commit. What set-based sweeps use.

``kind`` is a ``NotificationType``; ``link`` a path built with ``reverse`` (made absolute with
``PUBLIC_BASE_URL`` for email).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from .models import Notification, NotificationType


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


def _kind(kind: str) -> str:
    if kind not in NotificationType.values:
        raise ValueError(f"unknown notification type {kind!r}: add it to NotificationType")
    return str(kind)


def notify_each(notices: Iterable) -> list[Notification]:
    """Store one row per notice (``user, kind, title, body, link``) in one insert, in the caller's
    transaction, and email each recipient once it commits."""
    rows = Notification.objects.bulk_create([
        Notification(user=n.user, kind=_kind(n.kind), title=n.title, body=n.body, link=n.link)
        for n in notices if n.user is not None])
    if rows:
        transaction.on_commit(lambda: _send_emails(rows))
    return rows


def _unique(users: Iterable) -> list:
    seen, recipients = set(), []
    for u in users:
        if u is not None and u.pk not in seen:
            seen.add(u.pk)
            recipients.append(u)
    return recipients


def notify_on_commit(*, kind: str, recipients: Callable[[], Iterable] | Iterable, title: str, body: str = "",
                     link: str = "") -> None:
    """Once the current transaction commits, store the message for each recipient and email them.

    ``recipients``: a callable returning users (looked up after commit, e.g.
    ``lambda: reviewers_of(district_id)``) or the users themselves. Nothing is sent if the
    transaction rolls back.
    """
    kind = _kind(kind)

    def send():
        users = _unique(recipients() if callable(recipients) else recipients)
        with transaction.atomic():
            rows = Notification.objects.bulk_create([Notification(user=u, kind=kind, title=title, body=body, link=link)
                                                     for u in users])
        _send_emails(rows)

    transaction.on_commit(send)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification
