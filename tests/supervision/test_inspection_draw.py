"""Plans and the draw (双随机): the fixed API, reproducibility, distribution by grade, conflicts
excluded, even load, redraws on record, bad input."""

from __future__ import annotations

from collections import Counter

import pytest
from django_scopes import scopes_disabled

from registry.models import InstitutionStatus
from supervision.models import (
    ChecklistTemplate,
    Inspection,
    InspectionInspector,
    InspectionPlan,
    InspectionStatus,
    Inspector,
    InspectorConflict,
    PlanDraw,
)
from supervision.selectors import inspections as selectors
from supervision.services.inspections import draw
from tests.factories import InstitutionFactory

from .conftest import api

pytestmark = pytest.mark.django_db

PLAN = {"name": "2026年第二季度双随机抽查", "period_start": "2026-04-01", "period_end": "2026-06-30",
        "rates": {"A": 5, "B": 50, "C": 30, "D": 100}, "inspectors_per_inspection": 2}


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


@pytest.fixture
def filed(regions):
    """20 filed institutions of 西湖区, 2 suspended, plus ones the draw must never pick."""
    with scopes_disabled():
        rows = [InstitutionFactory(name=f"西湖抽查园{n}", status=InstitutionStatus.FILED) for n in range(20)]
        rows += [InstitutionFactory(name=f"西湖暂停园{n}", status=InstitutionStatus.SUSPENDED) for n in range(2)]
        InstitutionFactory(name="西湖未备案园", status=InstitutionStatus.REGISTERED)
        InstitutionFactory(name="西湖已终止园", status=InstitutionStatus.TERMINATED)
        InstitutionFactory(name="拱墅园", region_id="330105001", status=InstitutionStatus.FILED)
    return rows


@pytest.fixture
def roster(regions):
    with scopes_disabled():
        out = []
        for n, dept in enumerate(["health", "health", "police", "market", "fire", "housing"]):
            i = Inspector(name=f"检查员{n}", department=dept)
            i.set_region(regions["330106"])
            i.save()
            out.append(i)
    return out


def make_plan(client, **overrides):
    r = client.post("/api/v1/inspection-plans/", {**PLAN, **overrides}, format="json")
    assert r.status_code == 201, r.json()
    return r.json()


def test_a_plan_is_drawn_and_answers_inspections_with_institution_and_inspector_ids(admin, filed, roster):
    client = api(admin)
    plan = make_plan(client, seed=42)
    assert plan["seed"] == 42 and plan["status"] == "draft"
    r = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json")
    assert r.status_code == 201, r.json()
    body = r.json()
    # Population: the 22 filed or suspended institutions of 西湖区 (grade B until grades land).
    assert body["population"] == 22 and body["by_grade"]["B"] == [22, 11]
    assert len(body["inspections"]) == 11
    ids = {i["institution_id"] for i in body["inspections"]}
    assert ids <= {i.pk for i in filed}
    roster_ids = {i.pk for i in roster}
    for i in body["inspections"]:
        assert len(i["inspector_ids"]) == 2 and set(i["inspector_ids"]) <= roster_ids
    with scopes_disabled():
        assert InspectionPlan.objects.get(pk=plan["id"]).status == "drawn"
        template = ChecklistTemplate.objects.get(district_id="330106", current=True)
        assert template.version == 1 and template.items.count() >= 20
        assert set(Inspection.objects.values_list("template_id", flat=True)) == {template.pk}
        assert {d for (d,) in template.items.values_list("dimension")} >= {"conditions", "staff", "care", "health",
                                                                           "parenting", "safety", "management",
                                                                           "fire", "food"}


def test_the_same_seed_over_the_same_population_gives_the_same_draw(admin, filed, roster):
    client = api(admin)
    results = []
    for _ in range(2):
        plan = make_plan(client, seed=20260401)
        body = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json").json()
        results.append([(i["institution_id"], i["inspector_ids"]) for i in body["inspections"]])
    assert results[0] == results[1]
    other = make_plan(client, seed=7)
    body = client.post(f"/api/v1/inspection-plans/{other['id']}/draw/", {}, format="json").json()
    assert [(i["institution_id"], i["inspector_ids"]) for i in body["inspections"]] != results[0]


def test_the_pure_draw_follows_the_rates_by_grade():
    population = [(n, f"USCC{n:014d}") for n in range(1, 201)]
    grades = {pk: "ABCD"[pk % 4] for pk, _ in population}  # 50 of each
    result = draw(seed=1, population=population, grades=grades, rates={"A": 5, "B": 10, "C": 30, "D": 100},
                  roster=list(range(1, 11)), conflicts={}, per_inspection=2)
    assert result.by_grade == {"A": [50, 3], "B": [50, 5], "C": [50, 15], "D": [50, 50]}  # ceil(n × rate)
    drawn = Counter(grade for _pk, grade, _team in result.picks)
    assert drawn == {"A": 3, "B": 5, "C": 15, "D": 50}
    assert all(grades[pk] == g for pk, g, _ in result.picks)
    # Every D institution is drawn.
    assert {pk for pk, g, _ in result.picks if g == "D"} == {pk for pk, g in grades.items() if g == "D"}


def test_the_draw_reads_grades_through_the_one_selector(admin, filed, roster, monkeypatch):
    grades = {i.pk: "D" for i in filed[:3]}
    monkeypatch.setattr(selectors, "institution_grades", lambda ids: {pk: grades.get(pk, "A") for pk in ids})
    client = api(admin)
    plan = make_plan(client, rates={"A": 0, "B": 0, "C": 0, "D": 100})
    body = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json").json()
    assert {i["institution_id"] for i in body["inspections"]} == set(grades)
    assert {i["grade"] for i in body["inspections"]} == {"D"}


