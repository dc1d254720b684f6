"""Random inspections (双随机一公开): checklists, the inspector roster, plans and their draws,
targeted inspections, recording, sign-off and publication.

Every write here: keyword-only, the actor first, ``@transaction.atomic``, ``require_role`` (through
the workflow tables of ``supervision.workflow`` for status moves), typed values checked against
``supervision.inspection_inputs`` and one ``DomainError`` for every refusal.

The draw (``plan_draw``) is reproducible: the population is the district's filed, not-terminated
institutions in id order (``selectors.inspections.draw_population``), grouped by grade
(``institution_grades``); one ``random.Random(seed)`` samples ceil(n × rate) of each grade in the
order A, B, C, D, then assigns to each drawn institution, in id order, the inspectors with the least
load so far in this draw (ties broken by the same generator), never one with a declared conflict.
Same seed, same population, same roster → same draw.
"""

from __future__ import annotations

import math
import random
import secrets
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.deadlines import due_after
from core.errors import DomainError, NotFound, PermissionDenied
from core.events import record_bulk, record_event
from core.inputs import check_parsed, raise_if_any
from core.permissions import acting_assignments, require_role
from core.roles import Role
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from regions.models import Region
from regions.policy import policy_value
from registry.models import Institution
from registry.services.documents import sha256_of, upload_name, validate_upload

from .. import checklist_default
from .. import inspection_inputs as inputs
from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    Grade,
    Inspection,
    InspectionFinding,
    InspectionInspector,
    InspectionPhoto,
    InspectionPlan,
    InspectionStatus,
    Inspector,
    InspectorConflict,
    Origin,
    PlanDraw,
    Result,
)
from ..selectors import inspections as selectors
from ..workflow import INSPECTION, INSPECTORS, PLAN, PLANNERS, InspectionAction, PlanAction
from .complaints import complaint_attach_inspection
from .incidents import incident_attach_inspection

MAX_PHOTOS_PER_INSPECTION = 60


# --- the actor's district ---------------------------------------------------------------------------

def _district_of(actor, roles: Iterable[str]) -> Region:
    """The district the actor acts in (the region of their acting assignment with one of ``roles``)."""
    roles = set(roles)
    for assignment in acting_assignments(actor):
        if assignment.role in roles and assignment.region_id:
            return assignment.region
    raise PermissionDenied("只有区县监督检查人员或管理员可以执行该操作。")


def _locked(model, pk: int, what: str):
    obj = model.objects.select_for_update().filter(pk=pk).first()
    if obj is None:
        raise NotFound(f"{what}不存在或不在您的管辖范围内。")
    return obj


# --- checklists -------------------------------------------------------------------------------------

def _new_template(*, district: Region, version: int, based_on: ChecklistTemplate | None, reason: str,
                  items: list[dict[str, Any]], actor) -> ChecklistTemplate:
    template = ChecklistTemplate(name=checklist_default.NAME if based_on is None else based_on.name,
                                 version=version, based_on=based_on, current=True,
                                 national_version=checklist_default.NATIONAL_VERSION, change_reason=reason,
                                 created_by=actor)
    template.set_region(district)
    template.save()
    ChecklistItem.objects.bulk_create([
        ChecklistItem(template=template, position=n, **item) for n, item in enumerate(items, start=1)])
    return template


def _national_items() -> list[dict[str, str]]:
    return [dict(code=c, dimension=d, text=t, basis=b, severity=s) for c, d, t, b, s in checklist_default.ITEMS]


def checklist_ensure(*, district: Region, actor=None) -> ChecklistTemplate:
    """The district's current checklist; the first time, a copy of the national default (version 1).
    Idempotent: two callers at once meet the unique version and the second reads the first's copy."""
    current = ChecklistTemplate.objects.filter(district_id=district.tenant_district_code, current=True).first()
    if current is not None:
        return current
    try:
        with transaction.atomic():
            return _new_template(district=district, version=1, based_on=None, actor=actor,
                                 reason=f"复制国家默认清单（{checklist_default.NATIONAL_VERSION}）",
                                 items=_national_items())
    except IntegrityError:
        return ChecklistTemplate.objects.get(district_id=district.tenant_district_code, current=True)


