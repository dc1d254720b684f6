"""Pure rule tests: class standards, ratios, staff, premises, documents (no database)."""

import datetime as dt
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from registry import rules
from registry.rules import ClassPlan, FilingFacts, Policy, StaffFacts

TODAY = dt.date(2026, 6, 1)
FRESH = TODAY - dt.timedelta(days=30)
ALL_DOCS = frozenset({"business_licence", "premises_proof", "staff_certificates", "hygiene_report",
                      "fire_safety"})


CARER_CERT = (("childcare", dt.date(2028, 1, 1)),)
HEALTH_CERT = (("health", None),)


def staff(role, name="张三", **kw):
    kw.setdefault("health_certificate_date", FRESH)
    kw.setdefault("criminal_record_date", TODAY - dt.timedelta(days=90))
    if role == "caregiver":
        kw.setdefault("qualifications", CARER_CERT)
    elif role in ("health_full_time", "health_part_time"):
        kw.setdefault("qualifications", HEALTH_CERT)
    return StaffFacts(name=name, role=role, **kw)


def plan(class_type, children, carers, name="", ages=None):
    """A class with the age range of its type unless ``ages`` says otherwise."""
    low, under = ages or {"infant": (6, 12), "toddler": (12, 24), "older_toddler": (24, 36),
                          "mixed": (18, 36)}[class_type]
    return ClassPlan(class_type, children, carers, name, low, under)


def good_facts(**overrides) -> FilingFacts:
    base = dict(
        kind="initial", institution_kind="institution", today=TODAY, total_slots=25,
        classes=(plan("infant", 10, 4, "小一班"), plan("toddler", 15, 3, "小二班")),
        staff=(staff("principal", "王园长", education="bachelor", years_experience=5),
               *[staff("caregiver", f"保育员{i}") for i in range(7)],
               staff("health_part_time", "李保健"),
               staff("security_guard", "赵保安", qualifications=(("security", dt.date(2028, 1, 1)),))),
        documents=ALL_DOCS, premises_type="leased", lease_start=dt.date(2026, 1, 1),
        lease_end=dt.date(2029, 6, 1), hygiene_evaluation_passed=True, commitment_signed=True,
    )
    base.update(overrides)
    return FilingFacts(**base)


def by_code(checks, code):
    return [c for c in checks if c.code == code]


def test_complete_filing_passes_every_check():
    checks = rules.run_checks(good_facts(), Policy())
    assert rules.failed(checks) == []
    assert {c.code for c in checks} >= {"class_size", "class_ratio", "total_slots", "principal", "health_staff",
                                        "security_guard", "health_certificates", "premises", "documents",
                                        "hygiene", "commitment", "class_age_range", "age_limits", "lease_term",
                                        "caregiver_qualifications", "health_staff_qualifications",
                                        "criminal_record_checks"}
    # No blacklist yet (supervision issue): no blacklist item, rather than a pass nobody checked.
    assert "blacklist" not in {c.code for c in checks}


def test_ten_infants_need_four_carers_and_reason_names_numbers():
    [size, ratio] = rules.check_class(ClassPlan("infant", 10, 3, "小一班"), Policy())
    assert size.passed
    assert not ratio.passed
    assert ratio.reason == "乳儿班「小一班」计划收托 10 人，需保育人员 4 名，现有 3 名"


@pytest.mark.parametrize(("class_type", "maximum", "per"), [
    ("infant", 10, 3), ("toddler", 15, 5), ("older_toddler", 20, 7), ("mixed", 18, 5)])
def test_class_maximum_and_ratio(class_type, maximum, per):
    ok = rules.check_class(ClassPlan(class_type, maximum, math.ceil(maximum / per), min_age_months=18), Policy())
    assert all(c.passed for c in ok)
    too_big = rules.check_class(ClassPlan(class_type, maximum + 1, 10, min_age_months=18), Policy())
    assert not by_code(too_big, "class_size")[0].passed
    short = rules.check_class(ClassPlan(class_type, maximum, math.ceil(maximum / per) - 1, min_age_months=18),
                              Policy())
    assert not by_code(short, "class_ratio")[0].passed


