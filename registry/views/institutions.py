"""Commission pages: institution directory (incl. registered-but-not-filed), claims, 挂靠 flags."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import COMMISSION_STAFF, MAY_REVEAL_PERSONAL, REVIEWERS
from core.errors import DomainError, NotFound
from registry.forms import ClaimRejectForm, InstitutionFilter
from registry.models import ClaimStatus, InstitutionStatus
from registry.selectors.institutions import (
    claim_get,
    claim_list,
    institution_get,
    institution_list,
    staff_conflict_list,
    unfiled_institutions,
)
from registry.selectors.staff import staff_roster
from registry.services.institutions import claim_confirm, claim_reject

from .common import fail, role_required


@role_required(COMMISSION_STAFF)
def institution_list_view(request):
    filterset = InstitutionFilter(request.GET or None, queryset=institution_list(filters={}),
                                  selector=institution_list)
    qs = filterset.qs if filterset.is_bound else institution_list(filters={})
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    waiting = None
    if request.GET.get("status") in (None, "", InstitutionStatus.REGISTERED):
        waiting = list(unfiled_institutions()[:50])
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "registry/institutions/list.html",
                  {"filter": filterset, "page": page, "waiting": waiting, "query": query.urlencode()})


@role_required(COMMISSION_STAFF)
def institution_detail(request, institution_id: int):
    institution = institution_get(institution_id=institution_id)
    return render(request, "registry/institutions/detail.html", {
        "institution": institution,
        "filings": list(institution.filings.order_by("-created_at")[:20]),
        "staff": staff_roster(institution_id=institution_id),
        "may_reveal": request.assignment.role in MAY_REVEAL_PERSONAL,
    })


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
    if not form.is_valid():
        messages.error(request, "请填写驳回原因。")
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
