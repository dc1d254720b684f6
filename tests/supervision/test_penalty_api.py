# ruff: noqa: F811 - pytest fixtures imported from tests/supervision/enforcement.py are arguments by name
"""The enforcement API: penalties, closures and grades under /api/v1/ — created by the district
admin, read by the district and (penalties, closures) the operator, 404 across districts, bad input
400 with field codes and nothing written."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from supervision.models import Closure, Penalty

from .enforcement import admin, district_reviewer, filed, gongshu_admin, institution, operator  # noqa: F401

pytestmark = pytest.mark.django_db


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def body(institution, **overrides):
    data = {"institution_id": institution.pk, "kind": "fine", "decision_number": "西卫罚〔2026〕21号",
            "decided_on": timezone.localdate().isoformat(), "legal_basis": "《托育机构管理规范（试行）》第三十条",
            "amount_fen": 250000}
    data.update(overrides)
    return data


def test_the_admin_issues_and_the_district_and_the_operator_read(admin, district_reviewer, operator, institution):
    response = api(admin).post("/api/v1/penalties/", body(institution), format="json")
    assert response.status_code == 201, response.json()
    penalty = response.json()
    assert (penalty["kind"], penalty["amount_fen"], penalty["status"]) == ("fine", 250000, "in_force")
    for reader in (district_reviewer, operator):
        listing = api(reader).get("/api/v1/penalties/").json()
        assert [p["id"] for p in listing["results"]] == [penalty["id"]]
    assert api(district_reviewer).post("/api/v1/penalties/", body(institution, decision_number="x"),
                                       format="json").status_code == 403
    ended = api(admin).post(f"/api/v1/penalties/{penalty['id']}/conclude/", {"reason": "罚款已缴纳"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "concluded"
    again = api(admin).post(f"/api/v1/penalties/{penalty['id']}/withdraw/", {"reason": "x"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


@pytest.mark.parametrize("overrides, field, code", [
    ({"amount_fen": "五千"}, "amount_fen", None),
    ({"amount_fen": 0}, "amount_fen", None),
    ({"decided_on": "2026-13-40"}, "decided_on", None),
    ({"kind": "jail"}, "kind", None),
    ({"colour": "red"}, "colour", "unknown_field"),
    ({"institution_id": "abc"}, "institution_id", None),
    ({"kind": "person_ban", "amount_fen": None, "person_name": "钱某", "id_number": "123"}, "id_number", None),
])
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(admin, institution, overrides, field, code):
    data = {k: v for k, v in body(institution, **overrides).items() if v is not None}
    response = api(admin).post("/api/v1/penalties/", data, format="json")
    assert response.status_code == 400, response.json()
    errors = response.json()["fields"]
    assert field in errors and (code is None or errors[field][0]["code"] == code)
    with scopes_disabled():
        assert not Penalty.objects.exists()


def test_another_districts_objects_are_404(admin, gongshu_admin, institution):
    assert api(gongshu_admin).post("/api/v1/penalties/", body(institution), format="json").status_code == 404
    penalty = api(admin).post("/api/v1/penalties/", body(institution), format="json").json()
    closure = api(admin).post("/api/v1/closures/", {"institution_id": institution.pk, "reason": "停业",
                                                    "started_on": timezone.localdate().isoformat(),
                                                    "children_enrolled": 4}, format="json").json()
    outsider = api(gongshu_admin)
    for path in (f"/api/v1/penalties/{penalty['id']}/", f"/api/v1/closures/{closure['id']}/",
                 f"/api/v1/institutions/{institution.pk}/grade/"):
        assert outsider.get(path).status_code == 404, path
    for path in (f"/api/v1/penalties/{penalty['id']}/withdraw/", f"/api/v1/closures/{closure['id']}/cancel/"):
        assert outsider.post(path, {"reason": "越权"}, format="json").status_code == 404, path
    assert outsider.get("/api/v1/penalties/").json()["results"] == []


def test_closure_checklist_through_the_api(admin, district_reviewer, operator, institution):
    created = api(admin).post("/api/v1/closures/", {"institution_id": institution.pk, "reason": "举办者失联",
                                                    "started_on": timezone.localdate().isoformat(),
                                                    "children_enrolled": 2}, format="json")
    assert created.status_code == 201
    closure = created.json()
    assert [i["status"] for i in closure["items"]] == ["pending"] * 3
    url = f"/api/v1/closures/{closure['id']}/"
    done = api(admin).post(url + "complete/", {"reason": "办结"}, format="json")
    assert done.status_code == 400 and done.json()["code"] == "checks_failed"
    for kind in ("children_placed", "families_told", "refunds"):
        data = {"kind": kind, "status": "done", **({"children_placed": 2} if kind == "children_placed" else {})}
        assert api(district_reviewer).post(url + "items/", data, format="json").status_code == 200
    bad = api(district_reviewer).post(url + "items/", {"kind": "refunds", "status": "finished"}, format="json")
    assert bad.status_code == 400 and "status" in bad.json()["fields"]
    assert api(operator).post(url + "items/", {"kind": "refunds", "status": "done"}, format="json").status_code == 403
    assert api(operator).get(url).json()["children_placed"] == 2  # the operator follows its checklist
    assert api(admin).post(url + "complete/", {"reason": "全部安置"}, format="json").json()["status"] == "completed"
    with scopes_disabled():
        assert Closure.objects.get().status == "completed"


def test_the_grade_with_its_breakdown(admin, district_reviewer, operator, institution,
                                      django_capture_on_commit_callbacks):
    assert api(district_reviewer).get(f"/api/v1/institutions/{institution.pk}/grade/").json()["grade"] is None
    with django_capture_on_commit_callbacks(execute=True):
        api(admin).post("/api/v1/penalties/", body(institution, kind="revocation", amount_fen=None), format="json")
    grade = api(district_reviewer).get(f"/api/v1/institutions/{institution.pk}/grade/").json()
    assert (grade["grade"], grade["score"], grade["forced_d"]) == ("D", 60, True)
    assert grade["breakdown"] == [{"code": "penalty_revocation", "label": "行政处罚：建议吊销（执行中）", "count": 1,
                                   "points": 40, "forces_d": True, "note": "执行中的吊销（撤销）建议直接评为 D 级"}]
    assert api(district_reviewer).get("/api/v1/grades/?grade=D").json()["results"][0]["institution"] == institution.pk
    assert api(operator).get(f"/api/v1/institutions/{institution.pk}/grade/").status_code == 403
