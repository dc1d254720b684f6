"""Subsidy pages: the operator's certification, enrolments and claims (each line explained); the
district's review queue (explanations, duplicate flags, budget used and left) and batches; the
city's approvals and budgets across its districts. Thin: a selector to read, one service to write."""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from core.errors import DomainError, NotFound
from core.pages import Paginator, active_role, apply_domain_error, fail, role_required
from core.roles import Role

from .. import rules
from ..forms import (
    AcceptForm,
    BudgetForm,
    ClaimNewForm,
    ClawbackForm,
    ConstructionForm,
    EnrolmentForm,
    FeesForm,
    GuidedPriceForm,
    ImportForm,
    PayForm,
    PolicyForm,
    ReasonsForm,
    RevokeForm,
    YieldForm,
)
from ..models import LineReason, SubsidyClaimStatus
from ..selectors import certifications as cert_selectors
from ..selectors import claims as claim_selectors
from ..selectors import enrolments as enrolment_selectors
from ..selectors.policies import budgets_visible, policy_page
from ..services import certifications as cert_services
from ..services import claims as claim_services
from ..services import enrolments as enrolment_services
from ..services import payouts as payout_services
from ..services import policies as policy_services
from ..workflow import (
    BATCH_READERS,
    CERTIFICATION,
    CITY_ADMINS,
    CLAIM,
    COMMISSION_READERS,
    DISTRICT_DECIDERS,
    OPERATORS,
    PAYERS,
    POLICY_SETTERS,
    READERS,
    CertificationAction,
    ClaimAction,
)

PAGE_SIZE = 25
REASON_LABELS = dict(LineReason.choices)


def _role(request) -> str | None:
    return active_role(request)


def _budgets(request):
    if _role(request) == Role.OPERATOR:
        return []
    return budgets_visible(getattr(request, "tenant_scope", None), year=timezone.localdate().year)


# --- claims ---------------------------------------------------------------------------------------------