def test_mixed_class_ratio_and_min_age_come_from_policy():
    mixed = plan("mixed", 18, 3)
    assert not by_code(rules.check_class(mixed, Policy()), "class_ratio")[0].passed  # 1:5 needs 4
    assert by_code(rules.check_class(mixed, Policy(mixed_children_per_carer=6)), "class_ratio")[0].passed
    young = rules.check_class(plan("mixed", 10, 2, ages=(12, 36)), Policy())
    [age] = by_code(young, "class_age_range")
    assert not age.passed and "满 18 个月" in age.reason and "12–36 个月" in age.reason
    assert by_code(rules.check_class(plan("mixed", 10, 2, ages=(12, 36)), Policy(mixed_min_age_months=12)),
                   "class_age_range")[0].passed
    missing = good_facts(classes=(ClassPlan("mixed", 10, 2, min_age_months=18),), total_slots=10)
    [limits] = by_code(rules.run_checks(missing, Policy()), "age_limits")
    assert not limits.passed and "未填写收托月龄范围：混龄班" in limits.reason


@given(children=st.integers(min_value=0, max_value=10_000), per=st.integers(min_value=1, max_value=50))
def test_carers_needed_is_the_smallest_sufficient_number(children, per):
    need = rules.carers_needed(children, per)
    assert need * per >= children
    assert need == 0 or (need - 1) * per < children


@given(children=st.integers(min_value=1, max_value=20), carers=st.integers(min_value=0, max_value=20))
def test_infant_ratio_check_agrees_with_arithmetic(children, carers):
    [_, ratio] = rules.check_class(ClassPlan("infant", children, carers), Policy())
    assert ratio.passed == (carers * 3 >= children)


def test_home_daycare_point_limits():
    facts = good_facts(institution_kind="home_daycare", classes=(ClassPlan("mixed", 6, 1, min_age_months=18),),
                       total_slots=6)
    checks = rules.run_checks(facts, Policy())
    size = by_code(checks, "home_daycare_size")[0]
    assert not size.passed and "按托育机构备案" in size.reason
    ratio = by_code(checks, "home_daycare_ratio")[0]
    assert not ratio.passed
    assert ratio.reason == "家庭托育点计划收托 6 人，需照护人员 2 名，现有 1 名"
    five = good_facts(institution_kind="home_daycare", classes=(ClassPlan("mixed", 5, 2),), total_slots=5)
    assert by_code(rules.run_checks(five, Policy()), "home_daycare_size")[0].passed
    assert by_code(rules.run_checks(five, Policy()), "home_daycare_ratio")[0].passed
    assert not by_code(rules.run_checks(five, Policy()), "security_guard")  # not required for a home point


def test_health_staff_full_time_from_threshold():
    big = tuple(ClassPlan("older_toddler", 20, 3) for _ in range(8))  # 160 children
    facts = good_facts(classes=big, total_slots=160)
    check = rules.check_health_staff(facts, Policy())
    assert not check.passed and "≥150" in check.reason
    with_full = good_facts(classes=big, staff=(*facts.staff, staff("health_full_time")))
    assert rules.check_health_staff(with_full, Policy()).passed
    assert rules.check_health_staff(good_facts(staff=()), Policy()).passed is False


def test_security_guard_needs_valid_licence():
    expired = good_facts(staff=(staff("security_guard", qualifications=(("security", TODAY - dt.timedelta(1)),)),))
    assert not rules.check_security_guard(expired).passed
    unlicensed = good_facts(staff=(staff("security_guard"),))
    assert not rules.check_security_guard(unlicensed).passed


@pytest.mark.parametrize(("education", "years", "ok"), [
    ("college", 3, True), ("bachelor", 2, False), ("below_college", 10, False), ("", 5, False)])
def test_principal_degree_and_experience(education, years, ok):
    facts = good_facts(staff=(staff("principal", education=education, years_experience=years),))
    assert rules.check_principal(facts).passed is ok


def test_health_certificate_older_than_twelve_months_fails_and_names_person():
    old = staff("caregiver", "陈过期", health_certificate_date=dt.date(2025, 5, 31))
    just_valid = staff("caregiver", "林有效", health_certificate_date=dt.date(2025, 6, 1))
    check = rules.check_health_certificates(good_facts(staff=(old, just_valid)), Policy())
    assert not check.passed
    assert "陈过期" in check.reason and "林有效" not in check.reason
    missing = staff("cook", "周未检", health_certificate_date=None)
    assert "周未检" in rules.check_health_certificates(good_facts(staff=(missing,)), Policy()).reason