@transaction.atomic
def checklist_revise(*, actor, data: dict[str, Any]) -> ChecklistTemplate:
    """A district's adaptation: ``{"reason", "items": [{"code", "dimension", "text", "basis",
    "severity"}]}`` — the whole list of the new version. The previous version stays as it was
    (inspections keep the version they used); the new one becomes current."""
    district = _district_of(actor, {Role.DISTRICT_ADMIN})
    raise_if_any(check_parsed(inputs.CHECKLIST, data, required=("reason", "items")))
    items = data["items"]
    if not items:
        raise DomainError("items_required", "检查清单至少需要一个检查项目。",
                          fields={"items": [("items_required", "请至少填写一个检查项目。")]})
    codes = [i["code"] for i in items]
    duplicates = sorted({c for c in codes if codes.count(c) > 1})
    if duplicates:
        raise DomainError("item_code_duplicate", f"检查项目编号重复：{'、'.join(duplicates)}。",
                          fields={"items": [("item_code_duplicate", "编号不能重复。")]})
    previous = checklist_ensure(district=district, actor=actor)
    previous = ChecklistTemplate.objects.select_for_update().get(pk=previous.pk)
    require_role(actor, PLANNERS, previous)
    previous.current = False
    previous.save(update_fields=["current"])
    return _new_template(district=district, version=previous.version + 1, based_on=previous,
                         reason=data["reason"], items=items, actor=actor)


# --- the roster -------------------------------------------------------------------------------------

@transaction.atomic
def inspector_create(*, actor, data: dict[str, Any]) -> Inspector:
    """Add a person to the district's roster: ``{"name", "department", "user_id"?}`` (a user account
    of the same district, optional)."""
    district = _district_of(actor, {Role.DISTRICT_ADMIN})
    raise_if_any(check_parsed(inputs.INSPECTOR, data, required=inputs.INSPECTOR_REQUIRED))
    inspector = Inspector(name=data["name"], department=data["department"])
    inspector.set_region(district)
    require_role(actor, PLANNERS, inspector)
    if data.get("user_id"):
        from accounts.models import Assignment

        if not Assignment.objects.filter(user_id=data["user_id"], is_active=True, region_id=inspector.district_id,
                                         role__in=INSPECTORS).exists():
            raise DomainError("user_invalid", "该账号不是本辖区的监督检查人员或管理员。",
                              fields={"user_id": [("user_invalid", "请选择本辖区检查人员的账号。")]})
        inspector.user_id = data["user_id"]
    inspector.save()
    return inspector


@transaction.atomic
def inspector_update(*, actor, inspector_id: int, data: dict[str, Any]) -> Inspector:
    """Correct a roster entry's name and department (the district admin)."""
    inspector = _locked(Inspector, inspector_id, "检查人员")
    require_role(actor, PLANNERS, inspector)
    raise_if_any(check_parsed({k: inputs.INSPECTOR[k] for k in ("name", "department")}, data,
                              required=("name", "department")))
    inspector.name, inspector.department = data["name"], data["department"]
    inspector.save(update_fields=["name", "department"])
    return inspector


@transaction.atomic
def inspector_set_active(*, actor, inspector_id: int, active: bool) -> Inspector:
    inspector = _locked(Inspector, inspector_id, "检查人员")
    require_role(actor, PLANNERS, inspector)
    inspector.active = bool(active)
    inspector.save(update_fields=["active"])
    return inspector


@transaction.atomic
def conflict_declare(*, actor, inspector_id: int, data: dict[str, Any]) -> InspectorConflict:
    """Declare a conflict of interest: ``{"institution_id"?, "uscc"?, "note"?}`` (one of the two)."""
    inspector = _locked(Inspector, inspector_id, "检查人员")
    require_role(actor, INSPECTORS, inspector)
    raise_if_any(check_parsed(inputs.CONFLICT, data))
    institution_id, uscc = data.get("institution_id"), data.get("uscc") or ""
    if not institution_id and not uscc:
        raise DomainError("conflict_target_required", "请填写存在利益冲突的机构或举办者统一社会信用代码。",
                          fields={"institution_id": [("conflict_target_required", "请选择机构或填写信用代码。")]})
    conflict = InspectorConflict(inspector=inspector, uscc=uscc, note=data.get("note") or "")
    if institution_id:
        # Any institution of the country may be declared (an inspector may know one elsewhere); it is
        # only ever compared by id, so nothing of it is read here.
        if not Institution.objects.filter(pk=institution_id).exists():
            raise DomainError("institution_unknown", "机构不存在或不在本辖区。",
                              fields={"institution_id": [("institution_unknown", "机构不存在。")]})
        conflict.institution_id = institution_id
    conflict.save()
    return conflict


