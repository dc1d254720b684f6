"""Receipt and notice PDFs read back, and the public verification page."""

from __future__ import annotations

import io

import pytest
import segno
from django.utils import timezone
from django_scopes import scopes_disabled
from PIL import Image
from pypdf import PdfReader

from core.tenancy import TenantScope, tenant_scope
from registry.models import Filing, FilingStatus, Institution, InstitutionStatus, Staff
from registry.services import filings as svc
from registry.services.receipts import notice_pdf_bytes, receipt_pdf_bytes, receipt_qr, receipt_qr_png
from tests.factories import FilingFactory, InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.PUBLIC_BASE_URL = "https://tuoyu.example.gov.cn"


def text_of(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def accepted(regions, reviewer, make_account, django_capture_on_commit_callbacks):
    """Submitted through the service (so the roster snapshot is stored), then accepted; the commit
    runs the render task (eagerly in tests), which stores the PDFs."""
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区小橡树托育园", contact_phone="13800138000")
        filing = make_ready_filing(institution, service_types=["full_day", "hourly"], contact_phone="13800138000",
                                   principal_name=institution.principal_name)
    operator = make_account("op_receipt", "operator", institution.uscc)
    with tenant_scope(TenantScope.for_institutions([institution.pk])):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with tenant_scope(TenantScope.for_region(regions["330106"])), django_capture_on_commit_callbacks(execute=True):
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
        default = text_of(notice_pdf_bytes(filing=accepted))
        PolicyParameter.objects.create(region_id="330100", key="ratio.mixed_children_per_carer", value=4)
        text = text_of(notice_pdf_bytes(filing=accepted))
    assert "比例不低于 1:5" in default and "1:4" not in default
    assert "比例不低于 1:4" in text
    for fixed in ("保育人员与婴幼儿比例不低于 1:3", "比例不低于 1:5；", "比例不低于 1:7"):  # national, every region
        assert fixed in text


def test_home_daycare_notice_uses_the_regions_ratio(accepted):
    from regions.models import PolicyParameter

    with scopes_disabled():
        PolicyParameter.objects.create(region_id="330106", key="home_daycare.children_per_carer", value=2)
        accepted.institution_kind = "home_daycare"
        text = text_of(notice_pdf_bytes(filing=accepted))
    assert "照护人员与婴幼儿比例不低于 1:2" in text and "1:3" not in text


def test_verify_page_is_public_and_shows_no_personal_data(client, accepted):
    with scopes_disabled():
        staff = list(Staff.objects.filter(institution_id=accepted.institution_id))
    assert len(accepted.staff_snapshot) == len(staff) == 7  # there is personal data that could leak
    response = client.get(f"/verify/{accepted.receipt_no}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "该备案回执真实有效" in body and "西湖区小橡树托育园" in body and accepted.institution.uscc in body
    assert "杭州市西湖区文三路 1 号" in body  # an institution's address is public
    assert accepted.contact_phone == "13800138000" and "13800138000" not in body
    assert accepted.principal_name and accepted.principal_name not in body
    for person in accepted.staff_snapshot:
        assert person["name"] not in body
        assert person["id_number_masked"] not in body and person["id_number_masked"][:6] + "*" not in body
        assert person["id_number_hash"] not in body
    assert not any(s.name in body for s in staff)


def test_verify_page_shows_only_district_and_township_for_a_home_daycare_point(client, regions):
    with scopes_disabled():
        home = InstitutionFactory(name="王阿姨家庭托育点", kind="home_daycare", region_id="330106002",
                                  address="杭州市西湖区文一西路 8 号 3 幢 402 室", status=InstitutionStatus.FILED)
        filing = FilingFactory(institution=home, institution_kind="home_daycare", status=FilingStatus.ACCEPTED,
                               receipt_no="330106-2026-00042", decided_at=timezone.now(), total_slots=5)
        Institution.objects.filter(pk=home.pk).update(current_filing=filing, receipt_no=filing.receipt_no)
    body = client.get("/verify/330106-2026-00042/").content.decode()
    assert "王阿姨家庭托育点" in body and "该备案回执真实有效" in body
    assert "所在地" in body and "西湖区西溪街道" in body
    assert "文一西路" not in body and "402" not in body


def test_receipt_qr_encodes_the_public_verify_url_and_is_the_image_in_the_pdf(accepted):
    expected = f"https://tuoyu.example.gov.cn/verify/{accepted.receipt_no}/"
    # The payload: the receipt's QR is the code segno makes for the expected URL, module for module.
    assert receipt_qr(accepted.receipt_no).matrix == segno.make(expected, error="m").matrix
    assert receipt_qr(accepted.receipt_no).matrix != segno.make(expected + "x", error="m").matrix
    # The issued PDF embeds exactly that QR image, pixel for pixel.
    reference = io.BytesIO()
    segno.make(expected, error="m").save(reference, kind="png", scale=4, border=2)
    reference_pixels = Image.open(io.BytesIO(reference.getvalue())).convert("L")
    assert receipt_qr_png(accepted.receipt_no) == reference.getvalue()
    with accepted.receipt_pdf.open("rb") as fh:
        [embedded] = PdfReader(io.BytesIO(fh.read())).pages[0].images
    pixels = embedded.image.convert("L")
    assert pixels.size == reference_pixels.size
    assert pixels.tobytes() == reference_pixels.tobytes()


def test_verify_page_after_termination_and_for_unknown_numbers(client, accepted):
    with scopes_disabled():
        Institution.objects.filter(pk=accepted.institution_id).update(status=InstitutionStatus.TERMINATED)
    body = client.get(f"/verify/{accepted.receipt_no}/").content.decode()
    assert "已终止备案" in body
    response = client.get("/verify/330106-2026-99999/")
    assert response.status_code == 404
    assert "未找到回执编号为「330106-2026-99999」的备案记录" in response.content.decode()


def test_verify_page_tells_a_suspension_and_a_pending_termination(client, accepted, make_account, regions):
    import datetime as dt

    from registry.services.institutions import institution_resume, institution_suspend

    reviewer_scope = TenantScope.for_region(regions["330106"])
    reviewer = accepted.decided_by
    with tenant_scope(reviewer_scope):
        institution_suspend(actor=reviewer, institution_id=accepted.institution_id, reason="消防整改期间暂停服务。")
    body = client.get(f"/verify/{accepted.receipt_no}/").content.decode()
    assert "机构目前暂停服务" in body and "暂停服务" in body
    with tenant_scope(reviewer_scope):
        institution_resume(actor=reviewer, institution_id=accepted.institution_id, reason="整改合格，恢复服务。")

    ends = timezone.localdate() + dt.timedelta(days=20)
    operator = make_account("op_verify_end", "operator", accepted.institution.uscc)
    with tenant_scope(TenantScope.for_institutions([accepted.institution_id])):
        termination = svc.filing_create(actor=operator, institution_id=accepted.institution_id, kind="termination")
        svc.filing_update_form(actor=operator, filing_id=termination.pk, data={
            "termination_date": ends, "placement_plan": "在托婴幼儿转入邻近托育机构。",
            "staff_settlement_plan": "工作人员由邻近托育机构录用。"})
        svc.filing_sign_commitment(actor=operator, filing_id=termination.pk, signer="王园长", ip=None)
        svc.filing_submit(actor=operator, filing_id=termination.pk)
    with tenant_scope(reviewer_scope):
        svc.filing_accept(actor=reviewer, filing_id=termination.pk)
    body = client.get(f"/verify/{accepted.receipt_no}/").content.decode()
    assert f"将于 {ends:%Y年%m月%d日} 终止服务" in body
    assert "该备案回执真实有效" in body


def test_the_rejection_notice_states_the_reasons_the_basis_the_date_and_the_commission(regions, reviewer):
    from registry.services.receipts import rejection_pdf_bytes

    decided = timezone.now()
    with scopes_disabled():
        filing = FilingFactory(institution=InstitutionFactory(name="西湖区知更鸟托育园"), status=FilingStatus.REJECTED,
                               submitted_at=decided, decided_at=decided,
                               rejection_reasons=["婴幼儿生活用房设在四层。", "户外场地未与车道隔离。"],
                               rejection_basis="《托育机构设置标准（试行）》第三章“场地设施”")
        filing = Filing.objects.select_related("institution", "district").get(pk=filing.pk)
    text = text_of(rejection_pdf_bytes(filing=filing)).replace("\n", "")
    day = timezone.localtime(decided).strftime("%Y年%m月%d日")
    for expected in ("托育机构不予备案告知书", "西湖区知更鸟托育园", filing.institution.uscc, f"你单位于 {day} 提交的备案材料收悉",
                     "1. 婴幼儿生活用房设在四层。", "2. 户外场地未与车道隔离。", "依据：《托育机构设置标准（试行）》第三章“场地设施”",
                     "符合条件后可重新办理备案", "行政复议", "西湖区卫生健康局"):
        assert expected in text, expected
    assert text.rstrip().endswith(day)