@role_required(READERS)
def claim_list(request):
    role = _role(request)
    status = request.GET.get("status") if request.GET.get("status") in SubsidyClaimStatus.values else ""
    if not status and role in DISTRICT_DECIDERS:
        status = SubsidyClaimStatus.SUBMITTED
    if not status and role in CITY_ADMINS:
        status = SubsidyClaimStatus.DISTRICT_APPROVED
    page = Paginator(claim_selectors.claim_list(status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    institution = None
    if role == Role.OPERATOR:
        ids = sorted(getattr(request.tenant_scope, "institution_ids", ()) or ())
        institution = enrolment_selectors.institution_get(institution_id=ids[0]) if ids else None
    return render(request, "subsidies/claims.html", {
        "page": page, "status": status, "statuses": SubsidyClaimStatus.choices, "budgets": _budgets(request),
        "institution": institution, "new_form": ClaimNewForm(), "construction_form": ConstructionForm(),
        "is_operator": role == Role.OPERATOR, "may_batch": role in PAYERS})


@role_required(OPERATORS, DISTRICT_DECIDERS)
@require_POST
def claim_new(request, institution_id: int):
    enrolment_selectors.institution_get(institution_id=institution_id)
    form = ClaimNewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "所属月份应为 YYYY-MM。")
        return redirect("subsidies:claims")
    try:
        claim = claim_services.operating_claim_create(actor=request.user, institution_id=institution_id,
                                                      period=form.cleaned_data["period"])
    except DomainError as exc:
        return fail(request, exc, "subsidies:claims")
    messages.success(request, f"已生成 {claim.period:%Y-%m} 运营补助申请，请核对每名婴幼儿的计算结果。")
    return redirect("subsidies:claim_detail", claim.pk)


@role_required(OPERATORS, DISTRICT_DECIDERS)
@require_POST
def construction_new(request, institution_id: int):
    enrolment_selectors.institution_get(institution_id=institution_id)
    form = ConstructionForm(request.POST)
    if not form.is_valid() or form.cleaned_data.get("slots") is None:  # an empty form was a 500 (policy matrix)
        messages.error(request, "新增托位数应为正整数。")
        return redirect("subsidies:claims")
    try:
        claim = claim_services.construction_claim_create(actor=request.user, institution_id=institution_id,
                                                         slots=form.cleaned_data["slots"])
    except DomainError as exc:
        return fail(request, exc, "subsidies:claims")
    messages.success(request, "已生成建设补助申请。")
    return redirect("subsidies:claim_detail", claim.pk)


@role_required(READERS)
def claim_detail(request, subsidy_claim_id: int):
    claim = claim_selectors.claim_get(claim_id=subsidy_claim_id)
    role = _role(request)
    lines = list(claim_selectors.claim_lines(claim.pk))
    for line in lines:
        line.excluded = [(REASON_LABELS.get(k, k), v) for k, v in (line.excluded_days or {}).items()]
    events = list(claim.events.select_related("actor").order_by("created_at", "id"))
    actions = dict(ClaimAction.choices)
    for e in events:
        e.action_label = actions.get(e.action, e.action)
    return render(request, "subsidies/claim_detail.html", {
        "claim": claim, "lines": lines, "events": events, "yuan": rules.yuan,
        "amount_yuan": rules.yuan(claim.amount_fen), "rate_yuan": rules.yuan(claim.rate_fen),
        "shares": [("省级", rules.yuan(claim.province_share_fen)), ("市级", rules.yuan(claim.city_share_fen)),
                   ("区县", rules.yuan(claim.district_share_fen))],
        "may_submit": role in OPERATORS and CLAIM.allows(ClaimAction.SUBMIT, claim.status),
        "may_recompute": role in OPERATORS | DISTRICT_DECIDERS and claim.kind == "operating"
        and claim.status in (SubsidyClaimStatus.DRAFT, SubsidyClaimStatus.RETURNED),
        "may_decide": (role in DISTRICT_DECIDERS and claim.status == SubsidyClaimStatus.SUBMITTED)
        or (role in CITY_ADMINS and claim.status == SubsidyClaimStatus.DISTRICT_APPROVED),
        "may_yield": role in DISTRICT_DECIDERS, "return_form": ReasonsForm(), "yield_form": YieldForm(),
        "clawbacks": claim_selectors.claim_clawbacks(claim.pk),
        "may_upload": role in OPERATORS and claim.kind == "construction"
        and claim.status in (SubsidyClaimStatus.DRAFT, SubsidyClaimStatus.RETURNED),
        "may_clawback": role in PAYERS and claim.status == SubsidyClaimStatus.PAID, "clawback_form": ClawbackForm()})


def _claim_move(request, subsidy_claim_id: int, call, done: str):
    claim_selectors.claim_get(claim_id=subsidy_claim_id)
    try:
        call()
    except DomainError as exc:
        return fail(request, exc, "subsidies:claim_detail", subsidy_claim_id)
    messages.success(request, done)
    return redirect("subsidies:claim_detail", subsidy_claim_id)


@role_required(OPERATORS)
@require_POST
def claim_submit(request, subsidy_claim_id: int):
    return _claim_move(request, subsidy_claim_id, lambda: claim_services.claim_submit(
        actor=request.user, claim_id=subsidy_claim_id), "已提交，等待区县审核。")


@role_required(OPERATORS, DISTRICT_DECIDERS)
@require_POST
def claim_recompute(request, subsidy_claim_id: int):
    return _claim_move(request, subsidy_claim_id, lambda: claim_services.claim_recompute(
        actor=request.user, claim_id=subsidy_claim_id), "已按最新在托记录重新计算。")


@role_required(DISTRICT_DECIDERS, CITY_ADMINS)
@require_POST
def claim_approve(request, subsidy_claim_id: int):
    return _claim_move(request, subsidy_claim_id, lambda: claim_services.claim_approve(
        actor=request.user, claim_id=subsidy_claim_id), "审核通过，金额已计入预算。")


@role_required(DISTRICT_DECIDERS, CITY_ADMINS)
@require_POST
def claim_return(request, subsidy_claim_id: int):
    claim_selectors.claim_get(claim_id=subsidy_claim_id)
    form = ReasonsForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请逐项填写退回理由（每行一项，最多 30 项）。")
        return redirect("subsidies:claim_detail", subsidy_claim_id)
    return _claim_move(request, subsidy_claim_id, lambda: claim_services.claim_return(
        actor=request.user, claim_id=subsidy_claim_id, reasons=form.cleaned_data["reasons"]), "已退回。")


@role_required(OPERATORS)
@require_POST
def claim_document_upload(request, subsidy_claim_id: int):
    """Evidence of a draft (or returned) construction claim, checked as filing documents are."""
    claim_selectors.claim_get(claim_id=subsidy_claim_id)
    files = request.FILES.getlist("file")
    if not files:
        messages.error(request, "请选择要上传的文件（PDF、JPEG 或 PNG）。")
        return redirect("subsidies:claim_detail", subsidy_claim_id)
    try:
        for uploaded in files[:claim_services.MAX_CLAIM_DOCUMENTS]:
            claim_services.claim_document_upload(actor=request.user, claim_id=subsidy_claim_id,
                                                 uploaded_file=uploaded)
    except DomainError as exc:
        return fail(request, exc, "subsidies:claim_detail", subsidy_claim_id)
    messages.success(request, f"已上传 {len(files)} 份佐证材料。")
    return redirect("subsidies:claim_detail", subsidy_claim_id)


@role_required(READERS)
@xframe_options_sameorigin
@csp_update({"frame-ancestors": ["'self'"]})
def claim_document_file(request, claim_document_id: int):
    """An evidence document, looked up in scope (another district's: 404) and shown inline."""
    document = claim_selectors.claim_document_get(document_id=claim_document_id)
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = content_disposition_header(False, document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@role_required(PAYERS)
@require_POST
def claim_clawback(request, subsidy_claim_id: int):
    """A paid amount taken back (reason required, at most what is left of the claim's payment): a
    negative line of the district's next payout batch."""
    claim_selectors.claim_get(claim_id=subsidy_claim_id)
    form = ClawbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请检查追回信息：" + "；".join(f"{form.fields[k].label}：{v[0]}"
                                                       for k, v in form.errors.items() if k in form.fields))
        return redirect("subsidies:claim_detail", subsidy_claim_id)
    data = form.cleaned_data
    return _claim_move(request, subsidy_claim_id, lambda: claim_services.claim_clawback(
        actor=request.user, claim_id=subsidy_claim_id, amount_fen=data["amount_fen"], reason=data["reason"]),
        f"已记录追回 {rules.yuan(data['amount_fen'])} 元，将以负数计入本区县下一拨付批次。")