@transaction.atomic
def conflict_remove(*, actor, conflict_id: int) -> None:
    """Withdraw a declared conflict of interest (its declaration and removal stay in the history)."""
    conflict = _locked(InspectorConflict, conflict_id, "利益冲突申报")
    require_role(actor, {Role.DISTRICT_ADMIN, Role.DISTRICT_INSPECTOR}, conflict)
    conflict.delete()


# --- plans and the draw -----------------------------------------------------------------------------

def _default_rates(district: Region) -> dict[str, int]:
    return {g: int(policy_value(district, f"inspection.sampling_rate.{g}")) for g in Grade.values}


@transaction.atomic
def plan_create(*, actor, data: dict[str, Any]) -> InspectionPlan:
    """``{"name", "period_start", "period_end", "departments"?, "rates"?, "inspectors_per_inspection",
    "seed"?}``: rates a grade omits take the region's (``inspection.sampling_rate.<grade>``); without
    a seed, a random one is chosen and stored."""
    district = _district_of(actor, PLANNERS)
    raise_if_any(check_parsed(inputs.PLAN, data, required=inputs.PLAN_REQUIRED))
    if data["period_end"] < data["period_start"]:
        raise DomainError("period_invalid", "检查期间的截止日不能早于起始日。",
                          fields={"period_end": [("period_invalid", "截止日不能早于起始日。")]})
    seed = data.get("seed")
    plan = InspectionPlan(name=data["name"], period_start=data["period_start"], period_end=data["period_end"],
                          departments=data.get("departments") or [],
                          rates={**_default_rates(district), **(data.get("rates") or {})},
                          inspectors_per_inspection=data["inspectors_per_inspection"],
                          seed=secrets.randbelow(2**62) if seed is None else seed, created_by=actor)
    plan.set_region(district)
    require_role(actor, PLANNERS, plan)
    plan.save()
    record_event(plan, actor=actor, action=PlanAction.CREATE, from_status="", reason=plan.name)
    return plan


class DrawResult:
    """The outcome of the pure draw: ``picks`` = [(institution id, grade, [inspector ids])] and
    ``by_grade`` = {grade: [population, drawn]}."""

    def __init__(self, picks, by_grade):
        self.picks, self.by_grade = picks, by_grade


