"""Notification emails go out from a Celery task after the commit, once per recipient, never twice."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction

from core.sweeps import Notice
from notifications.models import Notification
from notifications.services import notification_send_emails, notify_each
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_emails_leave_after_the_commit_one_per_recipient_and_only_once(django_capture_on_commit_callbacks):
    a, b, silent = UserFactory(username="mail_a"), UserFactory(username="mail_b"), UserFactory(username="mail_c",
                                                                                                email="")
    with django_capture_on_commit_callbacks() as committed, transaction.atomic():
        rows = notify_each([Notice(u, "filing_accepted", "备案已通过", "请下载回执。", "/registry/filings/1/") for u in (a, b, silent)])
    assert len(rows) == 3 and mail.outbox == []  # nothing is sent inside the transaction
    assert len(committed) == 1
    committed[0]()  # the commit: the task runs (eagerly in tests)
    assert sorted(m.to for m in mail.outbox) == [[a.email], [b.email]]  # separately, never a shared To
    assert "备案已通过" in mail.outbox[0].subject and "/registry/filings/1/" in mail.outbox[0].body
    assert Notification.objects.filter(user__in=[a, b], emailed_at__isnull=False).count() == 2
    # A redelivered task sends nothing again.
    assert notification_send_emails(notification_ids=[n.pk for n in rows]) == 0
    assert len(mail.outbox) == 2


def test_a_failed_send_releases_the_rest_for_the_retry(monkeypatch):
    users = [UserFactory(username=f"mail_f{i}") for i in range(3)]
    rows = Notification.objects.bulk_create(Notification(user=u, kind="filing_accepted", title=f"第{i}条") for i, u in
                                            enumerate(users))
    from django.core.mail.backends.locmem import EmailBackend

    real = EmailBackend.send_messages

    def flaky(self, messages):
        if messages[0].subject == "第1条":
            raise OSError("mail server unreachable")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", flaky)
    with pytest.raises(OSError):
        notification_send_emails(notification_ids=[n.pk for n in rows])
    assert [m.subject for m in mail.outbox] == ["第0条"]
    assert list(Notification.objects.order_by("id").values_list("emailed_at", flat=True))[1:] == [None, None]
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    assert notification_send_emails(notification_ids=[n.pk for n in rows]) == 2  # the retry: just the rest
    assert [m.subject for m in mail.outbox] == ["第0条", "第1条", "第2条"]


def test_emails_whose_task_was_never_queued_are_sent_by_the_sweep_once():
    """The broker was down at the commit (core.queue.send gave up): the sweep sends them later."""
    import datetime as dt

    from django.utils import timezone

    from core.sweeps import run_sweep

    user, silent = UserFactory(username="mail_lost"), UserFactory(username="mail_lost_silent", email="")
    rows = Notification.objects.bulk_create([Notification(user=u, kind="filing_accepted", title="备案已通过")
                                             for u in (user, silent)])
    fresh = Notification.objects.create(user=user, kind="filing_accepted", title="刚刚产生的消息")
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(
        created_at=timezone.now() - dt.timedelta(minutes=11))
    run = run_sweep("notifications.unsent_emails")
    assert run.summary == {"unsent": 1, "queued": 1}
    assert [m.to for m in mail.outbox] == [[user.email]] and "备案已通过" in mail.outbox[0].subject
    assert Notification.objects.get(pk=fresh.pk).emailed_at is None  # its own task may still be on the way
    assert run_sweep("notifications.unsent_emails").summary == {"unsent": 0, "queued": 0}
    assert len(mail.outbox) == 1
