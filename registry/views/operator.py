"""Operator pages: sign-up, claim an institution by credit code, the institution's home and contact phone."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from accounts.roles import REVIEWERS, Role
from core.errors import DomainError, NotFound
from regions.selectors import region_children
from registry.forms import (
    ClaimEvidenceForm,
    ClaimFactsForm,
    ClaimForm,
    ContactForm,
    SignupForm,
    apply_domain_error,
)
from registry.models import FilingKind, FilingStatus, InstitutionStatus
from registry.selectors.dashboard import operator_dashboard, operator_next_steps
from registry.selectors.institutions import claim_evidence_get, claim_lookup, claims_of_user
from registry.services.institutions import institution_claim, institution_update_contact, operator_signup
from registry.workflow import OPEN_STATES

from .common import active_role, operator_institution_id, operator_required


def signup(request):
    if request.user.is_authenticated:
        return redirect("registry:claim")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            user = operator_signup(username=d["username"], password=d["password"], display_name=d["display_name"],
                                   phone=d["phone"], email=d.get("email") or "")
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            login(request, user, backend="accounts.backends.GuardedModelBackend")
            messages.success(request, "注册成功。请输入机构的统一社会信用代码认领机构。")
            return redirect("registry:claim")
    return render(request, "registry/operator/signup.html", {"form": form})


def _claimed(request, claim):
    messages.success(request, f"已提交对“{claim.institution.name}”的认领申请，请等待所在区县卫生健康部门确认。")
    return redirect("registry:claim")


@login_required
def claim(request):
    """Claim in two steps: the credit code, then either confirm the pushed registration's facts
    (``step=confirm``) or, when none has been pushed, fill them in (``step=facts``); both with the
    evidence (an authorisation letter or the legal representative's confirmation, uploaded)."""
    step = request.POST.get("step", "lookup") if request.method == "POST" else "lookup"
    context: dict = {"step": "lookup", "claims": claims_of_user(user=request.user, limit=20)}
    # Bound only to a POST of its own step: a first visit (GET) shows an empty form, not
    # "该字段是必填项。" (an empty QueryDict still binds a form).
    posted = request.method == "POST" and step in ("lookup", "confirm")
    form = ClaimForm(request.POST if posted else None, initial={"uscc": request.GET.get("uscc", "")})
    evidence_form = ClaimEvidenceForm(request.POST, request.FILES) if step in ("confirm", "facts") else ClaimEvidenceForm()
    if step == "lookup" and form.is_bound and form.is_valid():
        uscc = form.cleaned_data["uscc"]
        facts = claim_lookup(uscc=uscc)
        if facts is not None:
            context.update(step="confirm", facts=facts)
        else:
            context.update(step="facts", facts_form=ClaimFactsForm(initial={"uscc": uscc}), uscc=uscc)
    elif step == "confirm" and form.is_valid():
        if evidence_form.is_valid():
            try:
                return _claimed(request, institution_claim(
                    actor=request.user, uscc=form.cleaned_data["uscc"], **_evidence(evidence_form)))
            except DomainError as exc:
                apply_domain_error(evidence_form, exc)
        facts = claim_lookup(uscc=form.cleaned_data["uscc"])
        if facts is not None:
            context.update(step="confirm", facts=facts)
    elif step == "facts":
        facts_form = ClaimFactsForm(request.POST)
        if facts_form.is_valid() and evidence_form.is_valid():
            try:
                return _claimed(request, institution_claim(actor=request.user, uscc=facts_form.cleaned_data["uscc"],
                                                           facts=facts_form.facts(), **_evidence(evidence_form)))
            except DomainError as exc:
                apply_domain_error(evidence_form if "evidence" in (exc.fields or {}) else facts_form, exc,
                                   prefix="" if "evidence" in (exc.fields or {}) else "facts.")
        context.update(step="facts", facts_form=facts_form, uscc=request.POST.get("uscc", ""))
    context.update(form=form, evidence_form=evidence_form)
    return render(request, "registry/operator/claim.html", context)


def _evidence(form: ClaimEvidenceForm) -> dict:
    return {"evidence_kind": form.cleaned_data["evidence_kind"], "evidence": form.cleaned_data["evidence"]}


@login_required
def claim_evidence(request, claim_id: int):
    """A claim's evidence, inline: to the district's reviewers (scoped lookup) and to the claimant,
    nobody else (404); never a public media URL."""
    try:
        claim = claim_evidence_get(claim_id=claim_id, user=request.user,
                                   as_reviewer=active_role(request) in REVIEWERS)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(claim.evidence_file.open("rb"), content_type=claim.evidence_content_type)
    response["Content-Disposition"] = content_disposition_header(False, claim.evidence_name or "evidence")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def claim_region_options(request):
    """htmx: the <option>s of the next select of the claim page's region picker (public reference data)."""
    name, child = "", "province"
    for parent_field, child_field in (("district", "township"), ("city", "district"), ("province", "city")):
        if parent_field in request.GET:
            name, child = parent_field, child_field
            break
    code = request.GET.get(name, "")
    regions = []
    if code.isdigit():
        regions = region_children(parent_code=code)
        if child == "district":  # filing districts only (counties; townships of cities without counties)
            regions = [r for r in regions if r.tenant_district_id == r.code]
    below = {"city": ["district", "township"], "district": ["township"]}.get(child, [])
    return render(request, "registry/operator/_region_options.html",
                  {"regions": regions, "reset": below})


@operator_required
@require_POST
def contact_update(request):
    """The contact phone (not a filed fact): read by ``registry.inputs.CONTACT`` (the API's parser);
    errors shown on the home page."""
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            institution_update_contact(actor=request.user, institution_id=operator_institution_id(request),
                                       data=form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "联系电话已更新。")
            return redirect("registry:operator_home")
    return render(request, "registry/operator/home.html", _home_context(request, contact_form=form))


@login_required
def operator_home(request):
    if active_role(request) != Role.OPERATOR:
        return redirect("registry:claim")
    return render(request, "registry/operator/home.html", _home_context(request))


def next_steps(*, institution_id: int, filings: list | None = None, institution=None) -> dict:
    """The home pages' 下一步 panel: the one action to take (its URL resolved) and what is due."""
    data = operator_next_steps(institution_id=institution_id, filings=filings, institution=institution)
    if data["action"] is not None:
        data["action"]["href"] = reverse(data["action"]["url"], args=data["action"]["args"])
    return {"next": data}


def _home_context(request, contact_form: ContactForm | None = None) -> dict:
    context = operator_dashboard(institution_id=request.assignment.institution_id)
    context.update(next_steps(institution_id=request.assignment.institution_id, filings=context["filings"],
                              institution=context["institution"]))
    institution = context["institution"]
    open_filing = next((f for f in context["filings"] if f.status in OPEN_STATES), None)
    latest = context["filings"][0] if context["filings"] else None
    context.update(
        open_filing=open_filing,
        rejected_filing=latest if latest is not None and latest.status == FilingStatus.REJECTED else None,
        can_file=open_filing is None and institution.status in (InstitutionStatus.REGISTERED,
                                                               InstitutionStatus.FILING),
        can_change=open_filing is None and institution.status == InstitutionStatus.FILED,
        kinds=FilingKind,
        contact_form=contact_form or ContactForm(initial={"contact_phone": institution.contact_phone}),
    )
    return context
