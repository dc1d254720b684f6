"""Blacklist pages: the district's entries (list, listing, correction, end) and hits (list, close as a
false match). Thin: each reads through a selector or calls one service."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.errors import DomainError
from core.pages import Paginator, active_role, apply_domain_error, fail, role_required

from ..forms import EntryFilterForm, EntryForm, HitFilterForm, ReasonForm
from ..models import EntryKind, HitStatus
from ..selectors import blacklist as selectors
from ..services import blacklist as services
from ..services import hits as hit_services
from ..workflow import BLACKLIST_READERS, BLACKLIST_WRITERS, ENTRY, HIT, EntryAction, HitAction

PAGE_SIZE = 25


def _may_write(request) -> bool:
    return active_role(request) in BLACKLIST_WRITERS


def _query(request, drop: str = "page") -> str:
    query = request.GET.copy()
    query.pop(drop, None)
    return query.urlencode()


@role_required(BLACKLIST_READERS)
def blacklist_list(request):
    form = EntryFilterForm(request.GET or None)
    qs = selectors.entry_list()
    if form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["q"].strip():
            term = data["q"].strip()
            qs = qs.filter(Q(name__icontains=term) | Q(uscc=term.upper()) | Q(decision_number=term))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/blacklist/list.html", {
        "filter": form, "page": page, "query": _query(request), "may_write": _may_write(request),
        "open_hits": selectors.open_hit_count()})


@role_required(BLACKLIST_WRITERS)
def blacklist_new(request):
    kind = request.GET.get("kind") if request.GET.get("kind") in EntryKind.values else EntryKind.PERSON
    form = EntryForm(request.POST or None, kind=kind)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.entry_create(actor=request.user, data=form.service_data())
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, f"已列入从业禁止名单：{entry.name}。已与全国在职人员和机构比对。")
            return redirect("supervision:blacklist_detail", entry.pk)
    return render(request, "supervision/blacklist/form.html", {
        "form": form, "kind": kind, "kinds": EntryKind.choices, "title": "列入从业禁止名单"})


@role_required(BLACKLIST_READERS)
def blacklist_detail(request, entry_id: int):
    entry = selectors.entry_get(entry_id=entry_id)
    history = selectors.entry_history(entry=entry)
    actions = dict(EntryAction.choices)
    for e in history:
        e.action_label = actions.get(e.action, e.action)
    hits = selectors.with_entries(selectors.hit_list().filter(entry_id=entry.pk)[:100])
    return render(request, "supervision/blacklist/detail.html", {
        "entry": entry, "history": history, "hits": hits,
        "may_write": _may_write(request) and ENTRY.allows(EntryAction.END, entry.status),
        "end_form": ReasonForm()})


@role_required(BLACKLIST_WRITERS)
def blacklist_correct(request, entry_id: int):
    entry = selectors.entry_get(entry_id=entry_id)
    initial = {name: getattr(entry, name) for name in ("name", "uscc", "legal_representative", "reason", "basis",
                                                        "decision_number", "banned_until")}
    form = EntryForm(request.POST or None, kind=entry.kind, correcting=True, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.entry_correct(actor=request.user, entry_id=entry.pk, data=form.service_data(),
                                   expected_version=entry.version)
        except DomainError as exc:
            if exc.status_code == 404:
                return fail(request, exc, "supervision:blacklist_list")
            apply_domain_error(form, exc)
        else:
            messages.success(request, "名单已更正，更正原因已记入变更记录。")
            return redirect("supervision:blacklist_detail", entry.pk)
    return render(request, "supervision/blacklist/form.html", {
        "form": form, "kind": entry.kind, "entry": entry, "title": f"更正名单：{entry.name}"})


@role_required(BLACKLIST_WRITERS)
@require_POST
def blacklist_end(request, entry_id: int):
    selectors.entry_get(entry_id=entry_id)  # out of scope → 404 before anything else is said
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors.get("reason", ["请填写原因。"])))
        return redirect("supervision:blacklist_detail", entry_id)
    try:
        entry = services.entry_end(actor=request.user, entry_id=entry_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return fail(request, exc, "supervision:blacklist_detail", entry_id)
    messages.success(request, f"名单“{entry.name}”已解除，不再参与比对。")
    return redirect("supervision:blacklist_detail", entry_id)


@role_required(BLACKLIST_READERS)
def hit_list(request):
    form = HitFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    page = Paginator(selectors.hit_list(status=status or None), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_entries(page.object_list)
    may_close = _may_write(request)
    for hit in page.object_list:
        hit.may_close = may_close and hit.shows_entry and HIT.allows(HitAction.CLOSE, hit.status)
    return render(request, "supervision/blacklist/hits.html", {
        "filter": form, "page": page, "query": _query(request), "close_form": ReasonForm(),
        "open_status": HitStatus.OPEN})


@role_required(BLACKLIST_WRITERS)
@require_POST
def hit_close(request, hit_id: int):
    selectors.hit_get(hit_id=hit_id)  # out of scope → 404 before anything else is said
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(form.errors.get("reason", ["请填写理由。"])))
        return redirect("supervision:hit_list")
    try:
        hit_services.hit_close(actor=request.user, hit_id=hit_id, reason=form.cleaned_data["reason"])
    except DomainError as exc:
        return fail(request, exc, "supervision:hit_list")
    messages.success(request, "已认定为误报，两地的命中记录均已关闭。")
    return redirect("supervision:hit_list")
