"""Registry journey in a real browser: an operator files in steps and uploads real PDF/PNG scans, a
reviewer returns it with itemised reasons, the operator sees them, fixes and resubmits, the reviewer
accepts (the page says 回执生成中 until a real Celery worker has rendered the receipt, then offers
it), the receipt PDF downloads with its number and its QR page verifies it."""

from __future__ import annotations

import io
import re
import threading

from django_scopes import scopes_disabled
from pypdf import PdfReader

from registry.models import Filing
from tests.conftest import PASSWORD
from tests.e2e.data import REQUIRED_DOCS, lease_dates, make_roster, pdf_bytes, png_bytes
from tests.factories import InstitutionFactory

DOC_LABELS = {
    "business_licence": "营业执照/法人登记证书",
    "premises_proof": "场地证明（产权或3年以上租赁合同）",
    "staff_certificates": "工作人员资格证书及健康合格证明",
    "hygiene_report": "卫生评价报告（合格）",
    "fire_safety": "消防安全检查合格证明",
}


def upload(page, doc_type: str, name: str, content: bytes, mime: str):
    page.get_by_label("材料类型").select_option(doc_type)
    page.get_by_label("文件（PDF、JPG 或 PNG）").set_input_files({"name": name, "mimeType": mime, "buffer": content})
    page.get_by_role("button", name="上传").click()
    page.get_by_text("材料已上传。").wait_for()


