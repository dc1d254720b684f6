"""Complaint and incident pages. Thin: each reads through a selector or calls one service.

- Public (portal, no login): the complaint form (``/complaints/new/?institution=<id>``, limited per
  client address) and the tracking page (``/complaints/track/``, limited too: codes are secrets).
- District: the complaint queue with deadlines and a complaint's page (assign, notes, reply, close,
  the follow-up inspection, reopen); the incident queue and an incident's page (take up, follow up,
  close, the blacklist review of a suspected abuse).
- Operator: report an incident, their incidents, follow-up entries.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from core.audit import client_ip
from core.errors import DomainError
from core.pages import Paginator, active_role, apply_domain_error, fail, role_required
from core.ratelimit import hit
from core.roles import Role

from .. import forms_complaints as forms
from ..models import BlacklistReview, IncidentKind, IncidentStatus
from ..selectors import complaints as selectors
from ..services import complaints as services
from ..services import incidents as incident_services
from ..workflow import (
    BLACKLIST_REVIEWERS,
    COMPLAINT,
    COMPLAINT_ASSIGNERS,
    COMPLAINT_HANDLERS,
    COMPLAINT_READERS,
    INCIDENT,
    INCIDENT_HANDLERS,
    INCIDENT_READERS,
    INCIDENT_REPORTERS,
    INSPECTORS,
    OPEN_COMPLAINT_STATES,
    OPEN_INCIDENT_STATES,
    ComplaintAction,
    IncidentAction,
)

PAGE_SIZE = 25


def _query(request, drop: str = "page") -> str:
    query = request.GET.copy()
    query.pop(drop, None)
    return query.urlencode()


def _limited(request, name: str, limits):
    """``None`` when allowed; else the 429 page with ``Retry-After``."""
    verdict = hit(name, client_ip(request), limits=limits)
    if verdict.allowed:
        return None
    minutes = max(1, -(-verdict.retry_after // 60))
    response = render(request, "portal/complaint_rate_limited.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    return response


# --- public --------------------------------------------------------------------------------------------

@require_http_methods(["GET", "POST"])
def complaint_new(request):
    """The public complaint form about a filed institution (no login)."""
    raw = request.POST.get("institution") if request.method == "POST" else request.GET.get("institution")
    institution_id = raw.strip() if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) < 19 else None
    target = selectors.complaint_target(institution_id=int(institution_id) if institution_id else None)
    if target is None:
        return render(request, "portal/complaint_no_institution.html", status=404)
    form = forms.PublicComplaintForm(request.POST or None, initial={"institution": target["id"]})
    if request.method == "POST":
        limited = _limited(request, "complaint_submit", settings.COMPLAINT_RATE_LIMITS)
        if limited is not None:
            return limited
        if form.is_valid():
            try:
                complaint = services.complaint_submit(data=form.cleaned_data)
            except DomainError as exc:
                apply_domain_error(form, exc)
            else:
                return render(request, "portal/complaint_received.html", {
                    "code": complaint.tracking_code_display, "institution_name": complaint.institution_name,
                    "due_at": complaint.due_at})
    return render(request, "portal/complaint_form.html", {"form": form, "target": target})


def complaint_track(request):
    """Follow a complaint with its tracking code: status, deadline, outcome and the public reply."""
    form = forms.TrackForm(request.GET or None)
    result = None
    searched = False
    if request.GET.get("code"):
        limited = _limited(request, "complaint_track", settings.COMPLAINT_TRACK_RATE_LIMITS)
        if limited is not None:
            return limited
        if form.is_valid():
            searched = True
            result = selectors.public_complaint_lookup(code=form.cleaned_data["code"])
    response = render(request, "portal/complaint_track.html", {"form": form, "r": result, "searched": searched},
                      status=404 if searched and result is None else 200)
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# --- the district's complaints -------------------------------------------------------------------------

@role_required(COMPLAINT_READERS)
def complaint_queue(request):
    form = forms.ComplaintFilterForm(request.GET or None)
    status, overdue = "", None
    if form.is_valid():
        status = form.cleaned_data["status"]
        overdue = {"true": True, "false": False}.get(form.cleaned_data["overdue"])
    page = Paginator(selectors.complaint_queue(status=status or None, overdue=overdue), PAGE_SIZE).get_page(
        request.GET.get("page"))
    for c in page.object_list:
        c.overdue = selectors.is_overdue(c)
    return render(request, "supervision/complaints/queue.html", {"filter": form, "page": page,
                                                                 "query": _query(request)})


@role_required(COMPLAINT_READERS)
def complaint_detail(request, complaint_id: int):
    complaint = selectors.complaint_get(complaint_id=complaint_id)
    role = active_role(request)
    history = selectors.complaint_history(complaint=complaint)
    labels = dict(ComplaintAction.choices)
    for e in history:
        e.action_label = labels.get(e.action, e.action)
    is_open = complaint.status in OPEN_COMPLAINT_STATES
    handler = role in COMPLAINT_HANDLERS
    may = {
        "assign": role in COMPLAINT_ASSIGNERS and COMPLAINT.allows(ComplaintAction.ASSIGN, complaint.status),
        "note": handler,
        "reply": handler and is_open,
        "close": handler and COMPLAINT.allows(ComplaintAction.CLOSE, complaint.status)
        and (complaint.assignee_id == request.user.pk or role == Role.DISTRICT_ADMIN),
        "link": handler,
        "reopen": role == Role.DISTRICT_ADMIN and COMPLAINT.allows(ComplaintAction.REOPEN, complaint.status),
        "target": role in INSPECTORS and complaint.followup_inspection_id is None,
    }
    context = {"c": complaint, "history": history, "may": may, "overdue": selectors.is_overdue(complaint)}
    if may["assign"]:
        context["assign_form"] = forms.AssignForm(people=selectors.complaint_assignees(complaint=complaint),
                                                  initial={"assignee": complaint.assignee_id})
    context.update(note_form=forms.NoteForm(), reply_form=forms.ReplyForm(initial={"public_reply": complaint.public_reply}),
                   close_form=forms.CloseForm(auto_id="close_%s"), reopen_form=forms.ReasonForm(),
                   link_form=forms.LinkForm(initial={"followup_reference": complaint.followup_reference,
                                                     "followup_inspection_id": complaint.followup_inspection_id}))
    return render(request, "supervision/complaints/detail.html", context)


def _form_error(request, form) -> None:
    messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))


def _complaint_post(request, complaint_id: int, form_class, call, done: str, **form_kwargs):
    selectors.complaint_get(complaint_id=complaint_id)  # out of scope → 404 before anything else is said
    form = form_class(request.POST, **form_kwargs)
    if not form.is_valid():
        _form_error(request, form)
        return redirect("supervision:complaint_detail", complaint_id)
    try:
        call(form.cleaned_data)
    except DomainError as exc:
        return fail(request, exc, "supervision:complaint_detail", complaint_id)
    messages.success(request, done)
    return redirect("supervision:complaint_detail", complaint_id)


@role_required(COMPLAINT_ASSIGNERS)
@require_POST
def complaint_assign(request, complaint_id: int):
    complaint = selectors.complaint_get(complaint_id=complaint_id)
    people = selectors.complaint_assignees(complaint=complaint)
    return _complaint_post(request, complaint_id, forms.AssignForm, lambda d: services.complaint_assign(
        actor=request.user, complaint_id=complaint_id, assignee_id=d["assignee"]), "已分派承办人。", people=people)


@role_required(COMPLAINT_HANDLERS)
@require_POST
def complaint_note(request, complaint_id: int):
    return _complaint_post(request, complaint_id, forms.NoteForm, lambda d: services.complaint_note(
        actor=request.user, complaint_id=complaint_id, text=d["text"]), "已添加内部备注。")


@role_required(COMPLAINT_HANDLERS)
@require_POST
def complaint_reply(request, complaint_id: int):
    return _complaint_post(request, complaint_id, forms.ReplyForm, lambda d: services.complaint_reply(
        actor=request.user, complaint_id=complaint_id, public_reply=d["public_reply"]),
        "答复已保存，投诉人凭查询码即可看到。")


@role_required(COMPLAINT_HANDLERS)
@require_POST
def complaint_close(request, complaint_id: int):
    return _complaint_post(request, complaint_id, forms.CloseForm, lambda d: services.complaint_close(
        actor=request.user, complaint_id=complaint_id, outcome=d["outcome"], public_reply=d["public_reply"]),
        "投诉已办结。")


@role_required(COMPLAINT_HANDLERS)
@require_POST
def complaint_link(request, complaint_id: int):
    return _complaint_post(request, complaint_id, forms.LinkForm, lambda d: services.complaint_link_followup(
        actor=request.user, complaint_id=complaint_id, followup_reference=d["followup_reference"],
        followup_inspection_id=d["followup_inspection_id"]), "已关联后续检查。")


@role_required({Role.DISTRICT_ADMIN})
@require_POST
def complaint_reopen(request, complaint_id: int):
    return _complaint_post(request, complaint_id, forms.ReasonForm, lambda d: services.complaint_reopen(
        actor=request.user, complaint_id=complaint_id, reason=d["reason"]), "投诉已重新办理。")


# --- incidents ---------------------------------------------------------------------------------------------

@role_required(INCIDENT_READERS)
def incident_list(request):
    form = forms.IncidentFilterForm(request.GET or None)
    qs = selectors.incident_list()
    if form.is_valid():
        data = form.cleaned_data
        qs = selectors.incident_list(status=data["status"] or None, kind=data["kind"] or None)
        if data["review"] == BlacklistReview.PENDING:
            qs = qs.filter(blacklist_review=BlacklistReview.PENDING)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/complaints/incidents.html", {
        "filter": form, "page": page, "query": _query(request),
        "may_report": active_role(request) in INCIDENT_REPORTERS, "pending": BlacklistReview.PENDING})


@role_required(INCIDENT_REPORTERS)
def incident_new(request):
    form = forms.IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_services.incident_report(actor=request.user,
                                                         institution_id=request.assignment.institution_id,
                                                         data=form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, "事件已报告，区县卫生健康部门已收到通知。请继续报告处置进展。")
            return redirect("supervision:incident_detail", incident.pk)
    return render(request, "supervision/complaints/incident_form.html", {"form": form,
                                                                         "abuse": IncidentKind.SUSPECTED_ABUSE})


@role_required(INCIDENT_READERS)
def incident_detail(request, incident_id: int):
    incident = selectors.incident_get(incident_id=incident_id)
    role = active_role(request)
    history = selectors.incident_history(incident=incident)
    labels = dict(IncidentAction.choices)
    for e in history:
        e.action_label = labels.get(e.action, e.action)
    is_open = incident.status in OPEN_INCIDENT_STATES
    writer = role in INCIDENT_HANDLERS or role in INCIDENT_REPORTERS
    may = {
        "follow_up": writer and is_open,
        "acknowledge": role in INCIDENT_HANDLERS and INCIDENT.allows(IncidentAction.ACKNOWLEDGE, incident.status),
        "close": role in INCIDENT_HANDLERS and INCIDENT.allows(IncidentAction.CLOSE, incident.status),
        "review": role in BLACKLIST_REVIEWERS and incident.blacklist_review == BlacklistReview.PENDING,
        "target": role in INSPECTORS and incident.followup_inspection_id is None,
    }
    return render(request, "supervision/complaints/incident_detail.html", {
        "i": incident, "history": history, "may": may, "is_operator": role in INCIDENT_REPORTERS,
        "follow_form": forms.FollowUpForm(), "close_form": forms.ResolutionForm(), "review_form": forms.ReasonForm(),
        "pending": BlacklistReview.PENDING, "closed": IncidentStatus.CLOSED})


def _incident_post(request, incident_id: int, form_class, call, done: str):
    selectors.incident_get(incident_id=incident_id)  # out of scope → 404 before anything else is said
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        _form_error(request, form)
        return redirect("supervision:incident_detail", incident_id)
    try:
        call(form.cleaned_data if form is not None else {})
    except DomainError as exc:
        return fail(request, exc, "supervision:incident_detail", incident_id)
    messages.success(request, done)
    return redirect("supervision:incident_detail", incident_id)


@role_required(INCIDENT_HANDLERS | INCIDENT_REPORTERS)
@require_POST
def incident_follow_up(request, incident_id: int):
    return _incident_post(request, incident_id, forms.FollowUpForm, lambda d: incident_services.incident_follow_up(
        actor=request.user, incident_id=incident_id, text=d["text"]), "已添加跟进记录。")


@role_required(INCIDENT_HANDLERS)
@require_POST
def incident_acknowledge(request, incident_id: int):
    return _incident_post(request, incident_id, None, lambda d: incident_services.incident_acknowledge(
        actor=request.user, incident_id=incident_id), "已受理，事件进入跟进。")


@role_required(INCIDENT_HANDLERS)
@require_POST
def incident_close(request, incident_id: int):
    return _incident_post(request, incident_id, forms.ResolutionForm, lambda d: incident_services.incident_close(
        actor=request.user, incident_id=incident_id, resolution=d["resolution"]), "事件已结案。")


@role_required(BLACKLIST_REVIEWERS)
@require_POST
def incident_blacklist_review(request, incident_id: int):
    return _incident_post(request, incident_id, forms.ReasonForm,
                          lambda d: incident_services.incident_blacklist_review_done(
                              actor=request.user, incident_id=incident_id, reason=d["reason"]),
                          "已记录从业禁止审查结果。")