@role_required(DISTRICT_DECIDERS)
@require_POST
def line_yield(request, line_id: int):
    form = YieldForm(request.POST)
    from ..models import ClaimLine

    line = ClaimLine.objects.filter(pk=line_id).first()
    if line is None:
        from django.http import Http404

        raise Http404("补助明细不存在或不在您的管辖范围内。")
    if not form.is_valid():
        messages.error(request, "请填写核定理由。")
        return redirect("subsidies:claim_detail", line.claim_id)
    try:
        claim_services.line_yield(actor=request.user, line_id=line_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return fail(request, exc, "subsidies:claim_detail", line.claim_id)
    messages.success(request, "已核定：该月不在本机构计补。")
    return redirect("subsidies:claim_detail", line.claim_id)


# --- enrolments --------------------------------------------------------------------------------------------

@role_required(READERS)
def enrolments(request, institution_id: int):
    institution = enrolment_selectors.institution_get(institution_id=institution_id)
    form = EnrolmentForm(request.POST or None)
    if request.method == "POST":
        if _role(request) not in OPERATORS:
            return fail(request, DomainError("permission_denied", "只有机构举办者可以登记在托婴幼儿。"),
                        "subsidies:enrolments", institution_id)
        if form.is_valid():
            try:
                e = enrolment_services.enrolment_create(actor=request.user, institution_id=institution_id,
                                                        data={k: v for k, v in form.cleaned_data.items()})
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, f"已登记：{e.child_name}。")
                return redirect("subsidies:enrolments", institution_id)
    page = Paginator(enrolment_selectors.enrolment_list(institution_id=institution_id), 50).get_page(
        request.GET.get("page"))
    return render(request, "subsidies/enrolments.html", {
        "institution": institution, "page": page, "form": form, "import_form": ImportForm(),
        "capacity": enrolment_selectors.capacity_by_class(institution), "may_write": _role(request) in OPERATORS})


@role_required(OPERATORS)
@require_POST
def enrolments_import(request, institution_id: int):
    institution = enrolment_selectors.institution_get(institution_id=institution_id)
    form = ImportForm(request.POST, request.FILES)
    report = None
    if not form.is_valid():
        messages.error(request, "请选择 Excel 文件。")
    elif form.cleaned_data["file"].size > 5 * 1024 * 1024:
        messages.error(request, "文件不能超过 5 MB。")
    else:
        try:
            result = enrolment_services.enrolment_import(actor=request.user, institution_id=institution_id,
                                                         content=form.cleaned_data["file"].read())
        except DomainError as exc:
            report = getattr(exc, "report", None)
            if report is None:
                return fail(request, exc, "subsidies:enrolments", institution_id)
            messages.error(request, exc.message)
        else:
            messages.success(request, f"已导入 {result['imported']} 名婴幼儿。")
            return redirect("subsidies:enrolments", institution_id)
    page = Paginator(enrolment_selectors.enrolment_list(institution_id=institution_id), 50).get_page(1)
    return render(request, "subsidies/enrolments.html", {
        "institution": institution, "page": page, "form": EnrolmentForm(), "import_form": form, "report": report,
        "capacity": enrolment_selectors.capacity_by_class(institution), "may_write": True}, status=400)


