# ruff: noqa: F811 - pytest fixtures imported from tests/supervision/enforcement.py are arguments by name
"""Enforcement pages: the district admin issues a penalty and opens a closure from the institution's
page, trackers move checklist items, the grade list and the institution page show grade and
breakdown in a fixed number of queries; the operator reads its penalties and its checklist."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from supervision.models import Closure, Penalty

from .enforcement import admin, district_reviewer, filed, gongshu_admin, institution, operator  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_admin_issues_a_penalty_from_the_institution_page(client, admin, institution,
                                                             django_capture_on_commit_callbacks):
    client.force_login(admin)
    page = client.get(f"/supervision/institutions/{institution.pk}/").content.decode()
    assert "作出行政处罚" in page and "尚未评级" in page
    with django_capture_on_commit_callbacks(execute=True):  # the regrade is queued on commit
        response = client.post(f"/supervision/institutions/{institution.pk}/penalties/new/", {
            "kind": "fine", "decision_number": "西卫罚〔2026〕31号", "decided_on": timezone.localdate().isoformat(),
            "legal_basis": "《托育机构管理规范（试行）》", "amount_fen": "800000"})
    with scopes_disabled():
        penalty = Penalty.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/supervision/penalties/{penalty.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "8,000.00 元" in detail and "执行完毕" in detail
    page = client.get(f"/supervision/institutions/{institution.pk}/").content.decode()
    assert "行政处罚：罚款" in page and "<strong>90</strong>" in page  # regraded after the commit: 100 − 10


def test_a_bad_form_keeps_the_input_and_says_why(client, admin, institution):
    client.force_login(admin)
    response = client.post(f"/supervision/institutions/{institution.pk}/penalties/new/", {
        "kind": "fine", "decision_number": "西卫罚〔2026〕32号", "decided_on": timezone.localdate().isoformat(),
        "legal_basis": "依据"})
    assert response.status_code == 200 and "罚款须填写金额" in response.content.decode()
    with scopes_disabled():
        assert not Penalty.objects.exists()


def test_who_sees_what(client, district_reviewer, gongshu_admin, operator, institution):
    client.force_login(district_reviewer)
    assert client.get(f"/supervision/institutions/{institution.pk}/penalties/new/").status_code == 403
    assert "作出行政处罚" not in client.get(f"/supervision/institutions/{institution.pk}/").content.decode()
    client.force_login(gongshu_admin)
    assert client.get(f"/supervision/institutions/{institution.pk}/").status_code == 404
    client.force_login(operator)
    assert client.get("/supervision/grades/").status_code == 403
    assert client.get("/supervision/my/penalties/").status_code == 200


def test_closure_tracked_on_its_page_and_followed_by_the_operator(client, admin, district_reviewer, operator,
                                                                 institution):
    client.force_login(admin)
    response = client.post(f"/supervision/institutions/{institution.pk}/closures/new/", {
        "reason": "举办者失联", "started_on": timezone.localdate().isoformat(), "children_enrolled": "6"})
    with scopes_disabled():
        closure = Closure.objects.get()
    assert response["Location"] == f"/supervision/closures/{closure.pk}/"
    client.force_login(district_reviewer)
    client.post(f"/supervision/closures/{closure.pk}/items/", {"kind": "children_placed", "status": "in_progress",
                                                                "children_placed": "4", "note": "4 名已转园"})
    page = client.get(f"/supervision/closures/{closure.pk}/").content.decode()
    assert "尚有 2 名在托婴幼儿未安置" in page and "4 名已转园" in page
    client.force_login(operator)
    mine = client.get("/supervision/my/closures/").content.decode()
    assert "在托婴幼儿 6 名，已安置 <strong data-testid=\"placed\">4</strong> 名" in mine and "更新" not in mine


def test_the_grade_list_is_a_fixed_number_of_queries(client, admin, regions, django_assert_max_num_queries):
    from supervision.services.grades import grades_recompute

    with scopes_disabled():
        for n in range(6):
            filed(name=f"评级{n}")
        grades_recompute()
    client.force_login(admin)
    with django_assert_max_num_queries(14) as few:
        client.get("/supervision/grades/")
    with scopes_disabled():
        for n in range(6, 30):
            filed(name=f"评级{n}")
        grades_recompute()
    with django_assert_max_num_queries(len(few.captured_queries)):
        body = client.get("/supervision/grades/").content.decode()
    assert "评级29" in body or "评级0" in body
