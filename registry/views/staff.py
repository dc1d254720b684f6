"""Staff roster pages: the operator's list, add/edit (ID validation in Chinese), end employment;
the commission's audited reveal of a full ID number."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.roles import MAY_REVEAL_PERSONAL
from core.errors import DomainError, NotFound
from registry.forms import StaffEndForm, StaffForm, StaffQualificationFormSet, apply_domain_error
from registry.models import StaffStatus
from registry.selectors.institutions import staff_get
from registry.selectors.staff import staff_roster
from registry.services.staff import staff_create, staff_end, staff_reveal_id_number, staff_update

from .common import fail, operator_institution_id, operator_required, role_required


def _staff(staff_id: int):
    try:
        return staff_get(staff_id=staff_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@operator_required
def staff_list_view(request):
    """The staff on duty today, then those who start later; ``?all=1``: every row, ended ones too."""
    show_all = request.GET.get("all") == "1"
    institution_id = operator_institution_id(request)
    if show_all:
        staff, upcoming = staff_roster(institution_id=institution_id), []
    else:
        staff = staff_roster(institution_id=institution_id, status=StaffStatus.ON_DUTY)
        upcoming = staff_roster(institution_id=institution_id, status=StaffStatus.UPCOMING)
    return render(request, "registry/staff/list.html",
                  {"staff": staff, "upcoming": upcoming, "show_all": show_all, "end_form": StaffEndForm()})


QUALIFICATIONS_PREFIX = "quals"


def _service_data(form, quals) -> dict:
    return {**form.service_data(), "qualifications": quals.service_data()}


@operator_required
def staff_add(request):
    form = StaffForm(request.POST or None)
    quals = StaffQualificationFormSet(request.POST or None, prefix=QUALIFICATIONS_PREFIX)
    if request.method == "POST" and form.is_valid() and quals.is_valid():
        try:
            staff = staff_create(actor=request.user, institution_id=operator_institution_id(request),
                                 data=_service_data(form, quals))
        except DomainError as exc:
            apply_domain_error(form, exc)
            quals.apply_domain_error(exc)
        else:
            messages.success(request, f"已添加 {staff.name}。")
            return redirect("registry:staff_list")
    return render(request, "registry/staff/form.html", {"form": form, "quals": quals, "title": "添加从业人员"})


@operator_required
def staff_edit(request, staff_id: int):
    staff = _staff(staff_id)
    initial = {
        "name": staff.name, "role": staff.role, "education": staff.education,
        "years_experience": staff.years_experience, "health_certificate_date": staff.health_certificate_date,
        "criminal_record_checked": staff.criminal_record_checked,
        "criminal_record_checked_on": staff.criminal_record_checked_on, "start_date": staff.start_date,
    }
    form = StaffForm(request.POST or None, initial=initial, id_required=False)
    # Every certificate is on the page (the service replaces the list with what comes back).
    quals = StaffQualificationFormSet(request.POST or None, prefix=QUALIFICATIONS_PREFIX,
                                      initial=StaffQualificationFormSet.initial_from(staff))
    if request.method == "POST" and form.is_valid() and quals.is_valid():
        try:
            staff_update(actor=request.user, staff_id=staff.pk, data=_service_data(form, quals))
        except DomainError as exc:
            apply_domain_error(form, exc)
            quals.apply_domain_error(exc)
        else:
            messages.success(request, f"已保存 {staff.name} 的信息。")
            return redirect("registry:staff_list")
    return render(request, "registry/staff/form.html",
                  {"form": form, "quals": quals, "staff": staff, "title": f"编辑从业人员：{staff.name}"})


@operator_required
@require_POST
def staff_end_view(request, staff_id: int):
    form = StaffEndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的离职日期。")
        return redirect("registry:staff_list")
    try:
        staff = staff_end(actor=request.user, staff_id=staff_id, end_date=form.cleaned_data["end_date"])
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return fail(request, exc, "registry:staff_list")
    messages.success(request, f"已登记 {staff.name} 离职。")
    return redirect("registry:staff_list")


@never_cache  # the full number must not stay in any cache (as the API's reveal: no-store)
@role_required(MAY_REVEAL_PERSONAL)
@require_POST
def staff_reveal(request, staff_id: int):
    staff = _staff(staff_id)
    try:
        number = staff_reveal_id_number(actor=request.user, staff_id=staff.pk, request=request)
    except DomainError as exc:
        return fail(request, exc, "registry:institution_detail", staff.institution_id)
    return render(request, "registry/staff/reveal.html", {"staff": staff, "number": number})