# --- certification ------------------------------------------------------------------------------------------

@role_required(READERS)
def certification(request, institution_id: int):
    institution = enrolment_selectors.institution_get(institution_id=institution_id)
    certs = list(cert_selectors.certification_list().filter(institution_id=institution_id)[:10])
    current = certs[0] if certs else None
    role = _role(request)
    form = FeesForm(request.POST or None, initial=(current.fees if current else None))
    if request.method == "POST":
        if role not in OPERATORS:
            return fail(request, DomainError("permission_denied", "只有机构举办者可以申请普惠认定。"),
                        "subsidies:certification", institution_id)
        if form.is_valid():
            fees = {k: v for k, v in form.cleaned_data.items() if v is not None}
            try:
                if current is not None and current.status == "returned":
                    cert_services.certification_resubmit(actor=request.user, certification_id=current.pk, fees=fees)
                else:
                    cert_services.certification_apply(actor=request.user, institution_id=institution_id, fees=fees)
            except DomainError as exc:
                apply_domain_error(form, exc)
                messages.error(request, exc.message)
            else:
                messages.success(request, "已提交普惠认定申请，指导价核验结果见下方。")
                return redirect("subsidies:certification", institution_id)
    events = list(current.events.select_related("actor")) if current else []
    labels = dict(CertificationAction.choices)
    for e in events:
        e.action_label = labels.get(e.action, e.action)
    return render(request, "subsidies/certification.html", {
        "institution": institution, "current": current, "history": certs[1:], "events": events, "form": form,
        "may_apply": role in OPERATORS and (current is None or current.status in ("returned", "revoked", "expired")),
        "may_decide": role in DISTRICT_DECIDERS and current is not None and current.status == "submitted",
        "may_revoke": role in DISTRICT_DECIDERS and current is not None
        and CERTIFICATION.allows(CertificationAction.REVOKE, current.status),
        "accept_form": AcceptForm(), "return_form": ReasonsForm(), "revoke_form": RevokeForm()})


def _cert_move(request, certification_id: int, form, call, done: str):
    cert = cert_selectors.certification_get(certification_id=certification_id)
    if not form.is_valid():
        messages.error(request, "请检查填写的内容：" + "；".join(f"{form.fields[k].label}：{v[0]}"
                                                         for k, v in form.errors.items() if k in form.fields))
        return redirect("subsidies:certification", cert.institution_id)
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        return fail(request, exc, "subsidies:certification", cert.institution_id)
    messages.success(request, done)
    return redirect("subsidies:certification", cert.institution_id)


@role_required(DISTRICT_DECIDERS)
@require_POST
def certification_accept(request, certification_id: int):
    return _cert_move(request, certification_id, AcceptForm(request.POST), lambda d: cert_services.certification_accept(
        actor=request.user, certification_id=certification_id, period_start=d["period_start"],
        period_end=d["period_end"], review_on=d.get("review_on")), "已认定为普惠托育机构。")


@role_required(DISTRICT_DECIDERS)
@require_POST
def certification_return(request, certification_id: int):
    return _cert_move(request, certification_id, ReasonsForm(request.POST), lambda d: cert_services.certification_return(
        actor=request.user, certification_id=certification_id, reasons=d["reasons"]), "已退回。")


@role_required(DISTRICT_DECIDERS)
@require_POST
def certification_revoke(request, certification_id: int):
    return _cert_move(request, certification_id, RevokeForm(request.POST), lambda d: cert_services.certification_revoke(
        actor=request.user, certification_id=certification_id, cause=d["cause"], reason=d["reason"]), "已撤销认定。")


# --- batches -----------------------------------------------------------------------------------------------

@role_required(BATCH_READERS)
def batch_list(request):
    role = _role(request)
    if request.method == "POST":
        if role not in PAYERS:
            return fail(request, DomainError("permission_denied", "只有管理员可以创建拨付批次。"), "subsidies:batches")
        ids = [int(v) for v in request.POST.getlist("claims") if v.isdigit() and len(v) < 18]
        if not ids:
            messages.error(request, "请选择要拨付的申请。")
            return redirect("subsidies:batches")
        try:
            batch = payout_services.payout_batch_create(actor=request.user, district=None, claim_ids=ids)
        except DomainError as exc:
            return fail(request, exc, "subsidies:batches")
        messages.success(request, f"已创建拨付批次，合计 {rules.yuan(batch.total_fen)} 元。")
        return redirect("subsidies:batch_detail", batch.pk)
    batchable = list(claim_selectors.claim_list().filter(status__in=claim_selectors.BATCHABLE_STATES)
                     .select_related("policy")[:200])
    batchable = [c for c in batchable if not c.policy.requires_city_approval or c.status == "city_ok"]
    page = Paginator(claim_selectors.batch_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "subsidies/batches.html", {"page": page, "batchable": batchable, "yuan": rules.yuan,
                                                      "may_batch": role in PAYERS, "budgets": _budgets(request)})


