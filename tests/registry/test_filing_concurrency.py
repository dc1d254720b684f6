"""Real threads, real transactions: gap-free receipt numbers and one winner among reviewers."""

from __future__ import annotations

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
    with scopes_disabled():
        first = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
        second = make_ready_filing(InstitutionFactory(), status=FilingStatus.SUBMITTED)
    real = receipts.receipt_pdf_bytes

    def broken(*, filing):
        raise DomainError("pdf_failed", "回执生成失败")

    monkeypatch.setattr(receipts, "receipt_pdf_bytes", broken)
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        with pytest.raises(DomainError):
            svc.filing_accept(actor=reviewer, filing_id=first.pk)
        monkeypatch.setattr(receipts, "receipt_pdf_bytes", real)
        assert svc.filing_accept(actor=reviewer, filing_id=second.pk).receipt_no.endswith("-00001")
        assert svc.filing_accept(actor=reviewer, filing_id=first.pk).receipt_no.endswith("-00002")
    with scopes_disabled():
        assert Filing.objects.get(pk=first.pk).status == FilingStatus.ACCEPTED
