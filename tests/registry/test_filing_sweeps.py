"""Daily sweeps: filings past the receipt / notice deadlines, and terminations whose date has come.

Run as scheduled, through ``core.sweeps.run_sweep`` (lock, run log): idempotent, once per filing and
deadline, bounded queries, two runs at once; and the Celery task run by a REAL worker against
Redis, as in tests/core/test_tasks.py.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.models import SweepOutcome, SweepRun
from core.sweeps import run_sweep
from core.tenancy import tenant_scope
from notifications.models import Notification
from registry.models import Filing, FilingEvent, FilingStatus, Institution, InstitutionStatus
from registry.services import filings as svc
from registry.sweeps import FILING_DEADLINES, TERMINATIONS
from tests.concurrency import run_in_threads
from tests.factories import FilingFactory, InstitutionFactory, make_ready_filing

BASE = "https://tuoyu.example.gov.cn"


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_BASE_URL = BASE


def with_email(user):
    user.email = f"{user.username}@example.gov.cn"
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def admin(make_account):
    return with_email(make_account("admin_xh", "district_admin", "330106"))


@pytest.fixture(autouse=True)
def emails(request):
    """Every account of these tests has an email address (the account fixtures make none)."""
    for name in ("reviewer", "other_reviewer"):
        if name in request.fixturenames:
            with_email(request.getfixturevalue(name))


def as_(user):
    return tenant_scope(scope_of(user.active_assignments[0]))


def notes(user, verb=None):
    qs = Notification.objects.filter(user=user)
    if verb:
        qs = qs.filter(kind=verb)
    return list(qs.order_by("id"))


def markers(filing, action):
    with scopes_disabled():
        return FilingEvent.objects.filter(filing_id=filing.pk, action=action).count()


def queued(status=FilingStatus.SUBMITTED, *, due, notice, region_id="330106001", **kwargs):
    """A filing waiting for a decision with the given deadlines (days from now; negative: past)."""
    now = timezone.now()
    with scopes_disabled():
        return FilingFactory(institution=InstitutionFactory(region_id=region_id, status=InstitutionStatus.FILING),
                             status=status, submitted_at=now - dt.timedelta(days=20),
                             due_at=now + dt.timedelta(days=due), notice_due_at=now + dt.timedelta(days=notice),
                             **kwargs)


def sweep(capture, **kwargs):
    with capture(execute=True):
        return run_sweep(FILING_DEADLINES, **kwargs).summary


def termination_sweep(capture, **kwargs):
    with capture(execute=True):
        return run_sweep(TERMINATIONS, **kwargs).summary


# --- deadline sweep --------------------------------------------------------------------------------

@pytest.mark.django_db
def test_deadline_sweep_tells_the_districts_reviewers_once_per_filing_and_deadline(
        regions, reviewer, admin, other_reviewer, django_capture_on_commit_callbacks):
    late = queued(due=-1, notice=5, name="西湖区晚到托育园")
    both = queued(FilingStatus.RESUBMITTED, due=-12, notice=-1, name="西湖区双超期托育园")
    queued(due=2, notice=12)  # in time
    queued(FilingStatus.RETURNED, due=-12, notice=-1)  # returned with reasons: that is the notice
    queued(FilingStatus.ACCEPTED, due=-12, notice=-1)
    queued(FilingStatus.DRAFT, due=-12, notice=-1)
    elsewhere = queued(due=-1, notice=5, region_id="330105001", name="拱墅区晚到托育园")

    result = sweep(django_capture_on_commit_callbacks)

    assert result == {"review_overdue": 3, "notice_overdue": 1, "notified": 7}
    for user in (reviewer, admin):
        review = notes(user, "filing_review_overdue")
        assert sorted(n.title for n in review) == ["西湖区双超期托育园的备案已超过回执期限",
                                                   "西湖区晚到托育园的备案已超过回执期限"]
        [notice] = notes(user, "filing_notice_overdue")
        assert notice.title == "西湖区双超期托育园的备案已超过告知期限"
        assert f"{timezone.localtime(both.notice_due_at):%Y年%m月%d日}" in notice.body
        assert notice.link == f"/registry/review/{both.pk}/"
    assert [n.title for n in notes(other_reviewer)] == ["拱墅区晚到托育园的备案已超过回执期限"]
    assert (markers(late, "review_overdue"), markers(late, "notice_overdue")) == (1, 0)
    assert (markers(both, "review_overdue"), markers(both, "notice_overdue"), markers(elsewhere, "review_overdue")) \
        == (1, 1, 1)

    # Email: one message per recipient, never a shared To list, with an absolute link.
    assert len(mail.outbox) == 7
    assert all(len(m.to) == 1 and not m.cc and not m.bcc for m in mail.outbox)
    to_reviewer = [m for m in mail.outbox if m.to == [reviewer.email]]
    assert len(to_reviewer) == 3
    assert any(f"{BASE}/registry/review/{both.pk}/" in m.body for m in to_reviewer)

    # Run again (tomorrow's run, or a second beat): nothing new.
    assert sweep(django_capture_on_commit_callbacks) == {"review_overdue": 0, "notice_overdue": 0, "notified": 0}
    assert Notification.objects.count() == 7 and len(mail.outbox) == 7


@pytest.mark.django_db
def test_a_resubmission_has_new_deadlines_that_are_swept_afresh(
        regions, reviewer, make_account, django_capture_on_commit_callbacks):
    with scopes_disabled():
        institution = InstitutionFactory()
        filing = make_ready_filing(institution)
    operator = make_account("op_sweep", "operator", institution.uscc)
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with scopes_disabled():
        filing = Filing.objects.get(pk=filing.pk)
    after_receipt_deadline = filing.due_at + dt.timedelta(minutes=1)
    assert sweep(django_capture_on_commit_callbacks, now=after_receipt_deadline)["review_overdue"] == 1
    assert sweep(django_capture_on_commit_callbacks, now=after_receipt_deadline)["review_overdue"] == 0

    with as_(reviewer):
        svc.filing_return(actor=reviewer, filing_id=filing.pk, reasons=["消防证明模糊"])
    # Returned: the notice was given, nothing is overdue however late it is.
    assert sweep(django_capture_on_commit_callbacks, now=filing.notice_due_at + dt.timedelta(days=30)) == {
        "review_overdue": 0, "notice_overdue": 0, "notified": 0}
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with scopes_disabled():
        filing = Filing.objects.get(pk=filing.pk)
    assert filing.status == FilingStatus.RESUBMITTED
    result = sweep(django_capture_on_commit_callbacks, now=filing.notice_due_at + dt.timedelta(minutes=1))
    assert result == {"review_overdue": 1, "notice_overdue": 1, "notified": 2}
    assert len(notes(reviewer, "filing_review_overdue")) == 2


@pytest.mark.django_db
def test_deadline_sweep_queries_do_not_grow_with_rows(regions, reviewer, admin, django_assert_max_num_queries,
                                                      django_capture_on_commit_callbacks, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # The emails leave in their own Celery task after the sweep commits (one claim, then one "sent" mark
    # per message: notifications' own tests): counted here is the sweep, and what it queues.
    import core.queue

    emails_queued, really_send = [], core.queue.send

    def send(task, *args, **kwargs):
        if task.name != "notifications.tasks.send_emails":
            return really_send(task, *args, **kwargs)
        emails_queued.append(len(args[0]))
        return True

    monkeypatch.setattr(core.queue, "send", send)
    for _ in range(3):
        queued(due=-1, notice=-1)
    with CaptureQueriesContext(connection) as small_queries:
        small = sweep(django_capture_on_commit_callbacks)
    for _ in range(30):
        queued(due=-1, notice=-1)
    with CaptureQueriesContext(connection) as large_queries:
        large = sweep(django_capture_on_commit_callbacks)
    assert (small["review_overdue"], large["review_overdue"], large["notified"]) == (3, 30, 120)
    assert emails_queued == [small["notified"], large["notified"]]
    # The same statements whatever the number of rows: run log (2), savepoint (2), lock, two markers,
    # the marked filings, their reviewers, the notifications.
    assert len(large_queries.captured_queries) == len(small_queries.captured_queries) <= 12


# --- termination sweep -----------------------------------------------------------------------------

def terminating(date, *, status=InstitutionStatus.FILED, name=None):
    """A filed institution with an accepted termination taking effect on ``date``."""
    with scopes_disabled():
        institution = InstitutionFactory(status=status, **({"name": name} if name else {}))
        filing = FilingFactory(institution=institution, kind="termination", status=FilingStatus.ACCEPTED,
                               termination_date=date, decided_at=timezone.now(), placement_plan="转入邻近机构")
    return institution, filing


def status_of(institution):
    with scopes_disabled():
        return Institution.objects.get(pk=institution.pk).status


@pytest.mark.django_db
def test_termination_sweep_ends_service_on_the_date_once(regions, reviewer, make_account,
                                                         django_capture_on_commit_callbacks):
    today = timezone.localdate()
    due, due_filing = terminating(today, name="西湖区到期托育园")
    later, later_filing = terminating(today + dt.timedelta(days=10))
    already, _ = terminating(today - dt.timedelta(days=3), status=InstitutionStatus.TERMINATED)
    with scopes_disabled():
        untouched = InstitutionFactory(status=InstitutionStatus.FILED)
    operator = with_email(make_account("op_due", "operator", due.uscc))

    result = termination_sweep(django_capture_on_commit_callbacks, today=today)

    assert result == {"terminated": 1, "notified": 2}
    assert status_of(due) == InstitutionStatus.TERMINATED
    assert [status_of(i) for i in (later, already, untouched)] == [InstitutionStatus.FILED,
                                                                    InstitutionStatus.TERMINATED,
                                                                    InstitutionStatus.FILED]
    assert markers(due_filing, "termination_effective") == 1
    [note] = notes(operator, "institution_terminated")
    assert note.title == f"西湖区到期托育园已于 {today:%Y年%m月%d日} 终止"
    assert len(notes(reviewer, "institution_terminated")) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([operator.email, reviewer.email])

    assert termination_sweep(django_capture_on_commit_callbacks, today=today) == {"terminated": 0, "notified": 0}
    assert markers(due_filing, "termination_effective") == 1

    assert termination_sweep(django_capture_on_commit_callbacks, today=today + dt.timedelta(days=10))["terminated"] == 1
    assert status_of(later) == InstitutionStatus.TERMINATED and markers(later_filing, "termination_effective") == 1


# --- two runs at once ------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_deadline_sweeps_at_once_notify_once(regions, reviewer):
    filings = [queued(due=-1, notice=-1) for _ in range(20)]

    results = run_in_threads([lambda: run_sweep(FILING_DEADLINES)] * 3)
    assert not any(isinstance(r, Exception) for r in results), results
    # Whichever ran did the work once; the others were skipped while it held the lock, or found nothing.
    assert sum(r.summary.get("review_overdue", 0) for r in results) == 20
    assert sum(r.summary.get("notice_overdue", 0) for r in results) == 20
    assert {r.outcome for r in results} <= {SweepOutcome.OK, SweepOutcome.SKIPPED}
    assert all(markers(f, "review_overdue") == 1 and markers(f, "notice_overdue") == 1 for f in filings)
    assert Notification.objects.filter(user=reviewer).count() == 40
    assert SweepRun.objects.filter(name=FILING_DEADLINES).count() == 3


@pytest.mark.django_db(transaction=True)
def test_two_termination_sweeps_at_once_terminate_once(regions, reviewer):
    pairs = [terminating(timezone.localdate()) for _ in range(10)]

    results = run_in_threads([lambda: run_sweep(TERMINATIONS)] * 2)
    assert not any(isinstance(r, Exception) for r in results), results
    assert sum(r.summary.get("terminated", 0) for r in results) == 10
    assert all(markers(f, "termination_effective") == 1 for _, f in pairs)
    assert Notification.objects.filter(user=reviewer, kind="institution_terminated").count() == 10


# --- through a real Celery worker (tests/conftest.py: celery_worker_app) ------------------------------

@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_deadline_sweep_task_through_worker(celery_worker_app, regions, reviewer, admin):
    late = queued(due=-1, notice=3)
    from core.tasks import run_sweep as task

    first = task.delay(FILING_DEADLINES).get(timeout=30)
    assert first["outcome"] == "ok" and first["rows"] == 1
    assert first["summary"] == {"review_overdue": 1, "notice_overdue": 0, "notified": 2}
    assert {n.user_id for n in Notification.objects.filter(kind="filing_review_overdue")} == {reviewer.pk, admin.pk}
    assert markers(late, "review_overdue") == 1
    # Once the sweep committed, it queued the emails: the worker sends one per recipient.
    deadline = time.monotonic() + 30
    while len(mail.outbox) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([reviewer.email, admin.email])
    assert not Notification.objects.filter(kind="filing_review_overdue", emailed_at__isnull=True).exists()
    again = task.delay(FILING_DEADLINES).get(timeout=30)
    assert again["summary"] == {"review_overdue": 0, "notice_overdue": 0, "notified": 0}
    # The worker wrote the run log the system admin reads.
    runs = list(SweepRun.objects.filter(name=FILING_DEADLINES).order_by("id"))
    assert [(r.pk, r.outcome, r.rows) for r in runs] == [(first["run"], "ok", 1), (again["run"], "ok", 0)]
    assert all(r.finished_at >= r.started_at for r in runs)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_termination_sweep_task_through_worker(celery_worker_app, regions, reviewer):
    institution, _ = terminating(timezone.localdate() - dt.timedelta(days=1))
    from core.tasks import run_sweep as task

    assert task.delay(TERMINATIONS).get(timeout=30)["summary"] == {"terminated": 1, "notified": 1}
    assert status_of(institution) == InstitutionStatus.TERMINATED
    assert task.delay(TERMINATIONS).get(timeout=30)["summary"] == {"terminated": 0, "notified": 0}


def test_sweeps_are_scheduled_daily_through_the_one_sweep_task():
    import core.tasks  # noqa: F401 - what the worker's autodiscovery imports
    from childcare.celery import app

    entries = {e["args"][0]: e for e in app.conf.beat_schedule.values() if e["task"] == "core.tasks.run_sweep"}
    assert "core.tasks.run_sweep" in app.tasks
    for name in (FILING_DEADLINES, TERMINATIONS):
        schedule = entries[name]["schedule"]
        assert schedule.hour == {0} and len(schedule.minute) == 1  # once a day, after midnight
