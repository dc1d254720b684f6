"""Enforcement pages: penalties, emergency closures and grades (district), and the operator's own
penalties and closure checklist. Thin: each reads through a selector or calls one service; the
forms read with ``supervision.enforcement_inputs`` (the API's parsers)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.inputs import ParsedField
from core.pages import Paginator, active_role, apply_domain_error, fail, role_required
from core.roles import Role

from .. import enforcement_inputs as inputs
from ..models import ClosureItemKind, ClosureItemStatus, ClosureStatus, Grade, PenaltyKind, PenaltyStatus
from ..selectors import enforcement as selectors
from ..selectors import grades as grade_selectors
from ..services import closures as closure_services
from ..services import penalties as penalty_services
from ..workflow import (
    CLOSURE,
    CLOSURE_TRACKERS,
    ENFORCEMENT_READERS,
    ENFORCERS,
    PENALTY,
    ClosureAction,
    PenaltyAction,
)

PAGE_SIZE = 25
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
OPERATORS = frozenset({Role.OPERATOR})


def _field(parsers, name, label, widget=None, help_text="", required=None):
    kwargs = {"label": label, "help_text": help_text}
    if widget is not None:
        kwargs["widget"] = widget
    if required is not None:
        kwargs["required"] = required
    return ParsedField(parsers[name], **kwargs)


class PenaltyForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        p = inputs.PENALTY
        self.fields["kind"] = _field(p, "kind", "处罚种类", forms.Select(choices=PenaltyKind.choices))
        self.fields["decision_number"] = _field(p, "decision_number", "决定书文号")
        self.fields["decided_on"] = _field(p, "decided_on", "决定日期", DATE)
        self.fields["legal_basis"] = _field(p, "legal_basis", "法律依据", help_text="如《托育机构管理规范（试行）》第×条")
        self.fields["facts"] = _field(p, "facts", "违法事实", forms.Textarea(attrs={"rows": 3}))
        self.fields["amount_fen"] = _field(p, "amount_fen", "罚款金额（分）", forms.NumberInput,
                                           help_text="仅罚款填写，单位为分（如 5000 元填 500000）")
        self.fields["person_name"] = _field(p, "person_name", "被禁止人员姓名", help_text="仅从业禁止填写")
        self.fields["id_number"] = _field(p, "id_number", "被禁止人员身份证号码", help_text="仅从业禁止填写；列入全国从业禁止名单")
        self.fields["banned_until"] = _field(p, "banned_until", "禁止期限至", DATE, help_text="仅从业禁止；留空为终身禁入")

    def service_data(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ReasonForm(forms.Form):
    reason = ParsedField(inputs.END_REASON["reason"], label="原因", required=True,
                         widget=forms.Textarea(attrs={"rows": 2}))


class ClosureForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = inputs.CLOSURE
        self.fields["reason"] = _field(c, "reason", "关停原因", forms.Textarea(attrs={"rows": 3}))
        self.fields["started_on"] = _field(c, "started_on", "关停日期", DATE)
        self.fields["children_enrolled"] = _field(c, "children_enrolled", "在托婴幼儿人数", forms.NumberInput)


class ClosureItemForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        c = inputs.CLOSURE_ITEM
        self.fields["kind"] = _field(c, "kind", "事项", forms.HiddenInput)
        self.fields["status"] = _field(c, "status", "进度", forms.Select(choices=ClosureItemStatus.choices))
        self.fields["note"] = _field(c, "note", "进展说明")
        self.fields["children_placed"] = _field(c, "children_placed", "已安置人数", forms.NumberInput)

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        if data.get("children_placed") is None:
            data.pop("children_placed", None)
        return data


def _may(request, roles) -> bool:
    return active_role(request) in roles


# --- district: an institution's enforcement page (grade, penalties, closures) ----------------------

@role_required(ENFORCEMENT_READERS)
def institution_enforcement(request, institution_id: int):
    grade = grade_selectors.grade_get(institution_id=institution_id)
    return render(request, "supervision/enforcement/institution.html", {
        **grade, "penalties": list(selectors.penalty_list(institution_id=institution_id)[:50]),
        "closures": list(selectors.closure_list().filter(institution_id=institution_id)[:20]),
        "may_enforce": _may(request, ENFORCERS)})


@role_required(ENFORCERS)
def penalty_new(request, institution_id: int):
    grade = grade_selectors.grade_get(institution_id=institution_id)  # 404 outside the scope
    form = PenaltyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            penalty = penalty_services.penalty_issue(actor=request.user, institution_id=institution_id,
                                                     data=form.service_data())
        except DomainError as exc:
            if exc.status_code == 404:
                return fail(request, exc, "supervision:penalty_list")
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已作出行政处罚：{penalty.get_kind_display()}（{penalty.decision_number}）。")
            return redirect("supervision:penalty_detail", penalty.pk)
    return render(request, "supervision/enforcement/form.html", {
        "form": form, "title": f"作出行政处罚：{grade['institution'].name}", "institution": grade["institution"]})


@role_required(ENFORCEMENT_READERS)
def penalty_list(request):
    status = request.GET.get("status") if request.GET.get("status") in PenaltyStatus.values else None
    page = Paginator(selectors.penalty_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/enforcement/penalties.html", {
        "page": page, "statuses": PenaltyStatus.choices, "status": status or "", "query": f"status={status or ''}"})


@role_required(ENFORCEMENT_READERS, OPERATORS)
def penalty_detail(request, penalty_id: int):
    penalty = selectors.penalty_get(penalty_id=penalty_id)
    history = selectors.penalty_history(penalty=penalty)
    labels = dict(PenaltyAction.choices)
    for e in history:
        e.action_label = labels.get(e.action, e.action)
    return render(request, "supervision/enforcement/penalty.html", {
        "penalty": penalty, "history": history, "reason_form": ReasonForm(),
        "may_end": _may(request, ENFORCERS) and PENALTY.allows(PenaltyAction.CONCLUDE, penalty.status)})


def _penalty_end(request, penalty_id: int, service, done: str):
    selectors.penalty_get(penalty_id=penalty_id)  # out of scope → 404 before anything else is said
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors.get("reason", ["请填写原因。"])))
        return redirect("supervision:penalty_detail", penalty_id)
    try:
        service(actor=request.user, penalty_id=penalty_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return fail(request, exc, "supervision:penalty_detail", penalty_id)
    messages.success(request, done)
    return redirect("supervision:penalty_detail", penalty_id)


@role_required(ENFORCERS)
@require_POST
def penalty_conclude(request, penalty_id: int):
    return _penalty_end(request, penalty_id, penalty_services.penalty_conclude, "行政处罚已执行完毕。")


@role_required(ENFORCERS)
@require_POST
def penalty_withdraw(request, penalty_id: int):
    return _penalty_end(request, penalty_id, penalty_services.penalty_withdraw, "行政处罚已撤销。")


# --- district: closures ------------------------------------------------------------------------------

@role_required(ENFORCERS)
def closure_new(request, institution_id: int):
    grade = grade_selectors.grade_get(institution_id=institution_id)  # 404 outside the scope
    form = ClosureForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            closure = closure_services.closure_open(actor=request.user, institution_id=institution_id,
                                                    data=form.cleaned_data)
        except DomainError as exc:
            if exc.status_code == 404:
                return fail(request, exc, "supervision:closure_list")
            apply_domain_error(form, exc)
        else:
            messages.success(request, "关停应急处置已启动，请逐项跟踪安置清单。")
            return redirect("supervision:closure_detail", closure.pk)
    return render(request, "supervision/enforcement/form.html", {
        "form": form, "title": f"启动关停应急处置：{grade['institution'].name}", "institution": grade["institution"]})


@role_required(ENFORCEMENT_READERS)
def closure_list(request):
    status = request.GET.get("status") if request.GET.get("status") in ClosureStatus.values else None
    page = Paginator(selectors.closure_list(status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/enforcement/closures.html", {
        "page": page, "statuses": ClosureStatus.choices, "status": status or "", "query": f"status={status or ''}"})


def _closure_context(request, closure) -> dict:
    items = selectors.closure_items(closure=closure)
    history = selectors.closure_history(closure=closure)
    labels = dict(ClosureAction.choices)
    for e in history:
        e.action_label = labels.get(e.action, e.action)
    may_track = _may(request, CLOSURE_TRACKERS) and closure.status == ClosureStatus.OPEN
    for item in items:
        item.form = ClosureItemForm(initial={"kind": item.kind, "status": item.status, "note": item.note,
                                             "children_placed": closure.children_placed}) if may_track else None
        item.counts_children = item.kind == ClosureItemKind.CHILDREN_PLACED
    return {"closure": closure, "items": items, "history": history, "may_track": may_track,
            "problems": closure_services.closure_problems(closure, items),
            "may_end": _may(request, ENFORCERS) and CLOSURE.allows(ClosureAction.COMPLETE, closure.status),
            "reason_form": ReasonForm()}


@role_required(ENFORCEMENT_READERS)
def closure_detail(request, closure_id: int):
    closure = selectors.closure_get(closure_id=closure_id)
    context = _closure_context(request, closure)
    return render(request, "supervision/enforcement/closure.html", {**context, "view": context})


@role_required(CLOSURE_TRACKERS)
@require_POST
def closure_item(request, closure_id: int):
    closure = selectors.closure_get(closure_id=closure_id)  # 404 outside the scope
    form = ClosureItemForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("supervision:closure_detail", closure_id)
    try:
        closure_services.closure_item_update(actor=request.user, closure_id=closure_id, data=form.service_data(),
                                             expected_version=closure.version)
    except DomainError as exc:
        if exc.fields:
            messages.error(request, "；".join(str(m) for errs in exc.fields.values() for m in errs))
            return redirect("supervision:closure_detail", closure_id)
        return fail(request, exc, "supervision:closure_detail", closure_id)
    messages.success(request, "安置事项已更新。")
    return redirect("supervision:closure_detail", closure_id)


def _closure_end(request, closure_id: int, service, done: str):
    selectors.closure_get(closure_id=closure_id)  # out of scope → 404 before anything else is said
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors.get("reason", ["请填写说明。"])))
        return redirect("supervision:closure_detail", closure_id)
    try:
        service(actor=request.user, closure_id=closure_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return fail(request, exc, "supervision:closure_detail", closure_id)
    messages.success(request, done)
    return redirect("supervision:closure_detail", closure_id)


@role_required(ENFORCERS)
@require_POST
def closure_complete(request, closure_id: int):
    return _closure_end(request, closure_id, closure_services.closure_complete, "关停应急处置已办结。")


@role_required(ENFORCERS)
@require_POST
def closure_cancel(request, closure_id: int):
    return _closure_end(request, closure_id, closure_services.closure_cancel, "关停应急处置已撤销。")


# --- district: grades -------------------------------------------------------------------------------

@role_required(ENFORCEMENT_READERS)
def grade_list(request):
    grade = request.GET.get("grade") if request.GET.get("grade") in Grade.values else None
    page = Paginator(grade_selectors.grade_list(grade=grade), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/enforcement/grades.html", {
        "page": page, "grades": Grade.choices, "grade": grade or "", "counts": grade_selectors.grade_counts(),
        "query": f"grade={grade or ''}"})


# --- operator: its penalties and closures -----------------------------------------------------------

@role_required(OPERATORS)
def operator_penalties(request):
    return render(request, "supervision/enforcement/operator_penalties.html", {
        "penalties": list(selectors.penalty_list()[:100])})


@role_required(OPERATORS)
def operator_closure(request):
    closures = []
    for closure in selectors.closure_list()[:10]:
        closures.append(_closure_context(request, closure))
    return render(request, "supervision/enforcement/operator_closure.html", {"closures": closures})