def test_lease_must_cover_three_years():
    short = good_facts(lease_start=dt.date(2026, 1, 1), lease_end=dt.date(2028, 12, 31))
    assert not rules.check_lease_term(short, Policy()).passed
    assert rules.check_premises(good_facts(premises_type="owned", lease_start=None), Policy()).passed
    assert rules.check_lease_term(good_facts(premises_type="owned", lease_start=None), Policy()) is None
    assert not rules.check_premises(good_facts(premises_type=""), Policy()).passed
    assert not rules.check_premises(good_facts(lease_end=None), Policy()).passed
    assert rules.check_lease_term(short, Policy(min_lease_years=2)).passed


def test_documents_food_licence_only_when_meals_served():
    assert rules.check_documents(good_facts()).passed
    meals = rules.check_documents(good_facts(meals_served=True))
    assert not meals.passed and "食品经营许可证" in meals.reason
    assert rules.check_documents(good_facts(meals_served=True, documents=ALL_DOCS | {"food_licence"})).passed
    none = rules.check_documents(good_facts(documents=frozenset()))
    assert all(label in none.reason for label in ("营业执照", "消防", "卫生评价报告", "场地证明"))


def test_total_slots_must_equal_planned_children():
    check = rules.check_total_slots(good_facts(total_slots=30))
    assert not check.passed and "30" in check.reason and "25" in check.reason


def test_blacklist_hook():
    assert rules.check_blacklist(good_facts(blacklist_hits=())).passed
    assert not rules.check_blacklist(good_facts(blacklist_hits=("某某",))).passed
    checks = rules.run_checks(good_facts(blacklist_hits=("某某",)), Policy())
    assert [c.code for c in rules.failed(checks)] == ["blacklist"]


def test_termination_checks_only_date_and_the_children_and_staff_plans():
    checks = rules.run_checks(FilingFacts(kind="termination", institution_kind="institution", today=TODAY,
                                          commitment_signed=True), Policy())
    assert {c.code for c in rules.failed(checks)} == {"termination_date", "placement_plan", "staff_settlement"}
    settled = rules.run_checks(FilingFacts(kind="termination", institution_kind="institution", today=TODAY,
                                           commitment_signed=True, termination_date=TODAY, placement_plan="转入邻近机构",
                                           staff_settlement_plan=" 协商解除劳动合同 "), Policy())
    assert rules.failed(settled) == []
    blank = rules.run_checks(FilingFacts(kind="termination", institution_kind="institution", today=TODAY,
                                         commitment_signed=True, termination_date=TODAY, placement_plan="转入邻近机构",
                                         staff_settlement_plan="  "), Policy())
    assert [c.code for c in rules.failed(blank)] == ["staff_settlement"]


def test_a_change_asks_again_only_for_the_materials_its_changes_touch():
    all_docs = frozenset(rules.DOC_LABELS) - {rules.DOC_FOOD}
    carried = good_facts(kind="change", documents=all_docs, carried_documents=all_docs, changes={"name": ["甲", "乙"]})
    states = {n.doc_type: n.state for n in rules.document_needs(carried)}
    assert states == {"business_licence": "renew", "premises_proof": "carried", "staff_certificates": "carried",
                      "hygiene_report": "carried", "fire_safety": "carried"}
    check = rules.check_documents(carried)
    assert not check.passed and check.reason == "因变更「机构名称」须重新提交：营业执照/法人登记证书"
    fresh = good_facts(kind="change", documents=all_docs, carried_documents=all_docs - {"business_licence"},
                       changes={"name": ["甲", "乙"]})
    passed = rules.check_documents(fresh)
    assert passed.passed and passed.reason.startswith("材料齐全（沿用已备案材料 4 项：")
    # A move asks for the premises' materials, with the food licence where meals are served.
    moved = good_facts(kind="change", meals_served=True, documents=all_docs | {"food_licence"},
                       carried_documents=all_docs | {"food_licence"}, changes={"address": ["A", "B"]})
    assert {n.doc_type for n in rules.document_needs(moved) if n.state == "renew"} == {
        "business_licence", "premises_proof", "hygiene_report", "fire_safety", "food_licence"}
    # An initial filing never counts anything as carried over, and a missing one is missing.
    initial = good_facts(documents=all_docs - {"fire_safety"})
    assert rules.check_documents(initial).reason == "缺少材料：消防安全检查合格证明"
    # The lease and the township are changes too.
    assert rules.check_changes(good_facts(kind="change", changes={"lease_end": ["2029-06-30", "2034-06-30"]})).passed
    assert rules.check_changes(good_facts(kind="change", changes={"region": ["330106001", "330106002"]})).passed


