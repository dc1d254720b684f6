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

import datetime as dt
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.http import Http404
from django.utils import timezone

from .models import EmailStatus, Notification, NotificationType


def absolute_link(link: str) -> str:
    """A link stored relative (``/registry/...``) made absolute for email with ``PUBLIC_BASE_URL``."""
    if not link or "://" in link:
        return link
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/{link.lstrip('/')}"


def _message(n: Notification) -> EmailMessage:
    """One message per recipient (never a shared To list: recipients must not see each other)."""
    return EmailMessage(subject=n.title, body="\n\n".join(p for p in (n.body, absolute_link(n.link)) if p),
                        to=[n.user.email])


def _claim(ids: list[int]) -> list[tuple[int, int]]:
    """Claim the rows still ``pending``: ``sending``, with the claim's time and attempt number, in one
    statement committed on its own (the caller runs outside a transaction, as a worker does). Under
    READ COMMITTED a second sender's UPDATE waits for the first's row locks, then finds the rows no
    longer pending: two senders never both claim a row. Returns ``(id, attempt)`` pairs."""
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE notifications_notification SET email_status = 'sending', email_claimed_at = now(), "
            "email_attempts = email_attempts + 1 "
            "WHERE id = ANY(%s) AND email_status = 'pending' RETURNING id, email_attempts", [list(ids)])
        return cursor.fetchall()


def notification_send_emails(*, notification_ids: list[int]) -> int:
    """Email each of these notifications still pending; returns how many went out. Run by the Celery task.

    pending → ``sending`` (claimed, ``_claim``) → the mail server takes it → ``sent`` (``emailed_at``).
    A task run twice (a redelivery, a retry, two workers) never sends a row twice: only one claims
    it. A worker killed after the claim leaves the row in ``sending``; the ``notifications.unsent_emails``
    sweep puts it back after ``EMAIL_SENDING_TIMEOUT`` (at least once, then: a kill between the mail
    server's answer and the ``sent`` mark may send that one message again). A send that fails puts
    the rows not sent yet back to pending and raises, so the task's retry sends just those.
    Each ``sent`` mark is fenced by the claim's attempt number: a sender whose claim the sweep took
    back cannot mark another sender's claim.
    """
    claimed = dict(_claim(notification_ids))
    rows = list(Notification.objects.filter(pk__in=claimed).select_related("user").order_by("id"))
    mailer = get_connection()
    sent = 0
    for i, n in enumerate(rows):
        try:
            if n.user.email:
                mailer.send_messages([_message(n)])
        except Exception:
            _release([(r.pk, claimed[r.pk]) for r in rows[i:]])
            raise
        # One statement per message (not one per batch): a kill mid-batch re-sends at most one.
        Notification.objects.filter(pk=n.pk, email_status=EmailStatus.SENDING, email_attempts=claimed[n.pk]).update(
            email_status=EmailStatus.SENT, emailed_at=timezone.now())
        sent += bool(n.user.email)
    return sent


def _release(claims: list[tuple[int, int]]) -> None:
    """Put claimed rows back to ``pending`` (only while still this sender's claim)."""
    with connection.cursor() as cursor:
        for pk, attempt in claims:
            cursor.execute("UPDATE notifications_notification SET email_status = 'pending', email_claimed_at = NULL "
                           "WHERE id = %s AND email_status = 'sending' AND email_attempts = %s", [pk, attempt])


def _enqueue_emails(ids: list[int]) -> None:
    from core.queue import send

    from .tasks import send_emails

    send(send_emails, ids)


def _kind(kind: str) -> str:
    if kind not in NotificationType.values:
        raise ValueError(f"unknown notification type {kind!r}: add it to NotificationType")
    return str(kind)


def _email_on_commit(rows: list[Notification]) -> None:
    """After commit, a Celery task emails the recipients of ``rows`` that have an address."""
    ids = [n.pk for n in rows if n.user.email]
    if ids:
        transaction.on_commit(lambda: _enqueue_emails(ids))


def notify_each(notices: Iterable) -> list[Notification]:
    """Store one row per notice (``user, kind, title, body, link``) in one insert, in the caller's
    transaction; once it commits, a Celery task emails each recipient."""
    rows = Notification.objects.bulk_create([
        Notification(user=n.user, kind=_kind(n.kind), title=n.title, body=n.body, link=n.link)
        for n in notices if n.user is not None])
    _email_on_commit(rows)
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
            _email_on_commit(rows)

    transaction.on_commit(send)


def notification_mark_read(*, user, notification_id: int) -> Notification:
    notification = Notification.objects.filter(user=user, pk=notification_id).first()
    if notification is None:
        raise Http404
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


# A notification with an address not emailed this long after it was created lost its task (the broker
# was down at the commit, or a worker died); older than UNSENT_EMAIL_HORIZON it is no longer news.
UNSENT_EMAIL_STALE = dt.timedelta(minutes=10)
UNSENT_EMAIL_HORIZON = dt.timedelta(days=2)
UNSENT_EMAIL_BATCH = 1000
# A row claimed (``sending``) this long ago whose sender never marked it sent: the sender died between
# claim and send (an SMTP exchange is bounded by EMAIL_TIMEOUT, far below this).
EMAIL_SENDING_TIMEOUT = dt.timedelta(minutes=15)


def unsent_emails_resend(*, now=None) -> dict[str, int]:
    """Sweep ``notifications.unsent_emails``: put rows stuck in ``sending`` past ``EMAIL_SENDING_TIMEOUT``
    back to pending, then queue the emails of notifications never emailed (``notification_send_emails``
    claims each row once: nothing goes out twice on the normal path)."""
    from core.queue import send

    from .tasks import send_emails

    now = now or timezone.now()
    recent = {"created_at__gte": now - UNSENT_EMAIL_HORIZON}
    stuck = (Notification.objects.filter(email_status=EmailStatus.SENDING,
                                         email_claimed_at__lt=now - EMAIL_SENDING_TIMEOUT, **recent)
             .update(email_status=EmailStatus.PENDING, email_claimed_at=None))
    ids = list(Notification.objects.filter(
        email_status=EmailStatus.PENDING, created_at__lt=now - UNSENT_EMAIL_STALE, **recent).exclude(user__email="")
        .order_by("created_at").values_list("pk", flat=True)[:UNSENT_EMAIL_BATCH])
    queued = bool(ids) and send(send_emails, ids)
    return {"unsent": len(ids), "queued": len(ids) if queued else 0, "stuck_sending": stuck}
