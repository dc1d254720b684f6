"""Pages of the inspection checklist: the national default and the district's versions, a version's
items by dimension, copying the default to the district (its version 1), and revising the current
version's items (add, change text / legal basis / severity / dimension, remove) which publishes them
as the next version. Inspections keep the version they used (``Inspection.template``). Thin: reads
through selectors, writes through ``services.inspections.checklist_ensure`` / ``checklist_revise``."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from core.inputs import ParsedField
from core.pages import active_role, role_required
from core.roles import Role

from .. import checklist_default
from .. import inspection_inputs as inputs
from ..models import Dimension, Severity
from ..selectors import inspections as selectors
from ..services import inspections as services
from ..workflow import INSPECTION_READERS

EXTRA_ROWS = 3


class ItemForm(forms.Form):
    code = forms.CharField(label="编号", max_length=40)
    dimension = forms.ChoiceField(label="维度", choices=Dimension.choices)
    text = forms.CharField(label="检查内容", max_length=300)
    basis = forms.CharField(label="法规依据", max_length=300)
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices)


ItemFormSet = forms.formset_factory(ItemForm, extra=EXTRA_ROWS, can_delete=True, max_num=200, validate_max=True)


class ReviseForm(forms.Form):
    reason = ParsedField(inputs.CHECKLIST["reason"], label="修订说明", widget=forms.TextInput)


def _groups(items) -> dict[str, list]:
    groups: dict[str, list] = {}
    for item in items:
        groups.setdefault(item.get_dimension_display(), []).append(item)
    return groups


@role_required(INSPECTION_READERS)
def checklist_list(request):
    return render(request, "supervision/inspections/checklists.html", {
        "versions": selectors.checklist_versions(), "national_version": checklist_default.NATIONAL_VERSION,
        "national_name": checklist_default.NAME, "national_count": len(checklist_default.ITEMS),
        "may_edit": active_role(request) == Role.DISTRICT_ADMIN})


@role_required({Role.DISTRICT_ADMIN})
@require_POST
def checklist_copy(request):
    template = services.checklist_ensure(district=request.assignment.region, actor=request.user)
    messages.success(request, f"本辖区检查清单：{template}。")
    return redirect("supervision:checklist_detail", template.pk)


@role_required(INSPECTION_READERS)
def checklist_detail(request, template_id: int):
    template = selectors.checklist_get(template_id=template_id)
    items = list(template.items.all())
    return render(request, "supervision/inspections/checklist_detail.html", {
        "template": template, "groups": _groups(items), "count": len(items),
        "may_edit": active_role(request) == Role.DISTRICT_ADMIN and template.current})


@role_required({Role.DISTRICT_ADMIN})
def checklist_revise(request):
    current = selectors.checklist_current(district_id=request.assignment.region_id)
    if current is None:
        raise NotFound("本辖区还没有检查清单：请先复制国家默认清单。")
    initial = [{"code": i.code, "dimension": i.dimension, "text": i.text, "basis": i.basis, "severity": i.severity}
               for i in current.items.all()]
    formset = ItemFormSet(request.POST or None, initial=initial, prefix="items")
    form = ReviseForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        items = [{k: f.cleaned_data[k] for k in ("code", "dimension", "text", "basis", "severity")}
                 for f in formset.forms
                 if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        try:
            template = services.checklist_revise(actor=request.user, data={"reason": form.cleaned_data["reason"],
                                                                           "items": items})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"已发布第 {template.version} 版；已开始或已完成的检查仍使用原版本。")
            return redirect("supervision:checklist_detail", template.pk)
    return render(request, "supervision/inspections/checklist_form.html", {
        "current": current, "formset": formset, "form": form})