def test_operator_files_reviewer_returns_then_accepts(new_page, shot, browser_login, make_account, reviewer,
                                                      settings, tmp_path, celery_worker_app, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    # The receipt is rendered by the real worker after the accept; held until the page has shown 回执生成中.
    from registry.services import receipts

    release = threading.Event()
    real_render = receipts.receipt_pdf_bytes

    def held_render(*, filing):
        assert release.wait(60), "the journey never released the render"
        return real_render(filing=filing)

    monkeypatch.setattr(receipts, "receipt_pdf_bytes", held_render)
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区小星星托育园", service_types=["full_day"], total_slots=10)
        make_roster(institution)
    operator = make_account("op_star", "operator", institution.uscc)

    # --- operator fills the filing in steps -----------------------------------------------------------
    op = new_page()
    browser_login(op, operator.username, PASSWORD)
    op.get_by_role("link", name="我的机构").click()
    shot(op, "operator-home")
    op.get_by_role("button", name="开始备案").click()
    op.get_by_label("联系电话").fill("138 0013 8000")
    op.get_by_label("服务时间").fill("周一至周五 7:30-17:30")
    shot(op, "step-basic")
    op.get_by_role("button", name="保存并继续").click()

    op.locator("#id_classes-0-name").fill("小一班")
    op.locator("#id_classes-0-class_type").select_option("infant")
    op.locator("#id_classes-0-planned_children").fill("10")
    op.locator("#id_classes-0-carers").fill("4")
    op.locator("#id_classes-0-min_age_months").fill("6")
    op.locator("#id_classes-0-max_age_months").fill("12")
    shot(op, "step-classes")
    op.get_by_role("button", name="保存并继续").click()

    start, end = lease_dates()
    op.get_by_label("建筑面积（㎡）").fill("320")
    op.get_by_label("户外活动场地面积（㎡）").fill("80")
    op.get_by_label("场地性质").select_option("leased")
    op.get_by_label("租赁起始").fill(start)
    op.get_by_label("租赁截止").fill(end)
    op.get_by_label("卫生评价结论为合格").check()
    op.get_by_label("全日托收费（元）").fill("2500")
    shot(op, "step-premises")
    op.get_by_role("button", name="保存并继续").click()

    for i, doc in enumerate(REQUIRED_DOCS):
        if i == 0:
            upload(op, doc, "营业执照.png", png_bytes(), "image/png")
        else:
            upload(op, doc, f"{doc}.pdf", pdf_bytes(doc), "application/pdf")
    docs_table = op.get_by_test_id("documents").inner_text()
    assert all(label in docs_table for label in DOC_LABELS.values())
    shot(op, "step-documents")
    op.get_by_role("link", name="下一步：备案承诺").click()

    op.get_by_label("承诺人（签名）").fill("王园长")
    op.get_by_label(re.compile("本人承诺")).check()
    shot(op, "step-commitment")
    op.get_by_role("button", name="保存并继续").click()

    checklist = op.get_by_test_id("checklist")
    assert checklist.locator("[data-passed='0']").count() == 0, checklist.inner_text()
    assert "全部通过" in op.content()
    shot(op, "step-checklist")
    op.get_by_test_id("submit-filing").click()
    assert op.get_by_test_id("filing-status").inner_text() == "已提交待审核"
    shot(op, "submitted")

    with scopes_disabled():
        filing = Filing.objects.get(institution=institution)

    # --- reviewer returns it with itemised reasons ------------------------------------------------------
    rv = new_page()
    browser_login(rv, reviewer.username, PASSWORD)
    rv.get_by_role("link", name="备案审核").click()
    row = rv.get_by_test_id("queue-row").filter(has_text="西湖区小星星托育园")
    shot(rv, "review-queue")
    row.get_by_role("link", name="审核").click()
    rv.wait_for_url(re.compile(rf"/registry/review/{filing.pk}/$"))  # the review page, loaded (count() does not wait)
    assert rv.get_by_test_id("doc-pdf").count() == 4 and rv.get_by_test_id("doc-image").count() == 1
    # The image really loads through the scoped document view.
    assert rv.get_by_test_id("doc-image").evaluate("img => img.complete && img.naturalWidth") == 24
    rv.get_by_label("退回事项（每行一项）").fill("消防安全检查合格证明不清晰，请重新上传\n场地租赁合同缺少盖章页")
    shot(rv, "review-page")
    rv.get_by_test_id("return").click()
    rv.get_by_text("已退回补正").first.wait_for()
    shot(rv, "returned")

    # --- operator sees the reasons, fixes and resubmits -------------------------------------------------
    op.goto(f"/registry/filings/{filing.pk}/")
    reasons = op.get_by_test_id("return-reasons").inner_text()
    assert "消防安全检查合格证明不清晰" in reasons and "场地租赁合同缺少盖章页" in reasons
    shot(op, "sees-reasons")
    op.get_by_role("link", name="补正材料").click()
    op.get_by_role("link", name="4. 上传材料").click()
    upload(op, "fire_safety", "消防合格证明-清晰版.pdf", pdf_bytes("fire v2"), "application/pdf")
    upload(op, "premises_proof", "租赁合同-含盖章页.pdf", pdf_bytes("lease v2"), "application/pdf")
    shot(op, "reuploaded")
    # The edits voided the signature: the checklist says so, and the operator signs again.
    op.get_by_role("link", name="6. 自查与提交").click()
    assert "签署后修改了备案内容的，须重新签署" in op.content()
    op.get_by_role("link", name="5. 备案承诺").click()
    op.get_by_label("承诺人（签名）").fill("王园长")
    op.get_by_label(re.compile("本人承诺")).check()
    op.get_by_role("button", name="保存并继续").click()  # on to the checklist, all green again
    op.get_by_test_id("checklist").wait_for()  # the checklist page, not the form just left
    assert op.get_by_test_id("checklist").locator("[data-passed='0']").count() == 0
    op.get_by_test_id("submit-filing").click()
    assert op.get_by_test_id("filing-status").inner_text() == "补正后重新提交"
    shot(op, "resubmitted")

    # --- reviewer accepts ----------------------------------------------------------------------------------
    rv.get_by_role("link", name="备案审核").click()
    rv.get_by_test_id("queue-row").filter(has_text="西湖区小星星托育园").get_by_role("link", name="审核").click()
    rv.get_by_test_id("accept").click()
    receipt_no = rv.get_by_test_id("receipt-no").inner_text()
    assert re.fullmatch(r"330106-\d{4}-\d{5}", receipt_no)
    assert rv.get_by_test_id("filing-status").inner_text() == "已通过（已备案）"
    # The number is issued at once; the PDFs come from the worker: the page says so and polls.
    assert rv.get_by_test_id("receipt-state").get_attribute("data-state") == "pending"
    assert "回执生成中" in rv.get_by_test_id("receipt-state").inner_text()
    assert rv.get_by_test_id("download-receipt").count() == 0
    shot(rv, "accepted-receipt-pending")
    release.set()
    rv.get_by_test_id("download-receipt").wait_for(timeout=30_000)  # swapped in by the htmx poll
    assert rv.get_by_test_id("receipt-state").get_attribute("data-state") == "ready"
    shot(rv, "accepted")

    # --- operator downloads the receipt; its QR page verifies it -------------------------------------------
    op.reload()
    assert op.get_by_test_id("receipt-no").inner_text() == receipt_no
    history = op.get_by_test_id("history").inner_text()
    assert "退回补正" in history and "补正后重新提交" in history and "通过备案" in history
    shot(op, "filed")
    with op.expect_download() as info:
        op.get_by_test_id("download-receipt").click()
    path = info.value.path()
    data = open(path, "rb").read()  # noqa: SIM115 - the download is a temporary file owned by Playwright
    assert data.startswith(b"%PDF-")
    assert receipt_no in "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)

    op.goto(f"/verify/{receipt_no}/")
    body = op.locator("body").inner_text()
    assert receipt_no in body and "西湖区小星星托育园" in body and "有效" in body
    shot(op, "verify-page")
