"""Receipt and notice PDFs read back, and the public verification page."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from pypdf import PdfReader

from core.tenancy import TenantScope, tenant_scope
from registry.models import Filing, FilingStatus, Institution, InstitutionStatus
from registry.services import filings as svc
from registry.services.receipts import notice_pdf_bytes, receipt_pdf_bytes
from tests.factories import InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.PUBLIC_BASE_URL = "https://tuoyu.example.gov.cn"


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def accepted(regions, reviewer):
    with scopes_disabled():
        filing = make_ready_filing(InstitutionFactory(name="西湖区小橡树托育园", contact_phone="13800138000"),
                                   status=FilingStatus.SUBMITTED, service_types=["full_day", "hourly"])
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        svc.filing_accept(actor=reviewer, filing_id=filing.pk)
    with scopes_disabled():
        return Filing.objects.select_related("institution", "district").get(pk=filing.pk)


def test_receipt_pdf_has_the_facts_the_number_and_the_commission(accepted):
    text = text_of(receipt_pdf_bytes(filing=accepted))
    year = timezone.localdate().year
    for expected in ("托育机构备案回执", f"330106-{year}-00001", "西湖区小橡树托育园", accepted.institution.uscc,
                     "全日托、计时托", "10 个", "西湖区卫生健康局",
                     f"https://tuoyu.example.gov.cn/verify/330106-{year}-00001/"):
        assert expected in text, expected


def test_stored_pdfs_are_the_documents(accepted):
    with accepted.receipt_pdf.open("rb") as fh:
        assert accepted.receipt_no in text_of(fh.read())
    with accepted.notice_pdf.open("rb") as fh:
        notice = text_of(fh.read())
    assert "基本条件告知书" in notice and "1:3" in notice and "西湖区卫生健康局" in notice


def test_notice_uses_the_regions_policy(accepted):
    from regions.models import PolicyParameter

    with scopes_disabled():
        PolicyParameter.objects.create(region_id="330100", key="ratio.mixed_children_per_carer", value=4)
        text = text_of(notice_pdf_bytes(filing=accepted))
    assert "比例不低于 1:4" in text


def test_verify_page_is_public_and_shows_no_personal_data(client, accepted):
    response = client.get(f"/verify/{accepted.receipt_no}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "该备案回执真实有效" in body and "西湖区小橡树托育园" in body and accepted.institution.uscc in body
    assert "13800138000" not in body and accepted.principal_name not in body
    with scopes_disabled():
        masked = [s["id_number_masked"][:6] for s in accepted.staff_snapshot]
    assert not any(m and m + "********" in body for m in masked)


def test_verify_page_after_termination_and_for_unknown_numbers(client, accepted):
    with scopes_disabled():
        Institution.objects.filter(pk=accepted.institution_id).update(status=InstitutionStatus.TERMINATED)
    body = client.get(f"/verify/{accepted.receipt_no}/").content.decode()
    assert "已终止备案" in body
    response = client.get("/verify/330106-2026-99999/")
    assert response.status_code == 404
    assert "未找到回执编号为「330106-2026-99999」的备案记录" in response.content.decode()
