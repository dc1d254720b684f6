"""Subsidy administration in chromium: the city admin publishes the city's policy and sets its budget
on the policy page; the operator applies for a construction subsidy and uploads its evidence; the
district reviewer approves (the budgets charged); the district admin makes a payout batch and marks it
paid with the bank reference; then records a clawback, which waits for the next batch."""

from __future__ import annotations

import re

from django.utils import timezone
from django_scopes import scopes_disabled

from subsidies.models import PayoutItem, SubsidyBudget, SubsidyClaim, SubsidyPolicy
from tests.conftest import PASSWORD
from tests.factories import make_budget, make_certification, make_filed_institution, make_guided_prices


def test_policy_budget_evidence_approval_payout_and_clawback(new_page, shot, browser_login, make_account, regions,
                                                            tmp_path):
    year = timezone.localdate().year
    with scopes_disabled():
        make_guided_prices("330100")
        make_budget("330106", year, 10_000_000)
        inst = make_filed_institution(name="西湖区建设托育园", classes={"toddler": 10, "older_toddler": 10})
        make_certification(inst, start=timezone.localdate().replace(month=1, day=1),
                           end=timezone.localdate().replace(year=year + 2))
    make_account("hz_city_journey", "city_admin", "330100")
    operator = make_account("op_build", "operator", inst.uscc)
    make_account("rev_build", "district_reviewer", "330106")
    make_account("adm_build", "district_admin", "330106")

    city = browser_login(new_page(), "hz_city_journey", PASSWORD)
    city.goto("/subsidies/policies/")
    form = city.get_by_test_id("policy-form")
    for label, value in (("生效日期", f"{year}-01-01"), ("建设补助下限（元/托位）", "400"),
                         ("建设补助上限（元/托位）", "600"), ("建设补助标准（元/托位）", "500"),
                         ("运营补助标准（元/人·月）", "300"), ("计入月份的最少合格天数", "15"),
                         ("最低收托率（%，0 为不设）", "0"), ("省级承担（%）", "0"), ("市级承担（%）", "50"),
                         ("区县承担（%）", "50")):
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_label("须为普惠托育机构").check()
    form.get_by_label("须已备案且未暂停").check()
    form.get_by_test_id("policy-publish").click()
    assert "现行" in city.get_by_test_id("policy-v1").inner_text()
    budget = city.get_by_test_id("budget-form")
    budget.get_by_label("年度", exact=True).fill(str(year))
    budget.get_by_label("年度预算（元）").fill("100000")
    budget.get_by_test_id("budget-save").click()
    assert city.get_by_test_id(f"budget-330100-{year}").inner_text() == "100000.00"
    shot(city, "policy-and-budget")
    with scopes_disabled():
        assert SubsidyPolicy.objects.get(region_id="330100").construction_rate_fen == 50_000

    op = browser_login(new_page(), operator.username, PASSWORD)
    op.goto("/subsidies/claims/")
    op.get_by_test_id("construction-slots").fill("4")
    op.get_by_test_id("construction-apply").click()
    op.wait_for_url(re.compile(r".*/subsidies/claims/\d+/$"))
    assert op.get_by_test_id("claim-amount").inner_text() == "2000.00"
    evidence = tmp_path / "新增托位验收照片.pdf"
    evidence.write_bytes(b"%PDF-1.4\n% acceptance photos\n")
    op.get_by_test_id("evidence-form").locator("input[type=file]").set_input_files(str(evidence))
    op.get_by_test_id("evidence-upload").click()
    assert "新增托位验收照片" in op.get_by_test_id("evidence").inner_text()
    op.get_by_test_id("claim-submit").click()
    assert "待区县审核" in op.get_by_test_id("claim-status").inner_text()
    shot(op, "construction-submitted")
    with scopes_disabled():
        claim = SubsidyClaim.objects.get()

    rev = browser_login(new_page(), "rev_build", PASSWORD)
    rev.goto(f"/subsidies/claims/{claim.pk}/")
    rev.get_by_test_id("claim-approve").click()
    assert "区县已审核" in rev.get_by_test_id("claim-status").inner_text()
    with scopes_disabled():
        assert {b.region_id: b.committed_fen for b in SubsidyBudget.objects.all()} == {"330100": 100_000,
                                                                                     "330106": 100_000}

    adm = browser_login(new_page(), "adm_build", PASSWORD)
    adm.goto("/subsidies/batches/")
    adm.get_by_test_id(f"batch-claim-{claim.pk}").check()
    adm.get_by_test_id("batch-create").click()
    adm.wait_for_url(re.compile(r".*/subsidies/batches/\d+/$"))
    assert adm.get_by_test_id("batch-total").inner_text() == "2000.00"
    adm.get_by_label("银行流水号").fill("NB20260301-0001")
    adm.get_by_test_id("batch-pay").click()
    assert "已拨付" in adm.get_by_test_id("batch-status").inner_text()
    shot(adm, "batch-paid")

    adm.goto(f"/subsidies/claims/{claim.pk}/")
    assert "已拨付" in adm.get_by_test_id("claim-status").inner_text()
    clawback = adm.get_by_test_id("clawback-form")
    clawback.locator("input[name=amount_fen]").fill("500")
    clawback.locator("input[name=reason]").fill("一个托位验收不合格")
    adm.get_by_test_id("clawback-save").click()
    assert "待计入下一拨付批次" in adm.get_by_test_id("clawbacks").inner_text()
    shot(adm, "clawback")
    with scopes_disabled():
        item = PayoutItem.objects.get(claim=claim, kind="clawback")
        assert (item.amount_fen, item.batch_id) == (-50_000, None)
        assert item.city_share_fen + item.district_share_fen == -50_000