def test_load_is_spread_evenly_and_nobody_with_a_conflict_is_assigned(admin, filed, roster):
    with scopes_disabled():
        conflicted = roster[0]
        InspectorConflict.objects.create(inspector=conflicted, institution=filed[0])
        # An organiser's credit code: every institution with it.
        InspectorConflict.objects.create(inspector=roster[1], uscc=filed[1].uscc)
    client = api(admin)
    plan = make_plan(client, rates={"A": 100, "B": 100, "C": 100, "D": 100}, seed=3)
    body = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json").json()
    assert len(body["inspections"]) == 22
    by_institution = {i["institution_id"]: i["inspector_ids"] for i in body["inspections"]}
    assert conflicted.pk not in by_institution[filed[0].pk]
    assert roster[1].pk not in by_institution[filed[1].pk]
    load = Counter(i for team in by_institution.values() for i in team)
    assert sum(load.values()) == 44
    assert max(load.values()) - min(load.values()) <= 1


def test_the_pure_draw_never_assigns_a_conflict_whatever_the_seed():
    population = [(n, f"USCC{n:014d}") for n in range(1, 31)]
    conflicts = {1: ({5, 6, 7}, set()), 2: (set(), {"USCC00000000000008"})}
    for seed in range(30):
        result = draw(seed=seed, population=population, grades={}, rates={"B": 100}, roster=[1, 2, 3, 4],
                      conflicts=conflicts, per_inspection=2)
        for pk, _g, team in result.picks:
            assert not (1 in team and pk in {5, 6, 7})
            assert not (2 in team and pk == 8)


def test_too_few_inspectors_free_of_conflicts_refuses_the_draw_and_stores_nothing(admin, filed, roster):
    with scopes_disabled():
        for inspector in roster[:5]:
            InspectorConflict.objects.create(inspector=inspector, institution=filed[0])
    client = api(admin)
    plan = make_plan(client, rates={"A": 100, "B": 100, "C": 100, "D": 100})
    r = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "not_enough_inspectors"
    with scopes_disabled():
        assert not Inspection.objects.exists() and not PlanDraw.objects.exists()
        assert InspectionPlan.objects.get(pk=plan["id"]).status == "draft"


def test_a_second_draw_needs_a_reason_and_keeps_every_draw_on_record(admin, filed, roster):
    client = api(admin)
    plan = make_plan(client, seed=11)
    first = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json").json()
    again = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "redraw_reason_required"
    assert again.json()["fields"]["reason"][0]["code"] == "reason_required"
    second = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/",
                         {"reason": "名录新增消防人员，重新抽取", "seed": 12}, format="json")
    assert second.status_code == 201, second.json()
    assert second.json()["number"] == 2 and second.json()["seed"] == 12
    detail = client.get(f"/api/v1/inspection-plans/{plan['id']}/").json()
    assert [(d["number"], d["seed"], d["reason"]) for d in detail["draws"]] == [
        (1, 11, ""), (2, 12, "名录新增消防人员，重新抽取")]
    with scopes_disabled():
        earlier = Inspection.objects.filter(draw_id=first["id"])
        assert earlier.count() == len(first["inspections"])
        assert set(earlier.values_list("status", flat=True)) == {InspectionStatus.CANCELLED}
        assert earlier.first().events.filter(action="cancel").exists()
        assert set(Inspection.objects.filter(draw_id=second.json()["id"]).values_list("status", flat=True)) == {
            InspectionStatus.PLANNED}
        # The earlier draw's assignments stay on record.
        assert InspectionInspector.objects.filter(inspection__draw_id=first["id"]).count() == 2 * len(
            first["inspections"])


@pytest.mark.parametrize(("body", "field", "code"), [
    ({**PLAN, "inspectors_per_inspection": 1}, "inspectors_per_inspection", "value_invalid"),
    ({**PLAN, "period_end": "2026-03-01"}, "period_end", "period_invalid"),
    ({**PLAN, "period_start": "2026-02-30"}, "period_start", "value_invalid"),
    ({**PLAN, "rates": {"E": 5}}, "rates", "rate_grade_invalid"),
    ({**PLAN, "rates": {"A": 101}}, "rates", "rate_invalid"),
    ({**PLAN, "rates": "lots"}, "rates", "value_invalid"),
    ({k: v for k, v in PLAN.items() if k != "name"}, "name", "required"),
    ({**PLAN, "robot": 1}, "robot", "unknown_field"),
])
def test_bad_plans_are_refused_with_their_code_and_nothing_is_stored(admin, body, field, code):
    r = api(admin).post("/api/v1/inspection-plans/", body, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["fields"][field][0]["code"] == code
    with scopes_disabled():
        assert not InspectionPlan.objects.exists()


def test_rates_a_plan_omits_take_the_regions_defaults(admin):
    plan = make_plan(api(admin), rates={"C": 40})
    assert plan["rates"] == {"A": 5, "B": 10, "C": 40, "D": 100}


def test_unknown_plans_are_404_and_only_the_admin_plans(admin, make_account, filed, roster):
    client = api(admin)
    assert client.post("/api/v1/inspection-plans/999999/draw/", {}, format="json").status_code == 404
    inspector = make_account("xh_inspector", "district_inspector", "330106")
    r = api(inspector).post("/api/v1/inspection-plans/", PLAN, format="json")
    assert r.status_code == 403
    operator = make_account("op_x", "operator", filed[0].uscc)
    assert api(operator).get("/api/v1/inspection-plans/").status_code == 403
