"""Operator filing pages: the form in steps, checklist, submit/withdraw, status and history, PDFs.

Documents are served through ``document_file`` (scoped lookup, inline), never a public media URL.
"""

from __future__ import annotations

from csp.decorators import csp_update
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_POST

from accounts.roles import COMMISSION_STAFF, REVIEWERS
from core.errors import DomainError, NotFound
from registry import rules
from registry.forms import (
    CommitmentForm,
    DocumentUploadForm,
    FilingBasicForm,
    FilingClassFormSet,
    FilingPremisesForm,
    FilingTerminationForm,
    apply_domain_error,
)
from registry.models import FilingKind, FilingStatus, ReceiptStatus
from registry.selectors.filings import filing_document_needs, filing_get, pending_termination, receipt_state
from registry.selectors.institutions import document_get
from registry.services.documents import document_delete, document_upload
from registry.services.filings import (
    filing_create,
    filing_run_checks,
    filing_set_classes,
    filing_sign_commitment,
    filing_submit,
    filing_update_form,
    filing_withdraw,
)
from registry.workflow import EDITABLE_STATES, REVIEW_QUEUE_STATES

from .common import (
    active_role,
    fail,
    filing_context,
    operator_institution_id,
    operator_required,
    post_version,
)

STEPS = [("basic", "基本信息"), ("classes", "班级设置"), ("premises", "场地与收费"),
         ("documents", "上传材料"), ("commitment", "备案承诺"), ("checklist", "自查与提交")]
# A change filing changes only name, address (inside the district), principal, service types and
# slots (备案办法); classes follow, and the lease may be renewed or replaced.
CHANGE_STEPS = [("basic", "变更事项"), ("classes", "班级设置"), ("premises", "场地租赁"), ("documents", "上传材料"),
                ("commitment", "备案承诺"), ("checklist", "自查与提交")]
TERMINATION_STEPS = [("termination", "终止信息"), ("documents", "上传材料"), ("commitment", "备案承诺"),
                     ("checklist", "自查与提交")]


def steps_for(filing) -> list[tuple[str, str]]:
    return {FilingKind.TERMINATION: TERMINATION_STEPS, FilingKind.CHANGE: CHANGE_STEPS}.get(filing.kind, STEPS)


def _next_step(filing, step: str) -> str:
    keys = [k for k, _ in steps_for(filing)]
    i = keys.index(step)
    return keys[min(i + 1, len(keys) - 1)]


