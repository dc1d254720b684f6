"""Shared set-up of the inspection tests: a district's roster with accounts, a drawn inspection."""

from __future__ import annotations

from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionStatus
from supervision.models import Inspection, Inspector
from tests.factories import FilingFactory, InstitutionFactory

from .conftest import api

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def roster_with_accounts(make_account, regions, district="330106", n=2):
    """``n`` inspectors of ``district`` each with their own inspector account: [(user, inspector)]."""
    out = []
    for k in range(n):
        user = make_account(f"insp_{district}_{k}", "district_inspector", district)
        with scopes_disabled():
            inspector = Inspector(name=f"检查员{district[-2:]}{k}", department="health" if k == 0 else "fire", user=user)
            inspector.set_region(regions[district])
            inspector.save()
        out.append((user, inspector))
    return out


def drawn_inspection(admin, *, name="西湖被检园") -> Inspection:
    """One filed institution drawn at 100 % by a plan of ``admin``'s district."""
    with scopes_disabled():
        institution = InstitutionFactory(name=name, status=InstitutionStatus.FILED)
        filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, receipt_no=f"330106-2026-{institution.pk:05d}",
                               decided_at=timezone.now(), name=name, institution_kind=institution.kind)
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing)
    client = api(admin)
    plan = client.post("/api/v1/inspection-plans/", {
        "name": "专项抽查", "period_start": "2026-01-01", "period_end": "2026-12-31",
        "rates": {"A": 100, "B": 100, "C": 100, "D": 100}, "inspectors_per_inspection": 2, "seed": 1},
        format="json").json()
    body = client.post(f"/api/v1/inspection-plans/{plan['id']}/draw/", {}, format="json").json()
    (row,) = [i for i in body["inspections"] if i["institution_id"] == institution.pk]
    with scopes_disabled():
        return Inspection.objects.select_related("institution").get(pk=row["id"])


def record_all(client, inspection_id: int, *, bad_codes=()) -> dict:
    """Record every item: ``bad_codes`` do not conform (with a note), the rest conform."""
    detail = client.get(f"/api/v1/inspections/{inspection_id}/").json()
    findings = [{"item_id": i["id"], "result": "nonconforming" if i["code"] in bad_codes else "conforms",
                 **({"note": f"发现问题：{i['code']}"} if i["code"] in bad_codes else {})} for i in detail["items"]]
    r = client.post(f"/api/v1/inspections/{inspection_id}/findings/", {"findings": findings}, format="json")
    assert r.status_code == 200, r.json()
    return r.json()
