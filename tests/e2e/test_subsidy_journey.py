"""Subsidy journey in chromium: the operator applies for inclusive certification (the guided-price
check runs), the district certifies; the operator enrols a child and generates the March operating
claim (each line explained) and submits it; the district approves (budget charged); the district
admin bundles it into a payout batch and exports it; the export opened with openpyxl reconciles."""

from __future__ import annotations

import datetime as dt
import re

from django_scopes import scopes_disabled
from openpyxl import load_workbook

from subsidies.models import SubsidyBudget, SubsidyClaim
from tests.conftest import PASSWORD
from tests.factories import (
    make_budget,
    make_filed_institution,
    make_guided_prices,
    make_id_number,
    make_subsidy_policy,
)


def test_certification_enrolment_claim_approval_batch_export(new_page, shot, browser_login, make_account, regions,
                                                             tmp_path):
    with scopes_disabled():
        make_guided_prices("330100")
        make_subsidy_policy("330100")
        make_budget("330100", 2026, 10_000_000)
        make_budget("330106", 2026, 10_000_000)
        inst = make_filed_institution(name="西湖区旅程托育园", classes={"toddler": 10, "older_toddler": 10})
    operator = make_account("op_journey", "operator", inst.uscc)
    make_account("rev_journey", "district_reviewer", "330106")
    make_account("adm_journey", "district_admin", "330106")

    op = browser_login(new_page(), operator.username, PASSWORD)
    op.goto(f"/subsidies/institutions/{inst.pk}/certification/")
    op.get_by_label(re.compile("^托小班.*月收费")).fill("200000")
    op.get_by_label(re.compile("^托大班.*月收费")).fill("180000")
    op.get_by_test_id("certification-apply").click()
    assert "待审核" in op.get_by_test_id("certification-status").inner_text()
    shot(op, "certification-applied")

    rev = browser_login(new_page(), "rev_journey", PASSWORD)
    rev.goto(f"/subsidies/institutions/{inst.pk}/certification/")
    rev.get_by_label("认定有效期起").fill("2026-01-01")
    rev.get_by_label("认定有效期至").fill("2028-12-31")
    rev.get_by_test_id("certification-accept").click()
    assert "已认定" in rev.get_by_test_id("certification-status").inner_text()
    shot(rev, "certified")

    op.goto(f"/subsidies/institutions/{inst.pk}/enrolments/")
    op.get_by_label("婴幼儿姓名").fill("林小满")
    op.get_by_label("身份证号码").fill(make_id_number("330106", born=dt.date(2024, 1, 10), seq=8))
    op.get_by_label("出生日期").fill("2024-01-10")
    op.get_by_label("班型").select_option("older_toddler")
    op.get_by_label("入托日期").fill("2026-02-01")
    op.get_by_test_id("enrolment-save").click()
    assert "林小满" in op.get_by_test_id("enrolments").inner_text()
    shot(op, "enrolled")

    op.goto("/subsidies/claims/")
    op.get_by_test_id("claim-period").fill("2026-03")
    op.get_by_test_id("claim-generate").click()
    op.wait_for_url(re.compile(r".*/subsidies/claims/\d+/$"))
    line = op.get_by_test_id("line-林小满").inner_text()
    assert "31" in line and "计入" in line
    assert op.get_by_test_id("claim-amount").inner_text() == "300.00"
    shot(op, "claim-lines")
    op.get_by_test_id("claim-submit").click()
    assert "待区县审核" in op.get_by_test_id("claim-status").inner_text()
    with scopes_disabled():
        claim = SubsidyClaim.objects.get()

    rev.goto(f"/subsidies/claims/{claim.pk}/")
    rev.get_by_test_id("claim-approve").click()
    assert "区县已审核" in rev.get_by_test_id("claim-status").inner_text()
    with scopes_disabled():
        assert SubsidyBudget.objects.get(region_id="330106").committed_fen == 15_000

    adm = browser_login(new_page(), "adm_journey", PASSWORD)
    adm.goto("/subsidies/batches/")
    adm.get_by_test_id(f"batch-claim-{claim.pk}").check()
    adm.get_by_test_id("batch-create").click()
    adm.wait_for_url(re.compile(r".*/subsidies/batches/\d+/$"))
    assert adm.get_by_test_id("batch-total").inner_text() == "300.00"
    shot(adm, "batch")
    adm.get_by_test_id("batch-export-reason").fill("报送财政国库集中支付")
    with adm.expect_download() as info:
        adm.get_by_test_id("batch-export").click()
    path = tmp_path / "batch.xlsx"
    info.value.save_as(path)
    rows = list(load_workbook(path).active.iter_rows(values_only=True))
    items = [r for r in rows[2:] if isinstance(r[0], int)]
    total = next(r for r in rows if r[0] == "合计")
    check = next(r for r in rows if r[0] == "校验")
    assert [r[1] for r in items] == [claim.pk]
    assert sum(r[7] for r in items) == total[7] == check[7] == 30_000
    assert total[8] + total[9] + total[10] == total[7]
