"""Reviewer pages: the queue by deadline, the review page, accept / return with itemised reasons /
the non-compliance decision (不予备案, after a confirmation page)."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.roles import REVIEWERS, Role
from core.errors import DomainError
from core.pages import Paginator
from regions.selectors import region_children
from registry.forms import RejectForm, ReturnForm, ReviewQueueFilter, VersionForm
from registry.models import FilingKind
from registry.selectors.filings import (
    filing_deadlines,
    filing_roster,
    pending_termination,
    review_queue,
    review_queue_page_rows,
    roster_changes_since_snapshot,
    staff_snapshot_rows,
    with_deadlines,
)
from registry.services.filings import filing_accept, filing_reject, filing_return, filing_run_checks
from registry.services.receipts import filing_rerender_documents
from registry.workflow import REVIEW_QUEUE_STATES, FilingAction, allowed_actions

from .common import TERMINATION_ACCEPT_LABEL, fail, filing_context, post_version, role_required
from .filings import _get, checklist_rows

QUEUE_ROLES = (REVIEWERS, Role.CITY_VIEWER)


@role_required(*QUEUE_ROLES)
@vary_on_headers("HX-Request")
def queue(request):
    assignment = request.assignment
    # Township filter for a district's own queue; city viewers span many districts and get none.
    district = assignment.region if assignment.region_id and assignment.region.is_tenant else None
    townships = list(region_children(parent_code=district.code)) if district else []
    unfiltered = review_queue(filters={})
    filterset = ReviewQueueFilter(request.GET or None, queryset=unfiltered, townships=townships, selector=review_queue)
    qs = filterset.qs if filterset.is_bound else unfiltered
    page = Paginator(review_queue_page_rows(qs), 25).get_page(request.GET.get("page"))
    with_deadlines(page)
    query = request.GET.copy()
    query.pop("page", None)
    # Filters changed in the page (htmx): only the table and its pagination are sent back.
    template = "registry/review/_queue_results.html" if request.htmx else "registry/review/queue.html"
    return render(request, template, {"filter": filterset, "page": page, "query": query.urlencode(),
                                      "can_review": assignment.role in REVIEWERS})


@role_required(*QUEUE_ROLES)
def review_detail(request, filing_id: int):
    filing = _get(request, filing_id)
    # The checklist, the change diff and the page all read the filing's classes: one query for them.
    prefetch_related_objects([filing], "classes")
    in_queue = filing.status in REVIEW_QUEUE_STATES
    # The live roster, read once for the checklist and the changes since the submitted snapshot.
    roster = list(filing_roster(filing=filing)) if in_queue else None
    context = filing_context(filing)  # its documents also feed the checklist
    checks = (filing_run_checks(filing=filing, roster=roster, documents=context["documents"]) if in_queue
              else (filing.check_results or []))
    can_decide = request.assignment.role in REVIEWERS and filing.status in REVIEW_QUEUE_STATES
    failed_lines = [f"{c['label']}：{c['reason']}" for c in checks if not c["passed"]]
    context.update({
        "checks": checklist_rows(checks, filing, links=False),
        "can_decide": can_decide,
        "can_reject": can_decide and FilingAction.REJECT in allowed_actions(filing.status, filing.kind),
        "accept_label": TERMINATION_ACCEPT_LABEL if filing.kind == FilingKind.TERMINATION else "通过备案并出具回执",
        "accept_form": VersionForm(initial={"version": filing.version}),
        "return_form": ReturnForm(initial={"version": filing.version, "reasons": "\n".join(failed_lines)}),
        "reject_form": RejectForm(initial={"version": filing.version, "reasons": "\n".join(failed_lines)},
                                  auto_id="reject_%s"),
        "deadlines": filing_deadlines(filing),
        "staff_snapshot": staff_snapshot_rows(filing=filing),
        "roster_changes": roster_changes_since_snapshot(filing=filing, roster=roster) if in_queue else [],
        "pending_termination": pending_termination(filing=filing),
        "show_commitment_ip": True,
        "can_rerender": request.assignment.role in REVIEWERS,
    })
    return render(request, "registry/review/detail.html", context)


@role_required(REVIEWERS)
@require_POST
def review_accept(request, filing_id: int):
    try:
        filing = filing_accept(actor=request.user, filing_id=filing_id, expected_version=post_version(request))
    except DomainError as exc:
        items = getattr(exc, "checks", None)
        if items:
            messages.error(request, exc.message + " " + "；".join(f"{c['label']}：{c['reason']}" for c in items))
            return redirect("registry:review_detail", filing_id)
        return fail(request, exc, "registry:review_detail", filing_id)
    messages.success(request, _accepted_message(filing))
    return redirect("registry:review_detail", filing.pk)


def _accepted_message(filing) -> str:
    if filing.receipt_no:
        return f"已通过备案，回执编号 {filing.receipt_no}。备案回执和基本条件告知书正在生成，完成后即可下载。"
    pending = pending_termination(filing=filing)
    if pending:
        return f"终止备案已通过，机构将于 {pending:%Y年%m月%d日} 终止，届时自动变更为已终止。"
    return "终止备案已办结，机构已终止。"


@role_required(REVIEWERS)
@require_POST
def review_return(request, filing_id: int):
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("registry:review_detail", filing_id)
    try:
        filing_return(actor=request.user, filing_id=filing_id, reasons=form.cleaned_data["reasons"],
                      expected_version=form.cleaned_data.get("version"))
    except DomainError as exc:
        return fail(request, exc, "registry:review_detail", filing_id)
    messages.success(request, "已退回补正，并一次性告知了全部补正事项。")
    return redirect("registry:review_queue")


@role_required(REVIEWERS)
@require_POST
def review_rerender(request, filing_id: int):
    """Render a receipt again after the task gave up (or for a receipt stored nowhere)."""
    try:
        filing_rerender_documents(actor=request.user, filing_id=filing_id)
    except DomainError as exc:
        return fail(request, exc, "registry:review_detail", filing_id)
    messages.success(request, "已重新提交回执生成，请稍候。")
    return redirect("registry:review_detail", filing_id)


@role_required(REVIEWERS)
@require_POST
def review_reject(request, filing_id: int):
    """不予备案: the first post shows what will be decided (reasons, basis, what it does) on a
    confirmation page; its confirm button posts again with ``confirmed`` and decides."""
    form = RejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errs in form.errors.values() for e in errs))
        return redirect("registry:review_detail", filing_id)
    filing = _get(request, filing_id)
    if not form.cleaned_data.get("confirmed"):
        return render(request, "registry/review/reject_confirm.html", {
            "filing": filing, "reasons": form.cleaned_data["reasons"], "basis": form.cleaned_data["basis"],
            "version": form.cleaned_data.get("version") or filing.version})
    try:
        filing_reject(actor=request.user, filing_id=filing_id, reasons=form.cleaned_data["reasons"],
                      basis=form.cleaned_data["basis"], expected_version=form.cleaned_data.get("version"))
    except DomainError as exc:
        return fail(request, exc, "registry:review_detail", filing_id)
    messages.success(request, "已作出不予备案决定，并向机构出具不予备案告知书。")
    return redirect("registry:review_detail", filing_id)