def draw(*, seed: int, population: list[tuple[int, str]], grades: dict[int, str], rates: dict[str, int],
         roster: list[int], conflicts: dict[int, tuple[set[int], set[str]]], per_inspection: int) -> DrawResult:
    """The draw itself, pure: no database. See the module docstring for the order of operations.
    Raises ``DomainError("not_enough_inspectors")`` when an institution cannot get enough
    inspectors free of conflicts."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible draw (seed stored and published), not a secret
    uscc_of = dict(population)
    by_grade: dict[str, list[int]] = {g: [] for g in Grade.values}
    for pk, _uscc in population:
        by_grade[grades.get(pk, selectors.DEFAULT_GRADE)].append(pk)
    chosen: list[tuple[int, str]] = []
    summary = {}
    for grade in Grade.values:
        ids = by_grade[grade]
        k = min(len(ids), math.ceil(len(ids) * rates.get(grade, 0) / 100))
        picked = rng.sample(ids, k) if k else []
        summary[grade] = [len(ids), k]
        chosen += [(pk, grade) for pk in picked]
    chosen.sort()
    # Who may not inspect whom: {institution id: inspector ids} (by institution, or by credit code).
    inspectors_by_code: dict[str, set[int]] = {}
    blocked: dict[int, set[int]] = {}
    for inspector, (institution_ids, codes) in conflicts.items():
        for pk in institution_ids:
            blocked.setdefault(pk, set()).add(inspector)
        for code in codes:
            inspectors_by_code.setdefault(code, set()).add(inspector)
    # Inspectors by load so far (each level in roster order): the team is drawn at random from the
    # least-loaded level first, so loads never differ by more than conflicts force them to.
    levels: dict[int, list[int]] = {0: list(roster)}
    load = dict.fromkeys(roster, 0)
    picks = []
    for pk, grade in chosen:
        excluded = blocked.get(pk, set()) | inspectors_by_code.get(uscc_of[pk], set())
        team: list[int] = []
        for level in sorted(levels):
            if len(team) == per_inspection:
                break
            candidates = [i for i in levels[level] if i not in excluded]
            need = per_inspection - len(team)
            team += rng.sample(candidates, need) if len(candidates) > need else candidates
        if len(team) < per_inspection:
            raise DomainError("not_enough_inspectors",
                              f"检查人员不足：有机构可分派的无利益冲突检查人员少于 {per_inspection} 名，请先补充名录。",
                              status_code=409)
        for i in team:
            levels[load[i]].remove(i)
            if not levels[load[i]]:
                del levels[load[i]]
            load[i] += 1
            levels.setdefault(load[i], []).append(i)
        picks.append((pk, grade, sorted(team)))
    return DrawResult(picks, summary)


def _notify_assigned(inspection_ids: list[int]) -> None:
    def recipients():
        users = InspectionInspector.objects.filter(inspection_id__in=inspection_ids,
                                                   inspector__user__isnull=False).select_related("inspector__user")
        return [a.inspector.user for a in users]

    notify_on_commit(kind=NotificationType.INSPECTION_ASSIGNED, recipients=recipients,
                     title="您有新的监督检查任务", body="抽查计划已抽取，请在“监督检查”中查看分派给您的检查。",
                     link=reverse("supervision:inspection_list"))


@transaction.atomic
def plan_draw(*, actor, plan_id: int, data: dict[str, Any] | None = None) -> PlanDraw:
    """Draw the plan (first time), or draw again with ``{"reason", "seed"?}``: the earlier draws stay
    on record and their inspections not yet done are cancelled. A second draw without a reason is
    ``409 redraw_reason_required``."""
    data = data or {}
    raise_if_any(check_parsed(inputs.DRAW, data))
    plan = _locked(InspectionPlan, plan_id, "抽查计划")
    action = PlanAction.DRAW if plan.status == "draft" else PlanAction.REDRAW
    t = PLAN.ensure_transition(plan, action, actor)
    reason = data.get("reason") or ""
    if action == PlanAction.REDRAW and not reason:
        raise DomainError("redraw_reason_required", "该计划已抽取过；重新抽取必须说明原因，此前的抽取结果将留档。",
                          fields={"reason": [("reason_required", "请填写重新抽取的原因。")]}, status_code=409)
    number = plan.draws.count() + 1
    seed = plan.seed if number == 1 else (data["seed"] if data.get("seed") is not None else secrets.randbelow(2**62))
    population = selectors.draw_population(district_id=plan.district_id)
    grades = selectors.institution_grades([pk for pk, _ in population])
    roster = selectors.draw_roster(district_id=plan.district_id, departments=plan.departments)
    conflicts = selectors.conflicts_of([i.pk for i in roster])
    result = draw(seed=seed, population=population, grades=grades, rates=plan.rates,
                  roster=[i.pk for i in roster], conflicts=conflicts, per_inspection=plan.inspectors_per_inspection)
    if number > 1:
        earlier = Inspection.objects.filter(plan_id=plan.pk, status=InspectionStatus.PLANNED)
        INSPECTION.apply_bulk(earlier, InspectionAction.CANCEL, reason=f"重新抽取：{reason}")
    record = PlanDraw(plan=plan, number=number, seed=seed, reason=reason, population=len(population),
                      by_grade=result.by_grade, drawn_by=actor)
    record.save()
    template = checklist_ensure(district=plan.district, actor=actor)
    institutions = {i.pk: i for i in Institution.objects.filter(pk__in=[p[0] for p in result.picks])}
    inspections = Inspection.objects.bulk_create([
        Inspection(institution=institutions[pk], origin=Origin.RANDOM, plan=plan, draw=record, grade=grade,
                   template=template, created_by=actor) for pk, grade, _team in result.picks])
    InspectionInspector.objects.bulk_create([
        InspectionInspector(inspection=inspection, inspector_id=i)
        for inspection, (_pk, _grade, team) in zip(inspections, result.picks, strict=True) for i in team])
    ids = [i.pk for i in inspections]
    if ids:
        record_bulk(Inspection.objects.filter(pk__in=ids), action=InspectionAction.CREATE, actor=actor,
                    reason=f"{plan.name}·第 {number} 次抽取")
        _notify_assigned(ids)
    PLAN.apply(plan, t, actor=actor, reason=reason or f"第 {number} 次抽取（种子 {seed}）")
    return record


@transaction.atomic
def inspection_create_targeted(*, actor, data: dict[str, Any]) -> Inspection:
    """A targeted inspection (after a complaint, an incident, a campaign): ``{"institution_id", "origin",
    "reference", "inspector_ids": [≥ 2], "complaint_id"?, "incident_id"?}``, one at a time; the
    inspectors are the district's, free of declared conflicts. With ``complaint_id`` (or
    ``incident_id``) the origin is the complaint (the incident) and its follow-up link is set in this
    same transaction: either both exist or neither."""
    district = _district_of(actor, INSPECTORS)
    data = dict(data)
    if data.get("complaint_id"):
        data["origin"] = Origin.COMPLAINT
    elif data.get("incident_id"):
        data["origin"] = Origin.INCIDENT
    raise_if_any(check_parsed(inputs.TARGETED, data, required=inputs.TARGETED_REQUIRED))
    if data.get("complaint_id") and data.get("incident_id"):
        raise DomainError("source_ambiguous", "一次专项检查只能关联一件投诉或一起事件。",
                          fields={"incident_id": [("source_ambiguous", "投诉和事件只能选其一。")]})
    institution = Institution.objects.filter(pk=data["institution_id"], district_id=district.code).first()
    if institution is None:
        raise DomainError("institution_unknown", "机构不存在或不在本辖区。",
                          fields={"institution_id": [("institution_unknown", "机构不存在或不在本辖区。")]})
    ids = sorted(set(data["inspector_ids"]))
    if len(ids) < 2:
        raise DomainError("inspectors_too_few", "每次检查至少需要 2 名检查人员。",
                          fields={"inspector_ids": [("inspectors_too_few", "请至少选择 2 名检查人员。")]})
    found = {i.pk for i in Inspector.objects.filter(pk__in=ids, district_id=district.code, active=True)}
    if found != set(ids):
        raise DomainError("inspector_unknown", "有检查人员不存在、已不在册或不在本辖区。",
                          fields={"inspector_ids": [("inspector_unknown", "检查人员无效。")]})
    conflicts = selectors.conflicts_of(ids)
    conflicted = [i for i in ids if institution.pk in conflicts.get(i, (set(), set()))[0]
                  or institution.uscc in conflicts.get(i, (set(), set()))[1]]
    if conflicted:
        raise DomainError("inspector_conflict", "有检查人员申报了与该机构的利益冲突，不能分派。",
                          fields={"inspector_ids": [("inspector_conflict", "该检查人员与机构存在利益冲突。")]})
    inspection = Inspection(institution=institution, origin=data["origin"], reference=data["reference"],
                            template=checklist_ensure(district=district, actor=actor), created_by=actor)
    inspection.copy_tenant()
    require_role(actor, INSPECTORS, inspection)
    inspection.save()
    InspectionInspector.objects.bulk_create([InspectionInspector(inspection=inspection, inspector_id=i) for i in ids])
    record_event(inspection, actor=actor, action=InspectionAction.CREATE, from_status="",
                 reason=f"{inspection.get_origin_display()}：{inspection.reference}")
    if data.get("complaint_id"):
        complaint_attach_inspection(actor=actor, complaint_id=data["complaint_id"], inspection=inspection,
                                    reference=inspection.reference)
    elif data.get("incident_id"):
        incident_attach_inspection(actor=actor, incident_id=data["incident_id"], inspection=inspection)
    _notify_assigned([inspection.pk])
    return inspection


# --- recording --------------------------------------------------------------------------------------

def _open_inspection(actor, inspection_id: int) -> Inspection:
    inspection = _locked(Inspection, inspection_id, "检查")
    require_role(actor, INSPECTORS, inspection)
    if inspection.status != InspectionStatus.PLANNED:
        raise DomainError("inspection_closed", f"该检查{inspection.get_status_display()}，不能再修改记录。",
                          status_code=409)
    return inspection


@transaction.atomic
def findings_record(*, actor, inspection_id: int, data: dict[str, Any]) -> list[InspectionFinding]:
    """``{"findings": [{"item_id", "result", "note"?}]}``: each item of the inspection's checklist
    version conforms, does not conform, or does not apply (a later record of an item replaces the
    earlier one). A non-conforming item needs a note."""
    inspection = _open_inspection(actor, inspection_id)
    raise_if_any(check_parsed(inputs.FINDINGS, data, required=("findings",)))
    rows = data["findings"]
    items = set(ChecklistItem.objects.filter(template_id=inspection.template_id).values_list("pk", flat=True))
    errors = {}
    for n, row in enumerate(rows):
        if row["item_id"] not in items:
            errors[f"findings[{n}].item_id"] = [("item_unknown", "该检查项目不属于本次检查所用的清单。")]
        elif row["result"] == Result.NONCONFORMING and not row.get("note"):
            errors[f"findings[{n}].note"] = [("note_required", "不符合的项目请说明发现的问题。")]
    if errors:
        raise DomainError(next(iter(errors.values()))[0][0], "检查记录有误，请检查标注的项目。", fields=errors)
    existing = {f.item_id: f for f in InspectionFinding.objects.filter(inspection_id=inspection.pk)}
    out = []
    for row in rows:
        finding = existing.get(row["item_id"]) or InspectionFinding(inspection=inspection, item_id=row["item_id"])
        finding.result, finding.note, finding.recorded_by = row["result"], row.get("note") or "", actor
        finding.save()
        out.append(finding)
    return out


@transaction.atomic
def photo_upload(*, actor, inspection_id: int, uploaded_file, item_id: int | None = None) -> InspectionPhoto:
    """A photo (or scan) of the inspection, optionally of one item: judged like filing documents
    (``registry.services.documents.validate_upload``: PDF/JPEG/PNG by content, size limit)."""
    inspection = _open_inspection(actor, inspection_id)
    if item_id is not None and not ChecklistItem.objects.filter(pk=item_id, template_id=inspection.template_id).exists():
        raise DomainError("item_unknown", "该检查项目不属于本次检查所用的清单。",
                          fields={"item_id": [("item_unknown", "检查项目无效。")]})
    content_type, ext = validate_upload(uploaded_file)
    if InspectionPhoto.objects.filter(inspection_id=inspection.pk).count() >= MAX_PHOTOS_PER_INSPECTION:
        raise DomainError("too_many_photos", f"一次检查最多上传 {MAX_PHOTOS_PER_INSPECTION} 张照片。",
                          fields={"file": [("too_many_photos", "照片过多。")]})
    photo = InspectionPhoto(inspection=inspection, item_id=item_id, original_name=upload_name(uploaded_file, ext),
                            content_type=content_type, size=uploaded_file.size, sha256=sha256_of(uploaded_file),
                            uploaded_by=actor)
    photo.file.save(f"{uuid.uuid4().hex}.{ext}", uploaded_file, save=False)
    try:
        with transaction.atomic():
            photo.save()
    except Exception:
        photo.file.storage.delete(photo.file.name)
        raise
    return photo


@transaction.atomic
def inspection_sign(*, actor, inspection_id: int, data: dict[str, Any]) -> Inspection:
    """One assigned inspector signs off: ``{"inspector_id", "inspected_on"?, "conclusion"?}``. An
    inspector with a user account signs only as themselves. The last signature, with every item
    recorded, completes the inspection: its non-conforming items become a rectification order, and
    the result is due for publication within the region's working days (20)."""
    from .rectification import order_issue

    inspection = _open_inspection(actor, inspection_id)
    raise_if_any(check_parsed(inputs.SIGN, data, required=inputs.SIGN_REQUIRED))
    slot = (InspectionInspector.objects.select_for_update().select_related("inspector")
            .filter(inspection_id=inspection.pk, inspector_id=data["inspector_id"]).first())
    if slot is None:
        raise DomainError("inspector_not_assigned", "该检查人员未被分派到本次检查。",
                          fields={"inspector_id": [("inspector_not_assigned", "未分派的检查人员。")]})
    if slot.inspector.user_id and slot.inspector.user_id != actor.pk:
        raise DomainError("sign_as_self", "有登录账号的检查人员须本人签字。",
                          fields={"inspector_id": [("sign_as_self", "须本人登录签字。")]}, status_code=403)
    if slot.signed_at:
        raise DomainError("already_signed", "该检查人员已签字。", status_code=409)
    missing = ChecklistItem.objects.filter(template_id=inspection.template_id).exclude(
        pk__in=InspectionFinding.objects.filter(inspection_id=inspection.pk).values("item_id")).count()
    if missing:
        raise DomainError("findings_incomplete", f"还有 {missing} 个检查项目未记录结果，全部记录后才能签字。",
                          status_code=409)
    fields = []
    if data.get("inspected_on"):
        if data["inspected_on"] > timezone.localdate():
            raise DomainError("inspected_on_future", "检查日期不能晚于今天。",
                              fields={"inspected_on": [("inspected_on_future", "检查日期不能晚于今天。")]})
        inspection.inspected_on = data["inspected_on"]
        fields.append("inspected_on")
    if data.get("conclusion"):
        inspection.conclusion = data["conclusion"]
        fields.append("conclusion")
    slot.signed_at, slot.signed_by = timezone.now(), actor
    slot.save(update_fields=["signed_at", "signed_by"])
    record_event(inspection, actor=actor, action=InspectionAction.SIGN, from_status=inspection.status,
                 reason=f"{slot.inspector.name}签字")
    if InspectionInspector.objects.filter(inspection_id=inspection.pk, signed_at__isnull=True).exists():
        if fields:
            inspection.version += 1
            inspection.save(update_fields=[*fields, "version", "updated_at"])
        return inspection
    t = INSPECTION.ensure_transition(inspection, InspectionAction.COMPLETE, actor)
    now = timezone.now()
    inspection.inspected_on = inspection.inspected_on or timezone.localdate()
    if not inspection.conclusion:
        inspection.conclusion = _default_conclusion(inspection)
    inspection.completed_at = now
    days = int(policy_value(inspection.region, "inspection.publication_working_days"))
    inspection.publish_due_at = due_after(now, days, inspection.region)
    INSPECTION.apply(inspection, t, actor=actor,
                     update_fields=["inspected_on", "conclusion", "completed_at", "publish_due_at"])
    order_issue(inspection=inspection, actor=actor)
    return inspection


