"""Operator pages: sign-up, claim an institution by credit code, the institution's home."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.roles import Role
from core.errors import DomainError
from registry.forms import ClaimForm, SignupForm, apply_domain_error
from registry.models import FilingKind, InstitutionStatus
from registry.selectors.dashboard import claims_of_user, operator_dashboard
from registry.services.institutions import institution_claim, operator_signup

from .common import active_role


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
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "注册成功。请输入机构的统一社会信用代码认领机构。")
            return redirect("registry:claim")
    return render(request, "registry/operator/signup.html", {"form": form})


@login_required
def claim(request):
    form = ClaimForm(request.POST or None, initial={"uscc": request.GET.get("uscc", "")})
    if request.method == "POST" and form.is_valid():
        try:
            claim = institution_claim(actor=request.user, uscc=form.cleaned_data["uscc"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已提交对“{claim.institution.name}”的认领申请，请等待所在区县卫生健康部门确认。")
            return redirect("registry:claim")
    return render(request, "registry/operator/claim.html",
                  {"form": form, "claims": claims_of_user(user=request.user)})


@login_required
def operator_home(request):
    if active_role(request) != Role.OPERATOR:
        return redirect("registry:claim")
    context = operator_dashboard(institution_id=request.assignment.institution_id)
    institution = context["institution"]
    open_filing = next((f for f in context["filings"] if f.status in ("draft", "submitted", "returned",
                                                                        "resubmitted")), None)
    context.update(
        open_filing=open_filing,
        can_file=open_filing is None and institution.status in (InstitutionStatus.REGISTERED,
                                                               InstitutionStatus.FILING),
        can_change=open_filing is None and institution.status == InstitutionStatus.FILED,
        kinds=FilingKind,
    )
    return render(request, "registry/operator/home.html", context)
