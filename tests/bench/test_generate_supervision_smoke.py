"""bench/generate.py --supervision at a tiny scale: two years of plans and inspections with findings,
rectification orders (some overdue) and complaints, consistent with the population; a second run adds
nothing; the district's pages read them in its scope."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from bench.generate import populate, populate_supervision
from core.tenancy import TenantScope, tenant_scope
from regions.models import Region
from supervision.models import (
    Complaint,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    InspectionPlan,
    RectificationItem,
    RectificationOrder,
)

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def generated(regions):
    populate(institutions=400, log=lambda *a: None)
    return populate_supervision(log=lambda *a: None)


def test_two_years_of_inspections_with_orders(generated):
    counts = generated["counts"]
    assert counts["supervision_inspectionplan"] > 0 and counts["supervision_inspection"] > 0
    with scopes_disabled():
        plans = InspectionPlan.objects.all()
        assert {p.period_start.year for p in plans} == {2025, 2026}
        # Two inspectors per inspection, each of the inspection's district.
        for inspection in Inspection.objects.all()[:50]:
            assigned = list(InspectionInspector.objects.filter(inspection=inspection).select_related("inspector"))
            assert len(assigned) == 2 and {a.inspector.district_id for a in assigned} == {inspection.district_id}
            assert inspection.institution.district_id == inspection.district_id
            assert inspection.template.district_id == inspection.district_id
        assert InspectionFinding.objects.filter(result="nonconforming").exists()
        # Every order has its items, and each item a non-conforming finding of the same inspection.
        assert RectificationOrder.objects.exists()
        for order in RectificationOrder.objects.all():
            items = list(RectificationItem.objects.filter(order=order).select_related("finding"))
            assert items and all(i.finding.inspection_id == order.inspection_id for i in items)
        assert set(RectificationOrder.objects.values_list("status", flat=True)) >= {"open", "closed"}
        assert Complaint.objects.exists()
    assert counts["overdue rectification orders"] > 0


def test_a_second_run_adds_nothing(generated):
    again = populate_supervision(log=lambda *a: None)
    assert again["counts"] == generated["counts"]


def test_the_district_reads_its_own_rows(generated):
    from supervision.selectors.inspections import inspection_list, order_list

    with scopes_disabled():
        district = Inspection.objects.values_list("district_id", flat=True).first()
    with tenant_scope(TenantScope.for_region(Region.objects.get(code=district))):
        rows = list(inspection_list())
        assert rows and {r.district_id for r in rows} == {district}
        assert {o.district_id for o in order_list()} <= {district}
