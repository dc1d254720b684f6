"""Operator filing pages: the form in steps, checklist, submit/withdraw, status and history, PDFs.

Documents are served through ``document_file`` (scoped lookup, inline), never a public media URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.roles import COMMISSION_STAFF
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
from registry.models import FilingKind, FilingStatus
from registry.selectors.filings import filing_document_needs, filing_get, pending_termination
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
from registry.services.receipts import notice_pdf_bytes, receipt_pdf_bytes, rejection_pdf_bytes
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
                "carers": c.carers, "min_age_months": c.min_age_months} for c in filing.classes.all()]
    formset = FilingClassFormSet(request.POST or None, initial=initial, prefix="classes")
    if request.method == "POST" and formset.is_valid():
        classes = [f.cleaned_data for f in formset.forms
                   if f.cleaned_data and not f.cleaned_data.get("DELETE")]
        for c in classes:
            c.pop("DELETE", None)
        try:
            filing_set_classes(actor=request.user, filing_id=filing.pk, classes=classes)
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
    form = DocumentUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            document_upload(actor=request.user, filing_id=filing.pk, doc_type=form.cleaned_data["doc_type"],
                            uploaded_file=form.cleaned_data["file"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "材料已上传。")
            return redirect("registry:filing_step", filing.pk, "documents"), {}
    documents = list(filing.documents.select_related("carried_from"))
    return None, {"form": form, "documents": documents,
                  "document_needs": filing_document_needs(filing=filing, documents=documents)}


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
    return None, {"form": form}


def _checklist_step(request, filing):
    checks = filing_run_checks(filing=filing)
    return None, {"checks": checks, "all_passed": all(c["passed"] for c in checks)}


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
                   pending_termination=pending_termination(filing=filing))
    return render(request, "registry/filing/detail.html", context)


@login_required
def filing_pdf(request, filing_id: int, which: str):
    filing = _get(request, filing_id)
    if which == "rejection":
        if filing.status != FilingStatus.REJECTED:
            raise Http404("该备案没有不予备案告知书。")
        stored, name, builder = filing.rejection_pdf, f"不予备案告知书-{filing.pk}.pdf", rejection_pdf_bytes
    elif not filing.receipt_no:
        raise Http404("该备案尚未出具回执。")
    elif which == "receipt":
        stored, name, builder = filing.receipt_pdf, f"备案回执-{filing.receipt_no}.pdf", receipt_pdf_bytes
    else:
        stored, name, builder = filing.notice_pdf, f"基本条件告知书-{filing.receipt_no}.pdf", notice_pdf_bytes
    if stored:
        response = FileResponse(stored.open("rb"), content_type="application/pdf", as_attachment=True,
                                filename=name)
    else:
        data = builder(filing=filing)
        response = HttpResponse(data, content_type="application/pdf")
        from django.utils.http import content_disposition_header

        response["Content-Disposition"] = content_disposition_header(True, name)
    return response


@login_required
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
