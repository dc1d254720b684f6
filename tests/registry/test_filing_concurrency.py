"""Real threads, real transactions: gap-free receipt numbers and one winner among reviewers."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import Conflict, DomainError
from core.tenancy import TenantScope, tenant_scope
from registry.models import Filing, FilingStatus, ReceiptSequence
from registry.services import filings as svc
from registry.services import receipts
from tests.concurrency import run_in_threads
from tests.factories import InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db(transaction=True)


def accept_job(actor, filing_id, region, expected_version=None):
    def job():
        with tenant_scope(TenantScope.for_region(region)):
            return svc.filing_accept(actor=actor, filing_id=filing_id, expected_version=expected_version).receipt_no
    return job


def test_eight_simultaneous_accepts_get_gap_free_unique_numbers(regions, reviewer):
    with scopes_disabled():
        ids = [make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED).pk for _ in range(8)]
    results = run_in_threads([accept_job(reviewer, pk, regions["330106"]) for pk in ids])
    assert not [r for r in results if isinstance(r, Exception)], results
    year = timezone.localdate().year
    assert sorted(results) == [f"330106-{year}-{n:05d}" for n in range(1, 9)]
    with scopes_disabled():
        assert sorted(Filing.objects.filter(pk__in=ids).values_list("receipt_no", flat=True)) == sorted(results)
        assert ReceiptSequence.objects.get(district_id="330106", year=year).last_number == 8


def test_two_reviewers_accepting_the_same_filing_one_wins(regions, reviewer, make_account):
    second = make_account("reviewer_xh2", "district_reviewer", "330106")
    with scopes_disabled():
        filing = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
    region = regions["330106"]
    results = run_in_threads([accept_job(reviewer, filing.pk, region, filing.version),
                              accept_job(second, filing.pk, region, filing.version)])
    winners = [r for r in results if isinstance(r, str)]
    losers = [r for r in results if isinstance(r, Exception)]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0], Conflict) and losers[0].status_code == 409
    with scopes_disabled():
        filing = Filing.objects.get(pk=filing.pk)
        assert filing.status == FilingStatus.ACCEPTED and filing.events.filter(action="accept").count() == 1
        assert ReceiptSequence.objects.get(district_id="330106").last_number == 1


def test_accept_and_return_at_once_one_wins(regions, reviewer, make_account):
    second = make_account("reviewer_xh3", "district_reviewer", "330106")
    with scopes_disabled():
        filing = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
    region = regions["330106"]

    def return_job():
        with tenant_scope(TenantScope.for_region(region)):
            return svc.filing_return(actor=second, filing_id=filing.pk, reasons=["材料不全"],
                                     expected_version=filing.version).status

    results = run_in_threads([accept_job(reviewer, filing.pk, region, filing.version), return_job])
    assert sum(isinstance(r, Conflict) for r in results) == 1
    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).events.count() == 1


def test_rolled_back_accept_does_not_burn_a_number(regions, reviewer, monkeypatch):
    """An accept that fails after its number was drawn rolls the number back with everything else."""
    with scopes_disabled():
        first = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
        second = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
    real = svc.notify_operators  # the accept's last step, after the number, the moves and the events

    def broken(filing, **kwargs):
        raise DomainError("notify_failed", "通知失败")

    monkeypatch.setattr(svc, "notify_operators", broken)
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        with pytest.raises(DomainError):
            svc.filing_accept(actor=reviewer, filing_id=first.pk)
        monkeypatch.setattr(svc, "notify_operators", real)
        assert svc.filing_accept(actor=reviewer, filing_id=second.pk).receipt_no.endswith("-00001")
        assert svc.filing_accept(actor=reviewer, filing_id=first.pk).receipt_no.endswith("-00002")
    with scopes_disabled():
        assert Filing.objects.get(pk=first.pk).status == FilingStatus.ACCEPTED


@pytest.mark.worker
def test_a_failing_render_is_retried_then_failed_and_keeps_the_accept(celery_worker_app, regions, reviewer,
                                                                       monkeypatch):
    """The PDFs are rendered by a real worker after the accept commits: a render that keeps failing is
    retried, then the receipt status becomes failed; the filing stays accepted with its number."""
    from registry import tasks

    with scopes_disabled():
        filing = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
    calls = []

    def broken(*, filing):
        calls.append(filing.pk)
        raise OSError("font file unreadable")

    monkeypatch.setattr(receipts, "receipt_pdf_bytes", broken)
    monkeypatch.setattr(tasks, "RENDER_RETRY_SECONDS", 0.05)
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        assert svc.filing_accept(actor=reviewer, filing_id=filing.pk).receipt_no.endswith("-00001")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with scopes_disabled():
            stored = Filing.objects.get(pk=filing.pk)
        if stored.receipt_status == "failed":
            break
        time.sleep(0.1)
    assert stored.status == FilingStatus.ACCEPTED and stored.receipt_no.endswith("-00001")
    assert stored.receipt_status == "failed" and not stored.receipt_pdf and not stored.notice_pdf
    assert calls == [filing.pk] * (tasks.RENDER_MAX_RETRIES + 1)  # the first run and every retry
    # The district's reviewers are told to render it again (once the failure has committed).
    from notifications.models import Notification

    told = Notification.objects.filter(user=reviewer, kind="receipt_failed", title__contains=stored.receipt_no)
    while not told.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert told.exists()