def _default_conclusion(inspection: Inspection) -> str:
    bad = InspectionFinding.objects.filter(inspection_id=inspection.pk, result=Result.NONCONFORMING).count()
    return "检查项目均符合要求。" if not bad else f"发现 {bad} 项不符合要求，已下达整改通知，责令限期整改。"


@transaction.atomic
def inspection_publish(*, actor, inspection_id: int) -> Inspection:
    """Publish a completed inspection's result on the portal's institution page."""
    inspection = _locked(Inspection, inspection_id, "检查")
    t = INSPECTION.ensure_transition(inspection, InspectionAction.PUBLISH, actor)
    inspection.published_at = timezone.now()
    INSPECTION.apply(inspection, t, actor=actor, update_fields=["published_at"])
    return inspection


@transaction.atomic
def inspection_cancel(*, actor, inspection_id: int, reason: str) -> Inspection:
    inspection = _locked(Inspection, inspection_id, "检查")
    t = INSPECTION.ensure_transition(inspection, InspectionAction.CANCEL, actor)
    raise_if_any(check_parsed(inputs.CANCEL, {"reason": reason}, required=("reason",)))
    if not reason:
        raise DomainError("reason_required", "取消检查必须说明原因。", fields={"reason": [("reason_required", "请填写原因。")]})
    INSPECTION.apply(inspection, t, actor=actor, reason=reason)
    return inspection


__all__ = ["checklist_ensure", "checklist_revise", "conflict_declare", "conflict_remove", "draw", "findings_record",
           "inspection_cancel", "inspection_create_targeted", "inspection_publish", "inspection_sign",
           "inspector_create", "inspector_set_active", "inspector_update", "photo_upload", "plan_create", "plan_draw"]
