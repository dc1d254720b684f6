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
    assert Notification.objects.filter(user__in=[a, b], email_status="sent", emailed_at__isnull=False,
                                       email_attempts=1).count() == 2
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
    assert list(Notification.objects.order_by("id").values_list("email_status", "emailed_at"))[1:] == [
        ("pending", None), ("pending", None)]  # released for the retry, not left "sending"
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
    assert run.summary == {"unsent": 1, "queued": 1, "stuck_sending": 0}
    assert [m.to for m in mail.outbox] == [[user.email]] and "备案已通过" in mail.outbox[0].subject
    assert Notification.objects.get(pk=fresh.pk).emailed_at is None  # its own task may still be on the way
    assert run_sweep("notifications.unsent_emails").summary == {"unsent": 0, "queued": 0, "stuck_sending": 0}
    assert len(mail.outbox) == 1


def test_a_sender_killed_between_claim_and_send_is_recovered_by_the_sweep_once():
    """The worker claimed the rows (committed: ``sending``) and died before the mail server saw them."""
    import datetime as dt

    from django.utils import timezone

    from core.sweeps import run_sweep
    from notifications.services import EMAIL_SENDING_TIMEOUT, _claim

    user = UserFactory(username="mail_killed")
    rows = Notification.objects.bulk_create([Notification(user=user, kind="filing_accepted", title=f"第{i}条")
                                             for i in range(2)])
    assert len(_claim([n.pk for n in rows])) == 2  # ... and the worker is killed here
    assert set(Notification.objects.values_list("email_status", flat=True)) == {"sending"}
    # A redelivered task does not send a claimed row: its sender may still be at work.
    assert notification_send_emails(notification_ids=[n.pk for n in rows]) == 0
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(minutes=30))
    # Within the timeout the sweep leaves the claim alone.
    Notification.objects.update(email_claimed_at=timezone.now() - EMAIL_SENDING_TIMEOUT + dt.timedelta(minutes=1))
    assert run_sweep("notifications.unsent_emails").summary == {"unsent": 0, "queued": 0, "stuck_sending": 0}
    assert mail.outbox == []
    # Past it, the rows go back to pending and out, once.
    Notification.objects.update(email_claimed_at=timezone.now() - EMAIL_SENDING_TIMEOUT - dt.timedelta(minutes=1))
    assert run_sweep("notifications.unsent_emails").summary == {"unsent": 2, "queued": 2, "stuck_sending": 2}
    assert sorted(m.subject for m in mail.outbox) == ["第0条", "第1条"]
    assert list(Notification.objects.values_list("email_status", "email_attempts").distinct()) == [("sent", 2)]
    assert run_sweep("notifications.unsent_emails").summary == {"unsent": 0, "queued": 0, "stuck_sending": 0}
    assert len(mail.outbox) == 2


def test_a_sender_whose_claim_was_taken_back_cannot_mark_the_new_claim():
    """A sender slower than the timeout: the sweep re-queued its row, a second sender claimed it; the
    first one's late "sent" mark must not touch the second claim (fenced by the attempt number)."""
    from notifications.services import _claim

    user = UserFactory(username="mail_slow")
    row = Notification.objects.create(user=user, kind="filing_accepted", title="慢")
    [(_, first)] = _claim([row.pk])
    Notification.objects.filter(pk=row.pk).update(email_status="pending", email_claimed_at=None)  # the sweep
    [(_, second)] = _claim([row.pk])
    assert second == first + 1
    assert Notification.objects.filter(pk=row.pk, email_status="sending", email_attempts=first).update(
        email_status="sent", emailed_at=row.created_at) == 0


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_senders_never_both_send_a_row(monkeypatch):
    """Two workers handed the same ids at the same moment (a redelivery racing the original): every
    message goes out exactly once between them."""
    from django.core.mail.backends.locmem import EmailBackend

    from tests.concurrency import run_in_threads

    real = EmailBackend.send_messages

    def slow(self, messages):  # long enough for the two senders to overlap
        import time

        time.sleep(0.01)
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", slow)
    users = [UserFactory(username=f"mail_race{i}") for i in range(20)]
    ids = [n.pk for n in Notification.objects.bulk_create(
        Notification(user=u, kind="filing_accepted", title=f"并发{i}") for i, u in enumerate(users))]
    results = run_in_threads([lambda: notification_send_emails(notification_ids=ids),
                              lambda: notification_send_emails(notification_ids=list(reversed(ids)))])
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(results) == 20
    assert sorted(m.subject for m in mail.outbox) == sorted(f"并发{i}" for i in range(20))  # each once
    assert set(Notification.objects.values_list("email_status", "email_attempts")) == {("sent", 1)}
