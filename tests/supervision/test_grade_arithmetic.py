# ruff: noqa: F811 - pytest fixtures imported from tests/supervision/enforcement.py are arguments by name
"""Risk and credit grades on hand-computed fixtures: 100 points, each factor's deduction (per count,
capped), the thresholds (A ≥ 90, B ≥ 75, C ≥ 60, else D) and Beijing's rule (a suspension or a
revocation in force makes D whatever the score, and the breakdown says so); the nightly pass (one
statement over all institutions) equals the per-event result; the history records changes only;
``institution_grades`` for the draw."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.sweeps import run_sweep
from registry.models import FilingStatus, Institution, InstitutionStatus
from supervision.grading import deduction, factors, grade_for
from supervision.models import Closure, GradeChange, InstitutionGrade, Penalty
from supervision.selectors.grades import grade_get, institution_grades
from supervision.services.grades import grades_recompute
from supervision.services.penalties import penalty_conclude, penalty_issue
from supervision.services.sweeps import blacklist_sweep
from supervision.sweeps import REGRADE
from tests.factories import (
    FilingFactory,
    InstitutionFactory,
    StaffFactory,
    make_blacklist_entry,
    make_id_number,
)

from .enforcement import acting, admin, filed, institution, penalty_data  # noqa: F401

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def penalty(institution, kind, *, status="in_force", days_ago=10, n=[0]):  # noqa: B006 - a counter
    n[0] += 1
    p = Penalty(institution=institution, kind=kind, decision_number=f"测〔2026〕{n[0]}号",
                decided_on=TODAY - dt.timedelta(days=days_ago), legal_basis="测试依据",
                amount_fen=100_000 if kind == "fine" else None)
    if kind == "person_ban":
        from core import crypto
        crypto.set_id_number(p, make_id_number(seq=900 + n[0]))
    p.save()
    if status != "in_force":
        Penalty.objects.filter(pk=p.pk).update(status=status)
    return p


def set_status(institution, status):
    Institution.objects.filter(pk=institution.pk).update(status=status)


def grades():
    with scopes_disabled():
        return {g.institution_id: (g.grade, g.score, g.forced_d, g.breakdown)
                for g in InstitutionGrade.objects.all()}


@pytest.fixture
def world(regions):
    """Institutions each with a known set of inputs, and the grade worked out by hand."""
    with scopes_disabled():
        clean = filed(name="无扣分")
        one_warning = filed(name="一次警告")
        penalty(one_warning, "warning")  # 100 − 5 = 95 → A
        capped = filed(name="封顶")
        for _ in range(4):
            penalty(capped, "warning")  # 4 × 5 = 20, capped at 15
        penalty(capped, "fine")  # − 10 → 75 → B (the boundary)
        penalty(capped, "fine", days_ago=800)  # older than two years: not counted
        penalty(capped, "fine", status="withdrawn")  # withdrawn: not counted
        revoked = filed(name="吊销建议")
        penalty(revoked, "revocation")  # 100 − 40 = 60 (C by score) → D by the rule
        penalty(revoked, "revocation", status="concluded")  # no longer in force: not counted
        suspended = filed(name="停业整顿")
        penalty(suspended, "suspension")
        set_status(suspended, InstitutionStatus.SUSPENDED)  # − 40 − 15 = 45, forced D
        closing = filed(name="关停中")
        Closure(institution=closing, reason="x", started_on=TODAY, children_enrolled=3).save()  # − 30 → 70 C
        unfiled = InstitutionFactory(name="登记未备案", registered_on=TODAY - dt.timedelta(days=31))  # − 10 → 90 A
        fresh = InstitutionFactory(name="新登记", registered_on=TODAY - dt.timedelta(days=29))  # 100 A
        returned = filed(name="备案退回")
        FilingFactory(institution=returned, status=FilingStatus.RETURNED)  # − 5
        penalty(returned, "person_ban")  # − 15 → 80 B
        listed = filed(name="名单命中")
        for seq in (1, 2):  # two listed people on the roster, listed in 东莞: − 2 × 20 = 60 → C
            number = make_id_number("440104", seq=700 + seq)
            StaffFactory(institution=listed, id_number=number)
            make_blacklist_entry(id_number=number)
        blacklist_sweep()
        gone = filed(name="已终止")
        set_status(gone, InstitutionStatus.TERMINATED)
    return locals()


EXPECTED = {  # name: (grade, score, forced D, breakdown)
    "clean": ("A", 100, False, {}),
    "one_warning": ("A", 95, False, {"penalty_warning": [1, 5, False]}),
    "capped": ("B", 75, False, {"penalty_warning": [4, 15, False], "penalty_fine": [1, 10, False]}),
    "revoked": ("D", 60, True, {"penalty_revocation": [1, 40, True]}),
    "suspended": ("D", 45, True, {"penalty_suspension": [1, 40, True], "institution_suspended": [1, 15, False]}),
    "closing": ("C", 70, False, {"closure_open": [1, 30, False]}),
    "unfiled": ("A", 90, False, {"filing_overdue": [1, 10, False]}),
    "fresh": ("A", 100, False, {}),
    "returned": ("B", 80, False, {"filing_returned": [1, 5, False], "penalty_person_ban": [1, 15, False]}),
    "listed": ("C", 60, False, {"blacklist_hits_open": [2, 40, False]}),
}


def test_each_grade_is_the_hand_computed_one_with_its_breakdown(world):
    with scopes_disabled():
        summary = grades_recompute()
    got = grades()
    assert {name: got[world[name].pk] for name in EXPECTED} == EXPECTED
    assert world["gone"].pk not in got  # terminated institutions are not graded
    assert summary == {"updated": len(EXPECTED), "changed": len(EXPECTED)}
    with scopes_disabled():
        assert grades_recompute() == {"updated": 0, "changed": 0}  # the same results are not rewritten


def test_the_pure_arithmetic_agrees_with_the_sql():
    assert [grade_for(s) for s in (100, 90, 89, 75, 74, 60, 59, 0, -20)] == list("AABBCCDDD")
    assert grade_for(95, forced_d=True) == "D"
    by_code = {f.code: f for f in factors()}
    assert deduction(by_code["penalty_warning"], 4) == 15 and deduction(by_code["penalty_fine"], 2) == 20


def test_the_breakdown_is_explained_on_the_page_and_says_the_d_is_forced(world, admin, client):
    with scopes_disabled():
        grades_recompute()
    client.force_login(admin)
    text = client.get(f"/supervision/institutions/{world['revoked'].pk}/").content.decode()
    assert "行政处罚：建议吊销（执行中）" in text and "直接评为 D" in text and "一票否决" in text
    with acting(admin):
        found = grade_get(institution_id=world["capped"].pk)
    assert [(r["label"], r["count"], r["points"]) for r in found["rows"]] == [
        ("行政处罚：警告", 4, 15), ("行政处罚：罚款", 1, 10)]


def test_the_nightly_pass_equals_the_per_event_result(admin, institution, django_capture_on_commit_callbacks):
    with scopes_disabled():
        other = filed(name="另一家")
        penalty(other, "fine")
    # Events: each service regrades its institution after commit (the task runs eagerly in tests).
    with django_capture_on_commit_callbacks(execute=True), acting(admin):
        penalty_issue(actor=admin, institution_id=institution.pk, data=penalty_data("fine", decision_number="A1"))
    with django_capture_on_commit_callbacks(execute=True), acting(admin):
        p = penalty_issue(actor=admin, institution_id=institution.pk, data=penalty_data("revocation",
                                                                                       decision_number="A2"))
    with django_capture_on_commit_callbacks(execute=True), acting(admin):
        penalty_conclude(actor=admin, penalty_id=p.pk, reason="已执行")
    per_event = grades()
    assert per_event[institution.pk] == ("A", 90, False, {"penalty_fine": [1, 10, False]})
    with scopes_disabled():
        history = list(GradeChange.objects.filter(institution=institution).order_by("id")
                       .values_list("from_grade", "to_grade"))
    assert history == [("", "A"), ("A", "D"), ("D", "A")]
    assert other.pk not in per_event  # no event concerned it
    run = run_sweep(REGRADE)
    nightly = grades()
    assert nightly[institution.pk] == per_event[institution.pk]
    assert nightly[other.pk][:2] == ("A", 90)
    assert run.outcome == "ok" and run.summary["changed"] == 1  # only the first grade of the other one
    again = run_sweep(REGRADE)
    assert again.summary == {"updated": 0, "changed": 0} and again.rows == 0 and grades() == nightly
    with scopes_disabled():
        assert GradeChange.objects.filter(institution=institution).count() == 3


def test_the_nightly_pass_is_one_statement_whatever_the_rows(world, django_assert_num_queries):
    with scopes_disabled(), django_assert_num_queries(1):
        grades_recompute()


def test_institution_grades_for_the_draw(world):
    with scopes_disabled():
        grades_recompute()
        ungraded = InstitutionFactory(name="尚未评级")
    ids = [world["clean"].pk, world["revoked"].pk, world["closing"].pk, ungraded.pk]
    assert institution_grades(ids) == {ids[0]: "A", ids[1]: "D", ids[2]: "C", ids[3]: "B"}


def test_a_hit_found_and_closed_regrades_the_institution(institution, make_account,
                                                         django_capture_on_commit_callbacks):
    from supervision.models import BlacklistHit
    from supervision.services.blacklist import entry_create
    from supervision.services.hits import hit_close

    number = make_id_number("330106", seq=555)
    with scopes_disabled():
        StaffFactory(institution=institution, id_number=number)
    listing_admin = make_account("xh_list_admin", "district_admin", "330106")
    with django_capture_on_commit_callbacks(execute=True), acting(listing_admin):
        entry_create(actor=listing_admin, data={"kind": "person", "id_number": number, "name": "周某",
                                                "reason": "虐童", "basis": "判决书", "banned_until": None})
    assert grades()[institution.pk][:2] == ("B", 80)
    with scopes_disabled():
        hit = BlacklistHit.objects.get()
    with django_capture_on_commit_callbacks(execute=True), acting(listing_admin):
        hit_close(actor=listing_admin, hit_id=hit.pk, reason="同名误报，身份证号录入错误")
    assert grades()[institution.pk][:2] == ("A", 100)