@role_required(BATCH_READERS)
def batch_detail(request, batch_id: int):
    batch = claim_selectors.batch_get(batch_id=batch_id)
    form = PayForm(request.POST or None)
    if request.method == "POST":
        if _role(request) not in PAYERS:
            return fail(request, DomainError("permission_denied", "只有管理员可以标记拨付。"),
                        "subsidies:batch_detail", batch_id)
        if form.is_valid():
            try:
                payout_services.payout_batch_pay(actor=request.user, batch_id=batch_id,
                                                 bank_reference=form.cleaned_data["bank_reference"],
                                                 paid_on=form.cleaned_data.get("paid_on"))
            except DomainError as exc:
                return fail(request, exc, "subsidies:batch_detail", batch_id)
            messages.success(request, "已标记拨付。")
            return redirect("subsidies:batch_detail", batch_id)
    items = claim_selectors.batch_items(batch.pk)
    return render(request, "subsidies/batch_detail.html", {
        "batch": batch, "items": items, "form": form, "yuan": rules.yuan, "total_yuan": rules.yuan(batch.total_fen),
        "reconciles": sum(i.amount_fen for i in items) == batch.total_fen,
        "may_pay": _role(request) in PAYERS and batch.status == "open"})


# --- policies, guided prices, budgets ----------------------------------------------------------------------

POLICY_FORMS = {"policy": PolicyForm, "price": GuidedPriceForm, "budget": BudgetForm}


def _publish(request, region, which: str, data: dict):
    if which == "policy":
        valid_from = data.pop("valid_from")
        values = {**data, "basis": data.get("basis") or ""}
        policy = policy_services.policy_publish(actor=request.user, region=region, valid_from=valid_from,
                                                values=values)
        return f"已发布补助政策第 {policy.version} 版，自 {policy.valid_from:%Y-%m-%d} 起施行；已审核的申请仍按原版本计算。"
    if which == "price":
        price = policy_services.guided_price_set(actor=request.user, region=region, **data)
        return f"已发布{price.get_class_type_display()}指导价 {rules.yuan(price.price_fen)} 元/月。"
    budget = policy_services.budget_set(actor=request.user, region=region, year=data["year"],
                                        amount_fen=data["amount_fen"])
    return f"已设置 {budget.year} 年度预算 {rules.yuan(budget.amount_fen)} 元。"


@role_required(COMMISSION_READERS)
def policies(request):
    """The acting region's policy versions, guided prices and budgets (used and left, per region and
    year); its admin publishes a new version, a guided price or a year's budget here."""
    region = request.assignment.region
    if region is None:
        raise PermissionDenied("补助政策按区划设置。")
    today = timezone.localdate()
    shown = policy_page(region, day=today)
    may_write = _role(request) in POLICY_SETTERS
    which = request.POST.get("form") if request.method == "POST" else None
    forms = {"policy": PolicyForm(initial=PolicyForm.initial_from(shown["latest"] or shown["city_policy"])),
             "price": GuidedPriceForm(), "budget": BudgetForm(initial={"year": today.year})}
    status = 200
    if which is not None:
        if not may_write or which not in POLICY_FORMS:
            return fail(request, DomainError("permission_denied", "只有本级管理员可以设置补助政策、指导价和预算。"),
                        "subsidies:policies")
        form = forms[which] = POLICY_FORMS[which](request.POST)
        if form.is_valid():
            try:
                done = _publish(request, region, which, dict(form.cleaned_data))
            except NotFound as exc:
                raise Http404(exc.message) from exc
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                messages.success(request, done)
                return redirect("subsidies:policies")
        messages.error(request, "请按标注修改后再提交。")
        status = 400
    budgets = list(budgets_visible(getattr(request, "tenant_scope", None)))
    return render(request, "subsidies/policies.html", {
        "region": region, **shown, "forms": forms, "may_write": may_write, "budgets_all": budgets,
        "is_district": shown["city_policy"] is not None or bool(region.city_id and region.city_id != region.code)},
        status=status)