def test_change_filing_needs_a_change_and_diff_compares_service_types_as_sets():
    current = {"name": "甲", "address": "A", "principal_name": "王", "service_types": ["full_day", "hourly"],
               "total_slots": 25}
    same = dict(current, service_types=["hourly", "full_day"])
    assert rules.diff(current, same) == {}
    changed = dict(current, name="乙", total_slots=30)
    assert rules.diff(current, changed) == {"name": ["甲", "乙"], "total_slots": [25, 30]}
    assert not rules.check_changes(good_facts(kind="change")).passed
    assert rules.check_changes(good_facts(kind="change", changes={"name": ["甲", "乙"]})).passed


def test_policy_from_region_values():
    policy = Policy.from_values({"ratio.mixed_children_per_carer": 4, "filing.review_working_days": 3})
    assert policy.mixed_children_per_carer == 4 and policy.review_working_days == 3
    assert policy.min_lease_years == 3


def test_notice_item_joins_label_and_reason():
    [_, ratio] = rules.check_class(ClassPlan("infant", 10, 3), Policy())
    assert rules.notice_item(ratio) == "乳儿班保育人员配比（1:3）：乳儿班计划收托 10 人，需保育人员 4 名，现有 3 名"


def test_policy_defaults_are_the_one_national_table():
    """rules.Policy keeps no numbers of its own: every default is regions.policy's national value."""
    import dataclasses

    from regions.policy import DEFAULTS

    keys = [f.metadata["key"] for f in dataclasses.fields(Policy)]
    assert len(set(keys)) == len(keys) and set(keys) <= set(DEFAULTS)
    assert {f.name: getattr(Policy(), f.name) for f in dataclasses.fields(Policy)} == \
        {f.name: (tuple(v) if isinstance(v := DEFAULTS[f.metadata["key"]], list) else v)
         for f in dataclasses.fields(Policy)}
    assert Policy.from_values(DEFAULTS) == Policy()


def test_notice_states_the_numbers_the_checks_apply():
    """Each ratio in the basic-conditions notice is the one check_class applies under the policy."""
    policy = Policy(mixed_children_per_carer=4, mixed_min_age_months=20, home_daycare_children_per_carer=2,
                    home_daycare_max_children=4, min_lease_years=5, health_certificate_valid_months=6)
    lines = rules.conditions_notice_lines(policy)
    for class_type in (rules.INFANT, rules.TODDLER, rules.OLDER_TODDLER, rules.MIXED):
        [line] = [x for x in lines if x.startswith(rules.CLASS_LABELS[class_type])]
        assert f"1:{rules.class_children_per_carer(class_type, policy)}；" in line or \
            f"1:{rules.class_children_per_carer(class_type, policy)}，" in line
        assert f"不超过 {rules.CLASS_MAX_CHILDREN[class_type]} 人" in line
    text = "".join(lines)
    assert "1:4" in text and "满 20 个月" in text and "每 6 个月" in text and "不少于 5 年" in text
    home = "".join(rules.conditions_notice_lines(policy, rules.HOME_DAYCARE))
    assert "不超过 4 人" in home and "1:2" in home


# --- rules the checklist used to miss (issue 8) -------------------------------------------------------

@pytest.mark.parametrize(("class_type", "ages", "ok"), [
    ("infant", (6, 12), True), ("infant", (6, 13), False), ("infant", (5, 12), False), ("infant", (8, 10), True),
    ("toddler", (12, 24), True), ("toddler", (10, 24), False), ("toddler", (12, 25), False),
    ("older_toddler", (24, 36), True), ("older_toddler", (24, 37), False), ("older_toddler", (20, 36), False),
    ("mixed", (18, 36), True), ("mixed", (17, 36), False), ("mixed", (24, 30), True),
    ("infant", (12, 6), False), ("toddler", (12, 12), False),
])
def test_class_age_range_must_fit_its_type(class_type, ages, ok):
    [check] = by_code(rules.check_class(plan(class_type, 5, 5, "甲班", ages=ages), Policy()), "class_age_range")
    assert check.passed is ok
    assert f"{ages[0]}–{ages[1]} 个月" in check.reason  # names what was filed


