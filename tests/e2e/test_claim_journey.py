"""Claim journey without a pushed registration: sign up, fill the registration facts with the htmx
region picker (province → city → district → township), the district confirms, the operator is in."""

from __future__ import annotations

import re

from django_scopes import scopes_disabled

from accounts.roles import Role
from registry.models import Institution, InstitutionClaim, InstitutionStatus
from tests.conftest import PASSWORD
from tests.e2e.data import png_bytes
from tests.factories import make_uscc


def test_operator_claims_an_unregistered_institution_and_the_district_confirms(
        page, new_page, shot, browser_login, reviewer, regions, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    uscc = make_uscc("330106", seed=4242)

    page.goto("/registry/signup/")
    page.get_by_label("用户名").fill("op_new_claim")
    page.get_by_label("姓名").fill("周敏")
    page.get_by_label("手机号").fill("139 0013 9000")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_label("确认密码").fill(PASSWORD)
    page.get_by_role("button", name="注册").click()
    page.wait_for_url(re.compile(r".*/registry/claim/$"))

    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_role("button", name="下一步").click()
    assert uscc in page.get_by_test_id("claim-no-registration").inner_text()
    page.get_by_label("机构名称").fill("西湖区新芽托育园")
    page.get_by_label("机构性质").select_option("enterprise")
    page.get_by_label("法定代表人", exact=True).fill("周敏")
    page.get_by_label("住所").fill("杭州市西湖区北山街道新芽路 1 号")
    # Each choice loads the next select's options by htmx.
    page.get_by_label("省（自治区、直辖市）").select_option("330000")
    page.wait_for_selector("#id_city option[value='330100']", state="attached")
    page.get_by_label("市（地区、州）").select_option("330100")
    page.wait_for_selector("#id_district option[value='330106']", state="attached")
    assert page.locator("#id_district option[value='330105']").count() == 1  # both districts of the city
    page.get_by_label("区县（备案机关所在地）").select_option("330106")
    page.wait_for_selector("#id_township option[value='330106001']", state="attached")
    page.get_by_label("乡镇街道").select_option("330106001")
    page.get_by_label("登记日期").fill("2026-03-02")
    page.get_by_label("业务范围 / 经营范围").fill("托育服务；婴幼儿照护服务")
    # The evidence: the legal representative claims in person and uploads a signed confirmation.
    page.get_by_label("法定代表人确认书（法定代表人本人申请，签字并加盖公章）").check()
    page.get_by_label("证明材料扫描件（PDF、JPG 或 PNG）").set_input_files(
        {"name": "法定代表人确认书.png", "mimeType": "image/png", "buffer": png_bytes()})
    shot(page, "claim-facts")
    page.get_by_role("button", name="提交认领").click()
    assert "待确认" in page.get_by_test_id("my-claims").inner_text()
    shot(page, "claim-submitted")
    with scopes_disabled():
        institution = Institution.objects.get(uscc=uscc)
        assert (institution.region_id, institution.district_id) == ("330106001", "330106")
        assert institution.status == InstitutionStatus.REGISTERED
        claim = InstitutionClaim.objects.get(institution=institution)

    reviewer_page = new_page()
    browser_login(reviewer_page, reviewer.username, PASSWORD)
    reviewer_page.goto("/registry/claims/")
    row = reviewer_page.locator("tr", has_text="西湖区新芽托育园")
    # The reviewer sees the evidence itself (loaded through the scoped view), then confirms.
    assert "法定代表人确认书" in row.get_by_test_id("claim-evidence").inner_text()
    assert row.get_by_test_id("evidence-image").evaluate("img => img.complete && img.naturalWidth") == 24
    shot(reviewer_page, "claim-evidence")
    row.get_by_role("button", name="确认").click()
    shot(reviewer_page, "claim-confirmed")
    with scopes_disabled():
        claim.refresh_from_db()
        assert claim.status == "confirmed"
        assert claim.user.assignments.filter(role=Role.OPERATOR, institution=institution, is_active=True).exists()

    page.goto("/registry/claim/")
    assert "已确认" in page.get_by_test_id("my-claims").inner_text()
