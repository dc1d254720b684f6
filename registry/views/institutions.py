"""Commission pages: institution directory (incl. registered-but-not-filed), claims, 挂靠 flags."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import COMMISSION_STAFF, MAY_REVEAL_PERSONAL, REVIEWERS
from core.errors import DomainError, NotFound
from core.pages import Paginator
from core.validators import MOBILE_RE, mask_mobile
from regions.models import RegionLevel
from regions.selectors import filing_districts, region_children
from registry.forms import ClaimRejectForm, InstitutionFilter, ReasonForm
from registry.models import ClaimStatus, InstitutionStatus, ServiceType
from registry.selectors.institutions import (
    claim_get,
    claim_list,
    institution_get,
    institution_list,
    institution_page_rows,
    staff_conflict_list,
    unfiled_page_rows,
)
from registry.selectors.staff import staff_roster
from registry.services.institutions import (
    claim_confirm,
    claim_reject,
    institution_resume,
    institution_suspend,
)
from registry.workflow import INSTITUTION, InstitutionAction

from .common import fail, role_required

WAITING_PAGE_SIZE = 20


def _townships(request) -> list:
    """A district's own townships (the township filter); city viewers span many districts and get none."""
    assignment = request.assignment
    district = assignment.region if assignment.region_id and assignment.region.is_tenant else None
    return list(region_children(parent_code=district.code)) if district else []


def _districts(request) -> list:
    """Above district level (a city viewer): the filing districts of the scope, for the district filter."""
    region = request.assignment.region
    return list(filing_districts(region=region)) if region is not None and not region.is_tenant else []


@role_required(COMMISSION_STAFF)
def institution_list_view(request):
    filterset = InstitutionFilter(request.GET or None, queryset=institution_list(filters={}),
                                  townships=_townships(request), districts=_districts(request),
                                  selector=institution_list)
    qs = filterset.qs if filterset.is_bound else institution_list(filters={})
    page = Paginator(institution_page_rows(qs), 25).get_page(request.GET.get("page"))
    waiting = None
    if request.GET.get("status") in (None, "", InstitutionStatus.REGISTERED):
        # Registered but not filed: every one of them, a page at a time (its own page number).
        waiting = Paginator(unfiled_page_rows(), WAITING_PAGE_SIZE).get_page(request.GET.get("wpage"))
    query = request.GET.copy()
    query.pop("page", None)
    waiting_query = request.GET.copy()
    waiting_query.pop("wpage", None)
    return render(request, "registry/institutions/list.html",
                  {"filter": filterset, "page": page, "waiting": waiting, "query": query.urlencode(),
                   "waiting_query": waiting_query.urlencode()})


def mask_phone(phone: str) -> str:
    """138****8000 for a mobile; the area code and the last four digits of a landline (0571-****4321)."""
    if not phone:
        return ""
    if MOBILE_RE.match(phone):
        return mask_mobile(phone)
    head, sep, rest = phone.partition("-")
    if not sep:
        head, rest = "", phone
    return f"{head}{sep}{'*' * max(len(rest) - 4, 0)}{rest[-4:]}"


# The detail page's filing table (templates/registry/institutions/detail.html); the institution id
# for the related manager, the status for django-fsm as each row loads.
DETAIL_FILING_FIELDS = ("id", "institution", "kind", "status", "submitted_at", "receipt_no", "created_at")


@role_required(COMMISSION_STAFF)
def institution_detail(request, institution_id: int):
    institution = institution_get(institution_id=institution_id)
    services = dict(ServiceType.choices)
    current = institution.current_filing
    may_decide = request.assignment.role in REVIEWERS
    return render(request, "registry/institutions/detail.html", {
        "institution": institution,
        "township": institution.region if institution.region.level == RegionLevel.TOWNSHIP else None,
        "phone_masked": mask_phone(institution.contact_phone),
        "service_type_labels": [services.get(v, v) for v in institution.service_types or []],
        "receipt_filing": current if current is not None and current.receipt_no else None,
        "can_suspend": may_decide and INSTITUTION.allows(InstitutionAction.SUSPEND, institution.status),
        "can_resume": may_decide and INSTITUTION.allows(InstitutionAction.RESUME, institution.status),
        "reason_form": ReasonForm(),
        "filings": list(institution.filings.order_by("-created_at").only(*DETAIL_FILING_FIELDS)[:20]),
        "staff": staff_roster(institution_id=institution_id, institution=institution),
        "may_reveal": request.assignment.role in MAY_REVEAL_PERSONAL,
    })


def _status_view(request, institution_id: int, service, done: str):
    institution_get(institution_id=institution_id)  # out of scope → 404 before anything else is said
    form = ReasonForm(request.POST)
    if not form.is_valid():  # the API's codes and messages (registry.inputs.STATUS_REASON)
        messages.error(request, "；".join(form.errors["reason"]))
        return redirect("registry:institution_detail", institution_id)
    try:
        institution = service(actor=request.user, institution_id=institution_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return fail(request, exc, "registry:institution_detail", institution_id)
    messages.success(request, f"“{institution.name}”{done}，已通知机构举办者。")
    return redirect("registry:institution_detail", institution_id)


@role_required(REVIEWERS)
@require_POST
def institution_suspend_view(request, institution_id: int):
    return _status_view(request, institution_id, institution_suspend, "已暂停服务")


@role_required(REVIEWERS)
@require_POST
def institution_resume_view(request, institution_id: int):
    return _status_view(request, institution_id, institution_resume, "已恢复服务")


@role_required(REVIEWERS)
def claim_list_view(request):
    status = request.GET.get("status", ClaimStatus.PENDING)
    if status not in ClaimStatus.values:
        status = ClaimStatus.PENDING
    claims = list(claim_list(status=status)[:200])
    return render(request, "registry/institutions/claims.html",
                  {"claims": claims, "status": status, "statuses": ClaimStatus.choices,
                   "reject_form": ClaimRejectForm()})


@role_required(REVIEWERS)
@require_POST
def claim_confirm_view(request, claim_id: int):
    try:
        claim = claim_confirm(actor=request.user, claim_id=claim_id)
    except DomainError as exc:
        return fail(request, exc, "registry:claim_list")
    messages.success(request, f"已确认 {claim.user} 为“{claim.institution.name}”的举办者。")
    return redirect("registry:claim_list")


@role_required(REVIEWERS)
@require_POST
def claim_reject_view(request, claim_id: int):
    try:
        claim_get(claim_id=claim_id)  # out of scope → 404 before anything else is said
    except NotFound:
        raise Http404 from None
    form = ClaimRejectForm(request.POST)
    if not form.is_valid():  # the API's codes and messages (registry.inputs.CLAIM_REJECT)
        messages.error(request, "；".join(form.errors["note"]))
        return redirect("registry:claim_list")
    try:
        claim_reject(actor=request.user, claim_id=claim_id, note=form.cleaned_data["note"])
    except DomainError as exc:
        return fail(request, exc, "registry:claim_list")
    messages.success(request, "已驳回认领申请。")
    return redirect("registry:claim_list")


@role_required(COMMISSION_STAFF)
def staff_conflicts(request):
    page = Paginator(staff_conflict_list(), 50).get_page(request.GET.get("page"))
    return render(request, "registry/institutions/staff_conflicts.html", {"page": page})