def test_class_age_range_reason_names_the_band_and_the_class():
    check = rules.check_class_age_range(plan("infant", 8, 3, "乳一班", ages=(6, 18)), Policy())
    assert check.code == "class_age_range" and check.label == "乳儿班「乳一班」收托月龄（6–12 个月）"
    assert check.reason == "乳儿班收托满 6 个月、不满 12 个月的婴幼儿，乳儿班「乳一班」填报 6–18 个月，超出班型月龄范围"


def test_no_class_takes_a_child_under_six_months_or_of_thirty_six_months_or_more():
    ok = rules.check_age_limits(good_facts())
    assert ok.passed and ok.code == "age_limits"
    young = rules.check_age_limits(good_facts(classes=(plan("infant", 10, 4, "乳一班", ages=(3, 12)),)))
    assert not young.passed and "收托不满 6 个月的婴幼儿：乳儿班「乳一班」（3 个月起）" in young.reason
    old = rules.check_age_limits(good_facts(classes=(plan("mixed", 10, 2, "混一班", ages=(18, 48)),)))
    assert not old.passed and "收托 36 个月及以上的婴幼儿：混龄班「混一班」（不满 48 个月）" in old.reason
    missing = rules.check_age_limits(good_facts(classes=(ClassPlan("toddler", 10, 2, "托一班"),)))
    assert not missing.passed and "未填写收托月龄范围：托小班「托一班」" in missing.reason


def test_home_daycare_has_no_six_month_floor_but_the_thirty_six_month_ceiling_holds():
    facts = good_facts(institution_kind="home_daycare", total_slots=3,
                       classes=(plan("mixed", 3, 1, ages=(3, 36)),))
    checks = rules.run_checks(facts, Policy())
    assert by_code(checks, "age_limits")[0].passed
    assert not by_code(checks, "class_age_range")  # class types' bands are the institution standard
    over = good_facts(institution_kind="home_daycare", total_slots=3, classes=(plan("mixed", 3, 1, ages=(3, 40)),))
    assert not rules.check_age_limits(over).passed


def test_lease_must_be_running_and_run_three_years_from_the_effective_date():
    # A three-year contract that has mostly run out: long enough once, not any more.
    old_contract = good_facts(lease_start=dt.date(2024, 1, 1), lease_end=dt.date(2027, 6, 1))
    check = rules.check_lease_term(old_contract, Policy())
    assert check.code == "lease_term" and not check.passed
    assert check.reason == ("租赁期限 2024-01-01 至 2027-06-01，自备案之日（2026-06-01）起不足 3 年"
                            "（租期须至少至 2029-06-01）")
    ended = rules.check_lease_term(good_facts(lease_start=dt.date(2020, 1, 1), lease_end=dt.date(2026, 5, 31)),
                                   Policy())
    assert not ended.passed and "租赁已于 2026-05-31 到期" in ended.reason
    not_started = rules.check_lease_term(good_facts(lease_start=dt.date(2026, 7, 1), lease_end=dt.date(2031, 7, 1)),
                                         Policy())
    assert not not_started.passed and "尚未开始" in not_started.reason
    exactly = rules.check_lease_term(good_facts(lease_start=dt.date(2026, 6, 1), lease_end=dt.date(2029, 6, 1)),
                                     Policy())
    assert exactly.passed
    one_day_short = good_facts(lease_start=dt.date(2026, 6, 1), lease_end=dt.date(2029, 5, 31))
    assert not rules.check_lease_term(one_day_short, Policy()).passed
    assert rules.check_lease_term(one_day_short, Policy(min_lease_years=2)).passed


def test_carers_need_a_recognised_qualification_and_are_named():
    facts = good_facts(staff=(staff("caregiver", "刘无证", qualifications=()),
                              staff("caregiver", "黄过期", qualifications=(("childcare", TODAY - dt.timedelta(1)),)),
                              staff("caregiver", "马教师", qualifications=(("teacher", None),)),
                              staff("caregiver", "何有证")))
    check = rules.check_caregiver_qualifications(facts, Policy())
    assert check.code == "caregiver_qualifications" and not check.passed
    assert "刘无证" in check.reason and "黄过期" in check.reason and "马教师" in check.reason
    assert "何有证" not in check.reason and "保育师/育婴员证书" in check.reason
    # A region that recognises a teacher's certificate for carers (regions.policy list).
    region = Policy.from_values({"staff.caregiver_qualifications": ["childcare", "teacher"]})
    again = rules.check_caregiver_qualifications(facts, region)
    assert "马教师" not in again.reason and "刘无证" in again.reason
    assert rules.check_caregiver_qualifications(good_facts(), Policy()).passed