def _get(request, filing_id: int):
    try:
        return filing_get(filing_id=filing_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@operator_required
@require_POST
def filing_new(request, kind: str):
    if kind not in FilingKind.values:
        raise Http404
    try:
        filing = filing_create(actor=request.user, institution_id=operator_institution_id(request), kind=kind)
    except DomainError as exc:
        return fail(request, exc, "registry:operator_home")
    messages.success(request, f"已创建{filing.get_kind_display()}草稿，请逐步填写。")
    return redirect("registry:filing_step", filing.pk, steps_for(filing)[0][0])


@operator_required
def filing_step(request, filing_id: int, step: str):
    filing = _get(request, filing_id)
    steps = steps_for(filing)
    if step not in dict(steps):
        raise Http404
    if filing.status not in EDITABLE_STATES:
        messages.info(request, f"备案当前状态为「{filing.get_status_display()}」，不能修改。")
        return redirect("registry:filing_detail", filing.pk)
    handler = STEP_HANDLERS[step]
    response, context = handler(request, filing)
    if response is not None:
        return response
    context.update(filing=filing, steps=steps, step=step, step_label=dict(steps)[step])
    return render(request, f"registry/filing/step_{step}.html", context)


def _done(request, filing, step):
    messages.success(request, "已保存。")
    if "save_only" in request.POST:
        return redirect("registry:filing_step", filing.pk, step)
    return redirect("registry:filing_step", filing.pk, _next_step(filing, step))


def _form_step(form_class, step, initial_fn=None, data_fn=None, form_kwargs=None):
    def handle(request, filing):
        initial = initial_fn(filing) if initial_fn else {n: getattr(filing, n) for n in form_class.base_fields}
        form = form_class(request.POST or None, initial=initial, **(form_kwargs(filing) if form_kwargs else {}))
        if filing.kind == FilingKind.CHANGE:
            for name in [n for n in form.fields if n not in rules.CHANGEABLE_FIELDS]:
                del form.fields[name]
        if request.method == "POST" and form.is_valid():
            data = data_fn(form) if data_fn else form.cleaned_data
            try:
                filing_update_form(actor=request.user, filing_id=filing.pk, data=data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return _done(request, filing, step), {}
        return None, {"form": form}

    return handle


def _classes_step(request, filing):
    initial = [{"name": c.name, "class_type": c.class_type, "planned_children": c.planned_children,
                "carers": c.carers, "min_age_months": c.min_age_months, "max_age_months": c.max_age_months}
               for c in filing.classes.all()]
    formset = FilingClassFormSet(request.POST or None, initial=initial, prefix="classes")
    if request.method == "POST" and formset.is_valid():
        try:
            filing_set_classes(actor=request.user, filing_id=filing.pk, classes=formset.kept_rows())
        except DomainError as exc:
            formset._non_form_errors = formset.error_class([exc.message, *_flatten(exc.fields)])
        else:
            return _done(request, filing, "classes"), {}
    return None, {"formset": formset}


def _flatten(fields: dict) -> list[str]:
    out = []
    for name, msgs in (fields or {}).items():
        for m in msgs if isinstance(msgs, list | tuple) else [msgs]:
            out.append(f"{name}：{m.get('message', m) if isinstance(m, dict) else m}")
    return out


def _documents_step(request, filing):
    documents = list(filing.documents.select_related("carried_from"))
    needs = filing_document_needs(filing=filing, documents=documents)
    missing = [n.doc_type for n in needs if not n.satisfied]
    form = DocumentUploadForm(request.POST or None, request.FILES or None,
                              initial={"doc_type": missing[0]} if missing else None)
    if request.method == "POST" and form.is_valid():
        try:
            document_upload(actor=request.user, filing_id=filing.pk, doc_type=form.cleaned_data["doc_type"],
                            uploaded_file=form.cleaned_data["file"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "材料已上传。")
            return redirect("registry:filing_step", filing.pk, "documents"), {}
    return None, {"form": form, "documents": documents, "missing_count": len(missing), "document_needs": needs}


def _commitment_step(request, filing):
    form = CommitmentForm(request.POST or None, initial={"signer": filing.commitment_signer,
                                                         "agree": bool(filing.commitment_accepted_at)})
    if request.method == "POST" and form.is_valid():
        from core.audit import client_ip

        try:
            filing_sign_commitment(actor=request.user, filing_id=filing.pk, signer=form.cleaned_data["signer"],
                                   ip=client_ip(request))
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            return _done(request, filing, "commitment"), {}
    from registry.commitment import commitment_text
    from registry.services.receipts import commission_name

    letter = commitment_text(institution_name=filing.name, uscc=filing.institution.uscc,
                             commission=commission_name(filing), kind=filing.kind,
                             kind_label=filing.get_kind_display())
    signed = bool(filing.commitment_signer and filing.commitment_accepted_at)
    return None, {"form": form, "letter": letter, "signed": signed,
                  "voided": not signed and filing.commitment_voided_at is not None}


def _checklist_step(request, filing):
    checks = filing_run_checks(filing=filing)
    return None, {"checks": checklist_rows(checks, filing, links=True), "all_passed": all(c["passed"] for c in checks),
                  "failed_count": sum(1 for c in checks if not c["passed"])}


ROSTER = "roster"
# Where the operator fixes a failed check: a step of the filing, or the staff roster. A check not
# named here (rules added later) is placed by its code's prefix; none matching: no link.
FIX_AT = {
    "changes": "basic", "total_slots": "classes", "classes_present": "classes", "class_type": "classes",
    "class_size": "classes", "class_ratio": "classes", "mixed_min_age": "classes",
    "home_daycare_size": "classes", "home_daycare_ratio": "classes",
    "caregivers_on_roster": ROSTER, "principal": ROSTER, "health_staff": ROSTER, "security_guard": ROSTER,
    "health_certificates": ROSTER, "premises": "premises", "hygiene": "premises", "documents": "documents",
    "commitment": "commitment", "termination_date": "termination", "placement_plan": "termination",
}
FIX_AT_PREFIX = (("class", "classes"), ("age", "classes"), ("lease", "premises"), ("premises", "premises"),
                 ("staff", ROSTER), ("criminal", ROSTER), ("qualification", ROSTER), ("carer", ROSTER),
                 ("health", ROSTER), ("business_scope", "basic"), ("service", "basic"), ("document", "documents"),
                 ("termination", "termination"), ("placement", "termination"), ("settlement", "termination"))


def _fix_link(code: str, filing) -> tuple[str, str] | None:
    target = FIX_AT.get(code) or next((t for prefix, t in FIX_AT_PREFIX if code.startswith(prefix)), None)
    if target == ROSTER:
        return reverse("registry:staff_list"), "去从业人员名册修改"
    steps = dict(steps_for(filing))
    if target in steps:
        return reverse("registry:filing_step", args=[filing.pk, target]), f"去「{steps[target]}」修改"
    return None


def checklist_rows(checks: list[dict], filing, *, links: bool) -> list[dict]:
    """The checklist as the pages show it: failures first (in the rules' order), then passes; with
    ``links`` (the operator's own pages), each failure links to the step or page that fixes it."""
    rows = []
    for c in sorted(checks, key=lambda c: c["passed"]):
        row = dict(c)
        if not c["passed"]:
            if c["code"] == "commitment" and filing.commitment_voided_reason and filing.commitment_voided_at:
                row["reason"] = (f"{c['reason']}。此前的签署已于 {timezone.localtime(filing.commitment_voided_at):%Y-%m-%d %H:%M} "
                                 f"因{filing.commitment_voided_reason}而失效")
            link = _fix_link(c["code"], filing) if links else None
            if link:
                row["fix_url"], row["fix_label"] = link
        rows.append(row)
    return rows


STEP_HANDLERS = {
    "basic": _form_step(FilingBasicForm, "basic", initial_fn=FilingBasicForm.initial_from,
                        data_fn=lambda form: form.service_data(), form_kwargs=lambda filing: {"filing": filing}),
    "classes": _classes_step,
    "premises": _form_step(FilingPremisesForm, "premises", initial_fn=FilingPremisesForm.initial_from,
                           data_fn=lambda form: form.service_data()),
    "termination": _form_step(FilingTerminationForm, "termination"),
    "documents": _documents_step,
    "commitment": _commitment_step,
    "checklist": _checklist_step,
}


@operator_required
@require_POST
def filing_submit_view(request, filing_id: int):
    try:
        filing = filing_submit(actor=request.user, filing_id=filing_id, expected_version=post_version(request))
    except DomainError as exc:
        if exc.code == "checks_failed":
            messages.error(request, exc.message)
            return redirect("registry:filing_step", filing_id, "checklist")
        return fail(request, exc, "registry:filing_detail", filing_id)
    messages.success(request, f"备案已提交，审核期限至 {filing.due_at:%Y-%m-%d}。" if filing.due_at else "备案已提交。")
    return redirect("registry:filing_detail", filing.pk)


@operator_required
@require_POST
def filing_withdraw_view(request, filing_id: int):
    try:
        filing_withdraw(actor=request.user, filing_id=filing_id)
    except DomainError as exc:
        return fail(request, exc, "registry:filing_detail", filing_id)
    messages.success(request, "备案已撤回。")
    return redirect("registry:operator_home")


@login_required
def filing_detail(request, filing_id: int):
    """Status, form facts, classes, documents, return reasons and history (operator and commission)."""
    if active_role(request) in COMMISSION_STAFF:
        return redirect("registry:review_detail", filing_id)
    filing = _get(request, filing_id)
    context = filing_context(filing)
    context.update(steps=steps_for(filing), editable=filing.status in EDITABLE_STATES,
                   awaiting_review=filing.status in REVIEW_QUEUE_STATES,
                   pending_termination=pending_termination(filing=filing), can_rerender=False)
    return render(request, "registry/filing/detail.html", context)


@login_required
def filing_pdf(request, filing_id: int, which: str):
    """The stored receipt or notice. Never rendered here: until the Celery task has stored it the
    page it came from says 回执生成中 (or 生成失败), and so does this URL."""
    filing = _get(request, filing_id)
    if which == "rejection":
        if filing.status != FilingStatus.REJECTED:
            raise Http404("该备案没有不予备案告知书。")
    elif not filing.receipt_no:
        raise Http404("该备案尚未出具回执。")
    state = receipt_state(filing)
    if state != ReceiptStatus.READY:
        messages.info(request, RECEIPT_STATE_MESSAGES[state])
        return redirect("registry:filing_detail", filing.pk)
    if which == "rejection":
        stored, name = filing.rejection_pdf, f"不予备案告知书-{filing.pk}.pdf"
    else:
        stored = filing.receipt_pdf if which == "receipt" else filing.notice_pdf
        name = f"{'备案回执' if which == 'receipt' else '基本条件告知书'}-{filing.receipt_no}.pdf"
    return FileResponse(stored.open("rb"), content_type="application/pdf", as_attachment=True, filename=name)


RECEIPT_STATE_MESSAGES = {
    ReceiptStatus.PENDING: "回执生成中，请稍候片刻再下载。",
    ReceiptStatus.FAILED: "回执生成失败，请联系审核人员重新生成。",
}


def receipt_context(request, filing) -> dict:
    return {"filing": filing, "receipt_state": receipt_state(filing),
            "can_rerender": active_role(request) in REVIEWERS}


@login_required
def filing_receipt_state(request, filing_id: int):
    """htmx: the receipt panel of the status and review pages; polled every 2 s while pending."""
    filing = _get(request, filing_id)
    return render(request, "registry/filing/_receipt.html", receipt_context(request, filing))


@login_required
@xframe_options_sameorigin
@csp_update({"frame-ancestors": ["'self'"]})
def document_file(request, document_id: int):
    """A filing document, looked up in scope and shown inline (PDF in an iframe, images in <img>)."""
    try:
        document = document_get(document_id=document_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    from django.utils.http import content_disposition_header

    response["Content-Disposition"] = content_disposition_header(False, document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@operator_required
@require_POST
def document_delete_view(request, document_id: int):
    try:
        document = document_get(document_id=document_id)
        filing_id = document.filing_id
        document_delete(actor=request.user, document_id=document_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        return fail(request, exc, "registry:operator_home")
    messages.success(request, "材料已删除。")
    return redirect("registry:filing_step", filing_id, "documents")
