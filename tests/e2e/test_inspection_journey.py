"""Random inspection journey (双随机一公开), in a real browser: the district admin builds the roster and a
plan and draws it; an inspector records the checklist on the tablet page (one item does not conform,
with a photo), both inspectors sign off and the result is published; the operator answers the
rectification order with evidence; the inspector verifies it; the public institution page shows the
result."""

from __future__ import annotations

from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionStatus
from supervision.models import Inspection, InspectionStatus, OrderStatus, RectificationOrder
from tests.conftest import PASSWORD
from tests.factories import FilingFactory, InstitutionFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 128


def test_plan_draw_inspect_order_reply_verify_and_publish(new_page, shot, browser_login, make_account, regions,
                                                          settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区抽检托育园", status=InstitutionStatus.FILED)
        filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00777",
                               decided_at=timezone.now(), name=institution.name, institution_kind=institution.kind)
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing)
    admin = make_account("xh_admin_e2e", "district_admin", "330106")
    inspector = make_account("xh_inspector_e2e", "district_inspector", "330106")
    operator = make_account("op_e2e", "operator", institution.uscc)
    photo = tmp_path / "现场.png"
    photo.write_bytes(PNG)

    # 1. The admin builds the roster and a plan, and draws it.
    page = new_page()
    browser_login(page, admin.username, PASSWORD)
    page.goto("/supervision/inspectors/")
    for name, department in (("周检查", "卫生健康"), ("王消防", "消防救援")):
        form = page.get_by_test_id("inspector-form")
        form.get_by_label("姓名").fill(name)
        form.get_by_label("部门").select_option(label=department)
        form.get_by_role("button", name="加入").click()
        assert "已加入检查人员名录" in page.get_by_role("alert").first.inner_text()
    shot(page, "roster")
    page.goto("/supervision/inspection-plans/new/")
    form = page.get_by_test_id("plan-form")
    form.get_by_label("计划名称").fill("2026年第二季度双随机抽查")
    form.get_by_label("检查期间起始日").fill("2026-04-01")
    form.get_by_label("检查期间截止日").fill("2026-06-30")
    form.get_by_label("消防救援").check()
    form.get_by_label("B 级抽查比例（%）").fill("100")
    form.get_by_label("随机种子（可选，留空自动生成）").fill("20260401")
    form.get_by_role("button", name="创建计划").click()
    assert page.get_by_test_id("seed").inner_text() == "20260401"
    page.get_by_test_id("draw").click()
    assert "第 1 次抽取完成（种子 20260401）" in page.get_by_role("alert").first.inner_text()
    assert "西湖区抽检托育园" in page.get_by_test_id("plan-inspections").inner_text()
    shot(page, "drawn")
    with scopes_disabled():
        inspection = Inspection.objects.get(institution=institution)

    # 2. The inspector records every item on the tablet page, signs for both, and publishes.
    page = new_page()
    browser_login(page, inspector.username, PASSWORD)
    page.goto(f"/supervision/inspections/{inspection.pk}/")
    sheet = page.get_by_test_id("sheet")
    for label in sheet.locator("label.btn-outline-success").all():
        label.click()
    cctv = page.get_by_test_id("item-safety.cctv")
    cctv.locator("label.btn-outline-danger").click()
    cctv.get_by_placeholder("说明（不符合时必填）").fill("午睡室无监控")
    page.set_input_files("#photo", str(photo))
    shot(page, "sheet-filled")
    page.get_by_test_id("save-findings").click()
    assert "已保存" in page.get_by_role("alert").first.inner_text()
    with scopes_disabled():
        assigned = list(inspection.assigned.order_by("inspector_id").values_list("inspector_id", flat=True))
    signatures = page.get_by_test_id("signatures")
    signatures.get_by_placeholder("检查结论（公示，可留空）").first.fill("发现 1 项不符合要求，责令限期整改。")
    page.get_by_test_id(f"sign-{assigned[0]}").click()
    assert "等待其他检查人员签字" in page.get_by_role("alert").first.inner_text()
    page.get_by_test_id(f"sign-{assigned[1]}").click()
    assert "检查完成" in page.get_by_role("alert").first.inner_text()
    page.get_by_test_id("publish").click()
    assert "已公示" in page.get_by_test_id("inspection-status").inner_text()
    shot(page, "published")
    with scopes_disabled():
        order = RectificationOrder.objects.get(inspection=inspection)
        assert Inspection.objects.get(pk=inspection.pk).status == InspectionStatus.PUBLISHED

    # 3. The operator answers the order with evidence.
    op_page = new_page()
    browser_login(op_page, operator.username, PASSWORD)
    op_page.goto("/supervision/rectification/")
    op_page.get_by_role("link", name=f"#{order.pk}").click()
    assert "午睡室无监控" in op_page.get_by_test_id("order-items").inner_text()
    op_page.get_by_test_id("reply-form").get_by_label("整改情况").fill("已在午睡室加装监控，录像保存 90 日。")
    op_page.set_input_files("#files", str(photo))
    op_page.get_by_test_id("reply").click()
    assert "等待检查人员核验" in op_page.get_by_role("alert").first.inner_text()
    shot(op_page, "replied")

    # 4. The inspector verifies it.
    page.goto(f"/supervision/rectification/{order.pk}/")
    assert "已在午睡室加装监控" in page.get_by_test_id("replies").inner_text()
    page.get_by_test_id("accept-form").get_by_label("核验意见").fill("现场复核通过")
    page.get_by_test_id("accept").click()
    assert "整改完成" in page.get_by_test_id("order-status").inner_text()
    shot(page, "verified")
    with scopes_disabled():
        assert RectificationOrder.objects.get(pk=order.pk).status == OrderStatus.CLOSED

    # 5. The public page shows the result, without any person's data.
    public = new_page()
    public.goto(f"/institutions/{institution.pk}/")
    section = public.get_by_test_id("public-section-inspections").inner_text()
    assert "发现 1 项不符合要求，责令限期整改。" in section and "婴幼儿活动区域视频监控全覆盖" in section
    assert "整改完成" in section
    assert "周检查" not in section and "午睡室无监控" not in section
    shot(public, "public-page")