def test_health_staff_need_a_health_care_qualification_and_are_named():
    facts = good_facts(staff=(staff("health_full_time", "郑医生"), staff("health_part_time", "冯兼职", qualifications=()),
                              staff("caregiver", "何有证")))
    check = rules.check_health_staff_qualifications(facts, Policy())
    assert check.code == "health_staff_qualifications" and not check.passed
    assert check.reason == "保健人员须持有有效的医师/护士执业证书，1 名未持有或已过期：冯兼职"
    assert rules.check_health_staff_qualifications(good_facts(), Policy()).passed
    # A home daycare point needs no health staff; one it has is still checked.
    home = dict(institution_kind="home_daycare", classes=(plan("mixed", 3, 1),), total_slots=3)
    alone = good_facts(**home, staff=(staff("principal", "王园长", education="college", years_experience=3),
                                      staff("caregiver", "何有证")))
    assert not by_code(rules.run_checks(alone, Policy()), "health_staff_qualifications")
    unqualified = good_facts(**home, staff=(*alone.staff, staff("health_part_time", "冯兼职", qualifications=())))
    [check] = by_code(rules.run_checks(unqualified, Policy()), "health_staff_qualifications")
    assert not check.passed and "冯兼职" in check.reason


def test_every_staff_member_needs_a_recent_criminal_record_check_named_when_missing():
    months12 = TODAY - dt.timedelta(days=365)  # 2025-06-01: exactly 12 months before
    facts = good_facts(staff=(staff("cook", "褚没查", criminal_record_date=None),
                              staff("caregiver", "钱过旧", criminal_record_date=months12 - dt.timedelta(days=1)),
                              staff("caregiver", "孙刚好", criminal_record_date=months12),
                              staff("principal", "王园长", education="college", years_experience=3)))
    check = rules.check_criminal_records(facts, Policy())
    assert check.code == "criminal_record_checks" and not check.passed
    assert check.label == "无犯罪记录证明（12 个月内）"
    assert check.reason == "在职人员 4 名，其中 1 名未提供：褚没查；1 名开具已超过 12 个月：钱过旧"
    six = rules.check_criminal_records(facts, Policy.from_values({"staff.criminal_record_valid_months": 6}))
    assert "孙刚好" in six.reason and six.label == "无犯罪记录证明（6 个月内）"
    assert rules.check_criminal_records(good_facts(), Policy()).passed
    assert not rules.check_criminal_records(good_facts(staff=()), Policy()).passed


@pytest.mark.parametrize(("scope", "filed", "shown", "ok"), [
    ("托育服务（全日托、半日托）", ("full_day", "half_day"), True, True),
    ("托育服务（全日托、半日托）", ("full_day", "hourly"), True, False),
    ("托育服务（全日托育、计时托育、临时托育）", ("full_day", "hourly", "occasional"), True, True),
    ("托育服务", ("full_day", "hourly"), False, None),  # names no service type: nothing to compare
    ("", ("full_day",), False, None),
])
def test_enterprise_business_scope_names_the_filed_service_types(scope, filed, shown, ok):
    facts = good_facts(institution_nature="enterprise", business_scope=scope, service_types=filed)
    check = rules.check_business_scope(facts)
    assert (check is not None) is shown
    if shown:
        assert check.code == "business_scope" and check.passed is ok
        assert by_code(rules.run_checks(facts, Policy()), "business_scope") == [check]
    if ok is False:
        assert check.reason.endswith("经营范围未包含：计时托")


def test_business_scope_is_not_checked_without_a_registration_or_for_non_enterprises():
    assert rules.check_business_scope(good_facts(institution_nature="enterprise", business_scope=None,
                                                 service_types=("hourly",))) is None
    assert rules.check_business_scope(good_facts(institution_nature="public_institution",
                                                 business_scope="全日托", service_types=("hourly",))) is None


def test_policy_lists_from_region_values():
    policy = Policy.from_values({"staff.caregiver_qualifications": ["childcare", "teacher"],
                                 "staff.health_staff_qualifications": ["health"],
                                 "staff.criminal_record_valid_months": 6})
    assert policy.caregiver_qualifications == ("childcare", "teacher")
    assert policy.criminal_record_valid_months == 6


def test_policy_defaults_match_the_regions_national_defaults():
    from regions.policy import DEFAULTS

    assert Policy.from_values(DEFAULTS) == Policy()
