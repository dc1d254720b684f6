"""Reads of random inspections and rectification: the scope's checklists, roster, plans,
inspections and orders (scoped managers), the draw's population and grades, and the one public read
(an institution's published results, for the portal page, with scopes disabled).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from core.db.counts import count_many
from core.errors import NotFound
from core.tenancy import scopes_disabled
from registry.models import Institution, InstitutionStatus

from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    Grade,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    InspectionPlan,
    InspectionStatus,
    Inspector,
    InspectorConflict,
    OrderStatus,
    PlanDraw,
    RectificationOrder,
    RectificationReply,
    Result,
)

# The draw's population: filed institutions not terminated. A suspended institution (暂停服务,
# usually for rectification) is still filed and is drawn too: a random check is how the district
# sees that it is not operating while suspended. Registered-but-unfiled and filing ones are not.
POPULATION_STATUSES = (InstitutionStatus.FILED, InstitutionStatus.SUSPENDED)
DEFAULT_GRADE = Grade.B


def institution_grades(ids: Iterable[int]) -> dict[int, str]:
    """``{institution id: "A".."D"}`` for ``ids``: the risk and credit grades (section 4,
    ``supervision.selectors.grades``; an institution not graded yet is ``B``, the middle sampling
    rate). The draw reads grades only through this function."""
    from .grades import institution_grades as graded

    return graded(ids)


def draw_population(*, district_id: str) -> list[tuple[int, str]]:
    """``[(institution id, credit code)]`` of the district's filed, not-terminated institutions, in
    id order (the draw's deterministic ordering)."""
    return list(Institution.objects.filter(district_id=district_id, status__in=POPULATION_STATUSES)
                .order_by("pk").values_list("pk", "uscc"))


def targetable_institutions(*, district_id: str) -> list[tuple[int, str]]:
    """``[(id, name)]`` of the district's filed, not-terminated institutions (the targeted
    inspection form's choices), by name."""
    return list(Institution.objects.filter(district_id=district_id, status__in=POPULATION_STATUSES)
                .order_by("name", "pk").values_list("pk", "name"))


def draw_roster(*, district_id: str, departments: list[str]) -> list[Inspector]:
    """The district's active inspectors (of the plan's departments, when it names any), in id order."""
    qs = Inspector.objects.filter(district_id=district_id, active=True)
    if departments:
        qs = qs.filter(department__in=departments)
    return list(qs.order_by("pk"))


def conflicts_of(inspector_ids: Iterable[int]) -> dict[int, tuple[set[int], set[str]]]:
    """``{inspector id: (institution ids, credit codes)}`` declared by these inspectors."""
    out: dict[int, tuple[set[int], set[str]]] = {}
    for inspector_id, institution_id, uscc in InspectorConflict.objects.filter(
            inspector_id__in=list(inspector_ids)).values_list("inspector_id", "institution_id", "uscc"):
        ids, codes = out.setdefault(inspector_id, (set(), set()))
        if institution_id:
            ids.add(institution_id)
        if uscc:
            codes.add(uscc)
    return out


# --- checklists -----------------------------------------------------------------------------------

def checklist_current(*, district_id: str) -> ChecklistTemplate | None:
    return (ChecklistTemplate.objects.filter(district_id=district_id, current=True)
            .prefetch_related("items").first())


def checklist_versions() -> QuerySet[ChecklistTemplate]:
    return ChecklistTemplate.objects.annotate(item_count=Count("items")).order_by("district_id", "-version")


def checklist_get(*, template_id: int) -> ChecklistTemplate:
    template = ChecklistTemplate.objects.prefetch_related("items").filter(pk=template_id).first()
    if template is None:
        raise NotFound("检查清单不存在或不在您的管辖范围内。")
    return template


# --- roster ---------------------------------------------------------------------------------------

def inspector_list() -> QuerySet[Inspector]:
    return Inspector.objects.prefetch_related("conflicts").order_by("department", "name", "id")


def inspector_get(*, inspector_id: int) -> Inspector:
    inspector = Inspector.objects.prefetch_related("conflicts").filter(pk=inspector_id).first()
    if inspector is None:
        raise NotFound("检查人员不存在或不在您的管辖范围内。")
    return inspector


# --- plans and inspections ------------------------------------------------------------------------

def plan_list() -> QuerySet[InspectionPlan]:
    return InspectionPlan.objects.annotate(
        inspection_count=Count("inspections", filter=~Q(inspections__status=InspectionStatus.CANCELLED))
    ).order_by("-created_at", "-id")


def plan_get(*, plan_id: int) -> InspectionPlan:
    plan = InspectionPlan.objects.filter(pk=plan_id).first()
    if plan is None:
        raise NotFound("抽查计划不存在或不在您的管辖范围内。")
    return plan


def plan_draws(*, plan: InspectionPlan) -> list[PlanDraw]:
    return list(plan.draws.select_related("drawn_by").order_by("number"))


def _inspection_qs() -> QuerySet[Inspection]:
    return Inspection.objects.select_related("institution", "plan", "draw", "template").prefetch_related(
        Prefetch("assigned", queryset=InspectionInspector.objects.select_related("inspector").order_by("id")))


def inspection_list(*, plan_id: int | None = None, draw_id: int | None = None,
                    status: str | None = None) -> QuerySet[Inspection]:
    qs = _inspection_qs().order_by("-created_at", "-id")
    if plan_id:
        qs = qs.filter(plan_id=plan_id)
    if draw_id:
        qs = qs.filter(draw_id=draw_id)
    if status:
        qs = qs.filter(status=status)
    return qs


def inspection_get(*, inspection_id: int) -> Inspection:
    inspection = _inspection_qs().filter(pk=inspection_id).first()
    if inspection is None:
        raise NotFound("检查不存在或不在您的管辖范围内。")
    return inspection


def inspection_sources(*, inspection: Inspection) -> dict:
    """What the targeted inspection follows: ``{"complaint": Complaint | None, "incident": Incident |
    None}``, read through the tenant managers (an operator's scope never reads a complaint)."""
    from ..models import Complaint, Incident

    return {
        "complaint": (Complaint.objects.filter(followup_inspection_id=inspection.pk)
                      .only("id", "tracking_code", "institution_name", "district_id").first()),
        "incident": (Incident.objects.filter(followup_inspection_id=inspection.pk)
                     .only("id", "kind", "institution_name", "district_id").first()),
    }


def inspection_sheet(*, inspection: Inspection) -> list[dict]:
    """The checklist of the version the inspection uses, each item with its finding (or None), by
    dimension order: what the recording page and the API show."""
    items = list(ChecklistItem.objects.filter(template_id=inspection.template_id).order_by("position", "id"))
    findings = {f.item_id: f for f in InspectionFinding.objects.filter(inspection_id=inspection.pk)}
    return [{"item": item, "finding": findings.get(item.pk)} for item in items]


def institution_inspections(*, institution_id: int) -> QuerySet[Inspection]:
    return _inspection_qs().filter(institution_id=institution_id).order_by("-created_at")


# --- rectification --------------------------------------------------------------------------------

def order_list(*, status: str | None = None, overdue: bool = False) -> QuerySet[RectificationOrder]:
    qs = RectificationOrder.objects.select_related("institution", "inspection").annotate(
        item_count=Count("items")).order_by("due_at", "id")
    if status:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(due_at__lt=timezone.now()).exclude(status=OrderStatus.CLOSED)
    return qs


def order_get(*, order_id: int) -> RectificationOrder:
    order = (RectificationOrder.objects.select_related("institution", "inspection")
             .prefetch_related("items",
                               Prefetch("replies", queryset=RectificationReply.objects.prefetch_related("evidence")
                                        .select_related("submitted_by", "decided_by").order_by("created_at", "id")))
             .filter(pk=order_id).first())
    if order is None:
        raise NotFound("整改通知不存在或不在您的管辖范围内。")
    return order


def inspection_order(*, inspection_id: int) -> RectificationOrder | None:
    return RectificationOrder.objects.filter(inspection_id=inspection_id).first()


def order_count_querysets(now) -> dict:
    """Open orders, orders waiting for verification and overdue orders in the scope (home cards)."""
    orders = RectificationOrder.objects
    return {"open": orders.filter(status=OrderStatus.OPEN), "replied": orders.filter(status=OrderStatus.REPLIED),
            "overdue": orders.exclude(status=OrderStatus.CLOSED).filter(due_at__lt=now)}


def inspection_count_querysets(now) -> dict:
    """Inspections to do, results to publish and results past their publication date (home cards)."""
    inspections = Inspection.objects
    return {"planned": inspections.filter(status=InspectionStatus.PLANNED),
            "unpublished": inspections.filter(status=InspectionStatus.COMPLETED),
            "publication_overdue": inspections.filter(status=InspectionStatus.COMPLETED, publish_due_at__lt=now)}


def order_counts() -> dict[str, int]:
    return count_many(**order_count_querysets(timezone.now()))


def inspection_counts() -> dict[str, int]:
    return count_many(**inspection_count_querysets(timezone.now()))


# --- the public page ------------------------------------------------------------------------------

def public_inspection_results(institution_id: int) -> dict | None:
    """The institution's published inspections (newest first): date, origin, conclusion, the counts
    of items by result and the non-conforming items' texts, and whether the rectification is done.
    No person's data (no inspector, no note). Cross-tenant by nature (the public page): evaluated
    with scopes disabled. None (no section) when nothing is published."""
    with scopes_disabled():
        inspections = list(
            Inspection.objects.filter(institution_id=institution_id, status=InspectionStatus.PUBLISHED)
            .select_related("order").order_by("-inspected_on", "-id")[:20])
        if not inspections:
            return None
        ids = [i.pk for i in inspections]
        findings = (InspectionFinding.objects.filter(inspection_id__in=ids).select_related("item")
                    .order_by("item__position", "id"))
        by_inspection: dict[int, dict] = {pk: {"conforms": 0, "nonconforming": 0, "not_applicable": 0, "problems": []}
                                          for pk in ids}
        for f in findings:
            row = by_inspection[f.inspection_id]
            row[f.result] += 1
            if f.result == Result.NONCONFORMING:
                row["problems"].append({"text": f.item.text, "severity": f.item.get_severity_display()})
        rows = []
        for i in inspections:
            order = getattr(i, "order", None)
            rows.append({"inspected_on": i.inspected_on, "origin": i.get_origin_display(),
                         "conclusion": i.conclusion, "published_at": i.published_at, **by_inspection[i.pk],
                         "rectification": None if order is None else order.get_status_display()})
        return {"inspections": rows}
