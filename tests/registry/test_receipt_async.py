"""The receipt and notice PDFs are rendered by Celery after the accept commits, never in the request:
the pages say 回执生成中 until the task has stored them, the API gives ``receipt_status``, the task is
idempotent, and a failed render can be started again by a reviewer (never by a read-only role)."""

from __future__ import annotations

import threading
import time

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from core.tenancy import TenantScope, tenant_scope
from registry.models import Filing, FilingStatus, ReceiptStatus
from registry.services import filings as svc
from registry.services import receipts
from tests.factories import InstitutionFactory, make_ready_filing


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def submitted():
    with scopes_disabled():
        return make_ready_filing(InstitutionFactory(name="西湖区回执托育园"), status=FilingStatus.SUBMITTED)


def reload(filing):
    with scopes_disabled():
        return Filing.objects.get(pk=filing.pk)


def logged_in(client_class, user):
    c = client_class()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_the_accept_request_renders_no_pdf(regions, reviewer, client, monkeypatch, django_capture_on_commit_callbacks):
    filing = submitted()
    rendered = []
    real = receipts.receipt_pdf_bytes
    monkeypatch.setattr(receipts, "receipt_pdf_bytes", lambda *, filing: rendered.append(filing.pk) or real(
        filing=filing))
    rv = logged_in(type(client), reviewer)
    with django_capture_on_commit_callbacks() as committed:
        r = rv.post(reverse("registry:review_accept", args=[filing.pk]), {"version": filing.version})
    assert r.status_code == 302 and rendered == []  # the request itself renders nothing
    stored = reload(filing)
    assert stored.receipt_no and stored.receipt_status == ReceiptStatus.PENDING and not stored.receipt_pdf
    for callback in committed:
        callback()
    assert rendered == [filing.pk] and reload(filing).receipt_status == ReceiptStatus.READY


@pytest.mark.django_db
def test_rendering_twice_stores_the_documents_once(regions, reviewer, settings):
    filing = submitted()
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        svc.filing_accept(actor=reviewer, filing_id=filing.pk)
    with scopes_disabled():
        assert receipts.filing_render_documents(filing_id=filing.pk) == ReceiptStatus.READY
        first = reload(filing)
        assert receipts.filing_render_documents(filing_id=filing.pk) == ReceiptStatus.READY
        again = reload(filing)
    assert (again.receipt_pdf.name, again.notice_pdf.name) == (first.receipt_pdf.name, first.notice_pdf.name)
    files = sorted(p.name for p in (settings.MEDIA_ROOT / "receipts").rglob("*.pdf"))
    assert files == [f"{first.receipt_no}-receipt.pdf"]


@pytest.mark.django_db
def test_a_failed_receipt_is_rendered_again_by_a_reviewer_only(regions, reviewer, client, make_account,
                                                               django_capture_on_commit_callbacks):
    filing = submitted()
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        svc.filing_accept(actor=reviewer, filing_id=filing.pk)  # no commit in this test: nothing rendered
    with scopes_disabled():
        Filing.objects.filter(pk=filing.pk).update(receipt_status=ReceiptStatus.FAILED)
    viewer = logged_in(type(client), make_account("hz_city_viewer", "city_viewer", "330100"))
    page = viewer.get(reverse("registry:review_detail", args=[filing.pk])).content.decode()
    assert 'data-state="failed"' in page and "回执生成失败" in page and 'data-testid="rerender"' not in page
    assert viewer.post(reverse("registry:review_rerender", args=[filing.pk])).status_code == 403
    rv = logged_in(type(client), reviewer)
    page = rv.get(reverse("registry:review_detail", args=[filing.pk])).content.decode()
    assert 'data-testid="rerender"' in page
    api = APIClient()
    api.force_authenticate(reviewer)
    failed = api.get(f"/api/v1/filings/{filing.pk}/receipt.pdf")
    assert failed.status_code == 409 and failed.json()["code"] == "receipt_failed"
    assert api.get(f"/api/v1/filings/{filing.pk}/").json()["receipt_status"] == "failed"
    with django_capture_on_commit_callbacks() as committed:
        r = rv.post(reverse("registry:review_rerender", args=[filing.pk]), follow=True)
    assert "已重新提交回执生成" in r.content.decode() and reload(filing).receipt_status == ReceiptStatus.PENDING
    for callback in committed:  # the commit: the render task runs (eagerly in tests)
        callback()
    assert reload(filing).receipt_status == ReceiptStatus.READY
    assert api.get(f"/api/v1/filings/{filing.pk}/receipt.pdf").status_code == 200


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_accept_then_a_real_worker_renders_the_receipt(celery_worker_app, regions, reviewer, make_account,
                                                       client, monkeypatch):
    """Accept through the page; the worker renders once the accept has committed. The render is held
    until the test has seen the pending state (else a fast worker could finish first)."""
    filing = submitted()
    gate = threading.Event()
    real = receipts.receipt_pdf_bytes

    def held(*, filing):
        assert gate.wait(30), "the test never released the render"
        return real(filing=filing)

    monkeypatch.setattr(receipts, "receipt_pdf_bytes", held)
    rv = logged_in(type(client), reviewer)
    page = rv.post(reverse("registry:review_accept", args=[filing.pk]), {"version": filing.version}, follow=True)
    body = page.content.decode()
    receipt_no = reload(filing).receipt_no
    assert receipt_no in body and "回执生成中" in body and 'data-state="pending"' in body
    api = APIClient()
    api.force_authenticate(reviewer)
    assert api.get(f"/api/v1/filings/{filing.pk}/").json()["receipt_status"] == "pending"
    early = api.get(f"/api/v1/filings/{filing.pk}/receipt.pdf")
    assert early.status_code == 409 and early.json()["code"] == "receipt_pending"

    gate.set()
    deadline = time.monotonic() + 60
    while reload(filing).receipt_status != ReceiptStatus.READY and time.monotonic() < deadline:
        time.sleep(0.1)
    assert reload(filing).receipt_status == ReceiptStatus.READY
    panel = rv.get(reverse("registry:filing_receipt_state", args=[filing.pk])).content.decode()
    assert 'data-state="ready"' in panel and 'data-testid="download-receipt"' in panel
    pdf = api.get(f"/api/v1/filings/{filing.pk}/receipt.pdf")
    assert pdf.status_code == 200 and b"".join(pdf.streaming_content).startswith(b"%PDF-")
    # The task again (a redelivery): nothing changes.
    from registry.tasks import render_filing_documents

    names = (reload(filing).receipt_pdf.name, reload(filing).notice_pdf.name)
    assert render_filing_documents.delay(filing.pk).get(timeout=30) == "ready"
    assert (reload(filing).receipt_pdf.name, reload(filing).notice_pdf.name) == names
