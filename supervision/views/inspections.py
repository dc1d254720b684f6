"""Pages of random inspections and rectification: plans (wizard, draw with its seed, redraw with a
reason), the roster, the inspection sheet (tablet-friendly: one row of three large choices per item,
photos, sign-offs, publication), the rectification board, and the order page where the operator
replies with evidence and the inspector verifies. Thin: each reads through a selector or calls one
service; a service's refusal is shown as a message or on the form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from core.inputs import ParsedField
from core.pages import Paginator, active_role, apply_domain_error, fail, role_required
from core.roles import Role

from .. import inspection_inputs as inputs
from ..models import Department, Grade, InspectionStatus, OrderStatus, Origin, Result
from ..selectors import inspections as selectors
from ..services import inspections as services
from ..services import rectification as rectification_services
from ..workflow import (
    INSPECTION,
    INSPECTION_READERS,
    INSPECTORS,
    ORDER,
    PLANNERS,
    InspectionAction,
    OrderAction,
)

PAGE_SIZE = 25
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
ORDER_READERS = (INSPECTION_READERS, {Role.OPERATOR})


class PlanForm(forms.Form):
    name = ParsedField(inputs.PLAN["name"], label="计划名称")
    period_start = ParsedField(inputs.PLAN["period_start"], label="检查期间起始日", widget=DATE)
    period_end = ParsedField(inputs.PLAN["period_end"], label="检查期间截止日", widget=DATE)
    departments = forms.MultipleChoiceField(label="参与部门", choices=Department.choices, required=False,
                                            widget=forms.CheckboxSelectMultiple)
    rate_A = forms.IntegerField(label="A 级抽查比例（%）", min_value=0, max_value=100)
    rate_B = forms.IntegerField(label="B 级抽查比例（%）", min_value=0, max_value=100)
    rate_C = forms.IntegerField(label="C 级抽查比例（%）", min_value=0, max_value=100)
    rate_D = forms.IntegerField(label="D 级抽查比例（%）", min_value=0, max_value=100)
    inspectors_per_inspection = ParsedField(inputs.PLAN["inspectors_per_inspection"], label="每次检查人数",
                                            initial=2, widget=forms.NumberInput)
    seed = ParsedField(inputs.PLAN["seed"], label="随机种子（可选，留空自动生成）", required=False,
                       widget=forms.NumberInput)

    def service_data(self) -> dict:
        d = dict(self.cleaned_data)
        data = {k: d[k] for k in ("name", "period_start", "period_end", "inspectors_per_inspection")}
        data["departments"] = [v for v in Department.values if v in d.get("departments", [])]
        data["rates"] = {g: d[f"rate_{g}"] for g in Grade.values}
        if d.get("seed") is not None:
            data["seed"] = d["seed"]
        return data


class RedrawForm(forms.Form):
    reason = ParsedField(inputs.DRAW["reason"], label="重新抽取原因", required=True,
                         widget=forms.Textarea(attrs={"rows": 2}))


class InspectorForm(forms.Form):
    name = ParsedField(inputs.INSPECTOR["name"], label="姓名")
    department = ParsedField(inputs.INSPECTOR["department"], label="部门",
                             widget=forms.Select(choices=[("", "请选择"), *Department.choices]))


class ConflictForm(forms.Form):
    uscc = ParsedField(inputs.CONFLICT["uscc"], label="机构或举办者统一社会信用代码", required=True)
    note = ParsedField(inputs.CONFLICT["note"], label="说明")


class TargetedForm(forms.Form):
    """A targeted inspection (after a complaint, an incident or a campaign): the institution (fixed
    when it follows a complaint or an incident), its origin and reference, and ≥ 2 inspectors."""

    institution_id = forms.TypedChoiceField(label="被检查机构", coerce=int, choices=())
    origin = forms.ChoiceField(label="来源", choices=())
    reference = ParsedField(inputs.TARGETED["reference"], label="来源说明（专项行动名称、投诉或事件摘要）")
    inspector_ids = forms.TypedMultipleChoiceField(label="检查人员（至少 2 名）", coerce=int, choices=(),
                                                   widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, institutions, inspectors, source=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution_id"].choices = [("", "请选择"), *institutions]
        self.fields["origin"].choices = [(v, label) for v, label in Origin.choices if v != Origin.RANDOM]
        self.fields["inspector_ids"].choices = [
            (i.pk, f"{i.name}（{i.get_department_display()}）") for i in inspectors]
        if source is not None:  # the complaint's or incident's institution and origin, not chosen
            self.fields["institution_id"].widget = forms.HiddenInput()
            self.fields["origin"].widget = forms.HiddenInput()

    def service_data(self) -> dict:
        return {k: self.cleaned_data[k] for k in ("institution_id", "origin", "reference", "inspector_ids")}


class SignForm(forms.Form):
    conclusion = ParsedField(inputs.SIGN["conclusion"], label="检查结论（公示，可留空自动生成）",
                             widget=forms.Textarea(attrs={"rows": 2}))


class ReplyForm(forms.Form):
    text = ParsedField(inputs.REPLY["text"], label="整改情况", widget=forms.Textarea(attrs={"rows": 4}))


class AcceptForm(forms.Form):
    reason = ParsedField(inputs.ACCEPT["reason"], label="核验意见", widget=forms.TextInput)


class RejectForm(forms.Form):
    reason = ParsedField(inputs.REJECT["reason"], label="不通过理由", widget=forms.Textarea(attrs={"rows": 2}))
    new_due_on = ParsedField(inputs.REJECT["new_due_on"], label="新的整改期限", widget=DATE)


def _district(request) -> str:
    return request.assignment.region_id


# --- plans ------------------------------------------------------------------------------------------

@role_required(INSPECTION_READERS)
def plan_list(request):
    page = Paginator(selectors.plan_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/inspections/plans.html", {
        "page": page, "may_plan": active_role(request) in PLANNERS})


@role_required(PLANNERS)
def plan_new(request):
    from regions.policy import policy_value

    defaults = {f"rate_{g}": policy_value(request.assignment.region, f"inspection.sampling_rate.{g}")
                for g in Grade.values}
    form = PlanForm(request.POST or None, initial={**defaults, "inspectors_per_inspection": 2,
                                                   "departments": [Department.HEALTH]})
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(actor=request.user, data=form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"抽查计划“{plan.name}”已创建，随机种子 {plan.seed}。")
            return redirect("supervision:plan_detail", plan.pk)
    return render(request, "supervision/inspections/plan_form.html", {"form": form})


@role_required(INSPECTION_READERS)
def plan_detail(request, plan_id: int):
    plan = selectors.plan_get(plan_id=plan_id)
    draws = selectors.plan_draws(plan=plan)
    inspections = list(selectors.inspection_list(plan_id=plan.pk).order_by("draw__number", "institution__name"))
    return render(request, "supervision/inspections/plan_detail.html", {
        "plan": plan, "draws": draws, "inspections": inspections, "may_plan": active_role(request) in PLANNERS,
        "redraw_form": RedrawForm()})


@role_required(PLANNERS)
@require_POST
def plan_draw(request, plan_id: int):
    plan = selectors.plan_get(plan_id=plan_id)
    data = {}
    if plan.status != "draft":
        form = RedrawForm(request.POST)
        if not form.is_valid():
            messages.error(request, "重新抽取必须说明原因。")
            return redirect("supervision:plan_detail", plan_id)
        data["reason"] = form.cleaned_data["reason"]
    try:
        record = services.plan_draw(actor=request.user, plan_id=plan_id, data=data)
    except DomainError as exc:
        return fail(request, exc, "supervision:plan_detail", plan_id)
    messages.success(request, f"第 {record.number} 次抽取完成（种子 {record.seed}），"
                              f"总体 {record.population} 家，抽中 {sum(v[1] for v in record.by_grade.values())} 家。")
    return redirect("supervision:plan_detail", plan_id)


# --- the roster -------------------------------------------------------------------------------------

@role_required(INSPECTION_READERS)
def inspector_list(request):
    may_edit = active_role(request) == Role.DISTRICT_ADMIN
    form = InspectorForm(request.POST or None)
    if request.method == "POST" and may_edit and form.is_valid():
        try:
            services.inspector_create(actor=request.user, data=dict(form.cleaned_data))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "已加入检查人员名录。")
            return redirect("supervision:inspector_list")
    return render(request, "supervision/inspections/inspectors.html", {
        "inspectors": selectors.inspector_list(), "form": form, "may_edit": may_edit,
        "conflict_form": ConflictForm()})


@role_required(INSPECTORS)
@require_POST
def inspector_conflict(request, inspector_id: int):
    selectors.inspector_get(inspector_id=inspector_id)
    form = ConflictForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("supervision:inspector_list")
    try:
        services.conflict_declare(actor=request.user, inspector_id=inspector_id, data=dict(form.cleaned_data))
    except DomainError as exc:
        return fail(request, exc, "supervision:inspector_list")
    messages.success(request, "利益冲突已登记：今后抽取不会分派该人员检查相关机构。")
    return redirect("supervision:inspector_list")


@role_required({Role.DISTRICT_ADMIN})
def inspector_edit(request, inspector_id: int):
    inspector = selectors.inspector_get(inspector_id=inspector_id)
    form = InspectorForm(request.POST or None, initial={"name": inspector.name, "department": inspector.department})
    if request.method == "POST" and form.is_valid():
        try:
            services.inspector_update(actor=request.user, inspector_id=inspector.pk, data=dict(form.cleaned_data))
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            apply_domain_error(form, exc)
        else:
            messages.success(request, "检查人员信息已更新。")
            return redirect("supervision:inspector_list")
    return render(request, "supervision/inspections/inspector_form.html", {"form": form, "inspector": inspector})


@role_required({Role.DISTRICT_ADMIN})
@require_POST
def inspector_active(request, inspector_id: int):
    """Retire (``active=0``) or reactivate (``active=1``) an inspector: a retired one is never drawn."""
    selectors.inspector_get(inspector_id=inspector_id)
    active = request.POST.get("active") == "1"
    try:
        services.inspector_set_active(actor=request.user, inspector_id=inspector_id, active=active)
    except DomainError as exc:
        return fail(request, exc, "supervision:inspector_list")
    messages.success(request, "已恢复在册。" if active else "已退出名录：今后抽取不再分派该人员。")
    return redirect("supervision:inspector_list")


@role_required(INSPECTORS)
@require_POST
def conflict_remove(request, inspector_id: int, conflict_id: int):
    inspector = selectors.inspector_get(inspector_id=inspector_id)
    if not any(c.pk == conflict_id for c in inspector.conflicts.all()):
        raise NotFound("利益冲突申报不存在或不在您的管辖范围内。")
    try:
        services.conflict_remove(actor=request.user, conflict_id=conflict_id)
    except DomainError as exc:
        return fail(request, exc, "supervision:inspector_list")
    messages.success(request, "利益冲突申报已撤销。")
    return redirect("supervision:inspector_list")


# --- inspections ------------------------------------------------------------------------------------

@role_required(INSPECTION_READERS, {Role.OPERATOR})
def inspection_list(request):
    status = request.GET.get("status") if request.GET.get("status") in InspectionStatus.values else None
    page = Paginator(selectors.inspection_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/inspections/list.html", {
        "page": page, "status": status or "", "statuses": InspectionStatus.choices,
        "may_target": active_role(request) in INSPECTORS})


def _targeted_source(request) -> dict | None:
    """The complaint or incident the new inspection follows (``?complaint=`` / ``?incident=``), read in
    the district's scope (out of scope → 404), as the form's fixed values."""
    from ..selectors import complaints as complaint_selectors

    for key in ("complaint", "incident"):
        raw = request.POST.get(f"{key}_id") or request.GET.get(key)
        if not raw:
            continue
        if not str(raw).isdigit() or not 0 < int(raw) < 2**31:
            raise NotFound("投诉或事件不存在或不在您的管辖范围内。")
        if key == "complaint":
            row = complaint_selectors.complaint_get(complaint_id=int(raw))
            label = f"投诉 {row.tracking_code_display}"
        else:
            row = complaint_selectors.incident_get(incident_id=int(raw))
            label = f"突发事件：{row.get_kind_display()}（{row.occurred_at:%Y-%m-%d}）"
        return {"key": key, "id": row.pk, "institution_id": row.institution_id,
                "institution_name": row.institution_name, "label": label,
                "origin": Origin.COMPLAINT if key == "complaint" else Origin.INCIDENT,
                "followed": row.followup_inspection_id}
    return None


@role_required(INSPECTORS)
def inspection_new(request):
    """Create a targeted inspection; from a complaint or an incident page it is linked to it in the
    same transaction (the service)."""
    source = _targeted_source(request)
    district = _district(request)
    initial = {"origin": Origin.CAMPAIGN}
    if source:
        initial = {"institution_id": source["institution_id"], "origin": source["origin"],
                   "reference": source["label"]}
    institutions = selectors.targetable_institutions(district_id=district)
    if source and source["institution_id"] not in {pk for pk, _ in institutions}:
        institutions.append((source["institution_id"], source["institution_name"]))
    form = TargetedForm(request.POST or None, initial=initial, institutions=institutions,
                        inspectors=selectors.draw_roster(district_id=district, departments=[]), source=source)
    if request.method == "POST" and form.is_valid():
        data = form.service_data()
        if source:
            data[f"{source['key']}_id"] = source["id"]
        try:
            inspection = services.inspection_create_targeted(actor=request.user, data=data)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            apply_domain_error(form, exc)
        else:
            messages.success(request, "专项检查已创建，检查人员已收到通知。")
            return redirect("supervision:inspection_detail", inspection.pk)
    return render(request, "supervision/inspections/targeted_form.html", {"form": form, "source": source})


@role_required(INSPECTION_READERS, {Role.OPERATOR})
def inspection_detail(request, inspection_id: int):
    inspection = selectors.inspection_get(inspection_id=inspection_id)
    commission = active_role(request) in INSPECTION_READERS
    may_record = (active_role(request) in INSPECTORS and inspection.status == InspectionStatus.PLANNED)
    sheet = selectors.inspection_sheet(inspection=inspection)
    groups: dict[str, list] = {}
    for row in sheet:
        groups.setdefault(row["item"].get_dimension_display(), []).append(row)
    return render(request, "supervision/inspections/detail.html", {
        "inspection": inspection, "groups": groups, "results": Result.choices, "may_record": may_record,
        "commission": commission, "recorded": sum(1 for r in sheet if r["finding"]), "total": len(sheet),
        "photos": list(inspection.photos.all()) if commission else [],
        "may_publish": active_role(request) in INSPECTORS and INSPECTION.allows(InspectionAction.PUBLISH, inspection.status),
        "sign_form": SignForm(), "order": selectors.inspection_order(inspection_id=inspection.pk),
        "sources": selectors.inspection_sources(inspection=inspection) if commission else {}})


@role_required(INSPECTORS)
@require_POST
def inspection_record(request, inspection_id: int):
    inspection = selectors.inspection_get(inspection_id=inspection_id)
    rows = []
    for row in selectors.inspection_sheet(inspection=inspection):
        item = row["item"]
        result = request.POST.get(f"result_{item.pk}")
        if result:
            rows.append({"item_id": item.pk, "result": result, "note": request.POST.get(f"note_{item.pk}", "")})
    try:
        data = inputs.FINDINGS["findings"](rows)
        services.findings_record(actor=request.user, inspection_id=inspection_id, data={"findings": data})
        upload = request.FILES.get("photo")
        if upload is not None:
            services.photo_upload(actor=request.user, inspection_id=inspection_id, uploaded_file=upload)
    except DomainError as exc:
        return fail(request, exc, "supervision:inspection_detail", inspection_id)
    except forms.ValidationError:
        messages.error(request, "检查记录有误，请检查所选结果。")
        return redirect("supervision:inspection_detail", inspection_id)
    messages.success(request, f"已保存 {len(rows)} 个项目的检查结果。")
    return redirect("supervision:inspection_detail", inspection_id)


@role_required(INSPECTORS)
@require_POST
def inspection_sign(request, inspection_id: int):
    selectors.inspection_get(inspection_id=inspection_id)
    form = SignForm(request.POST)
    inspector_id = request.POST.get("inspector_id", "")
    if not form.is_valid() or not inspector_id.isdigit():
        messages.error(request, "签字信息有误。")
        return redirect("supervision:inspection_detail", inspection_id)
    try:
        inspection = services.inspection_sign(actor=request.user, inspection_id=inspection_id, data={
            "inspector_id": int(inspector_id), **({"conclusion": form.cleaned_data["conclusion"]}
                                                   if form.cleaned_data.get("conclusion") else {})})
    except DomainError as exc:
        return fail(request, exc, "supervision:inspection_detail", inspection_id)
    if inspection.status == InspectionStatus.COMPLETED:
        messages.success(request, "全部检查人员已签字，检查完成；不符合项已生成整改通知。请在期限内公示结果。")
    else:
        messages.success(request, "已签字，等待其他检查人员签字。")
    return redirect("supervision:inspection_detail", inspection_id)


@role_required(INSPECTORS)
@require_POST
def inspection_publish(request, inspection_id: int):
    selectors.inspection_get(inspection_id=inspection_id)
    try:
        services.inspection_publish(actor=request.user, inspection_id=inspection_id)
    except DomainError as exc:
        return fail(request, exc, "supervision:inspection_detail", inspection_id)
    messages.success(request, "检查结果已在机构公开页面公示。")
    return redirect("supervision:inspection_detail", inspection_id)


# --- rectification ----------------------------------------------------------------------------------

@role_required(*ORDER_READERS)
def order_board(request):
    status = request.GET.get("status") if request.GET.get("status") in OrderStatus.values else None
    overdue = request.GET.get("overdue") == "1"
    page = Paginator(selectors.order_list(status=status, overdue=overdue), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/inspections/orders.html", {
        "page": page, "status": status or "", "overdue": overdue, "statuses": OrderStatus.choices,
        "counts": selectors.order_counts()})


@role_required(*ORDER_READERS)
def order_detail(request, order_id: int):
    order = selectors.order_get(order_id=order_id)
    role = active_role(request)
    return render(request, "supervision/inspections/order_detail.html", {
        "order": order,
        "may_reply": role == Role.OPERATOR and ORDER.allows(OrderAction.REPLY, order.status),
        "may_verify": role in INSPECTORS and ORDER.allows(OrderAction.ACCEPT, order.status),
        "reply_form": ReplyForm(), "accept_form": AcceptForm(), "reject_form": RejectForm()})


@role_required({Role.OPERATOR})
@require_POST
def order_reply(request, order_id: int):
    order = selectors.order_get(order_id=order_id)
    form = ReplyForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写整改情况。")
        return redirect("supervision:order_detail", order_id)
    try:
        rectification_services.order_reply(actor=request.user, order_id=order_id, data=dict(form.cleaned_data),
                                           files=request.FILES.getlist("files"), expected_version=order.version)
    except DomainError as exc:
        return fail(request, exc, "supervision:order_detail", order_id)
    messages.success(request, "整改情况已提交，等待检查人员核验。")
    return redirect("supervision:order_detail", order_id)


@role_required(INSPECTORS)
@require_POST
def order_verify(request, order_id: int):
    order = selectors.order_get(order_id=order_id)
    accept = request.POST.get("decision") == "accept"
    form = AcceptForm(request.POST) if accept else RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("supervision:order_detail", order_id)
    try:
        if accept:
            rectification_services.order_accept(actor=request.user, order_id=order_id, data=dict(form.cleaned_data),
                                                expected_version=order.version)
        else:
            rectification_services.order_reject(actor=request.user, order_id=order_id, data=dict(form.cleaned_data),
                                                expected_version=order.version)
    except DomainError as exc:
        return fail(request, exc, "supervision:order_detail", order_id)
    messages.success(request, "核验通过，整改完成。" if accept else "核验不通过，已通知机构按新的期限重新整改。")
    return redirect("supervision:order_detail", order_id)
