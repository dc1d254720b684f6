"""Dashboard pages: a region compared by its children (table, bars, map), trends over years, the
rows behind a figure; each table also as Excel (``?format=xlsx``)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from accounts.models import AuthEventKind
from accounts.services import auth_event_record
from core.errors import DomainError
from core.pages import Paginator, role_required
from core.roles import COMMISSION_STAFF

from . import catalogue, excel, selectors
from .forms import DashboardQuery
from .present import cell, format_count

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Maps shipped (static/vendor/echarts-4.9.0/map/<code>.json): the country's provinces, a province's cities.
MAP_LEVELS = ("country", "province")
DRILL_PAGE_SIZE = 50
DRILL_EXPORT_MAX = 50_000


def _query(request):
    """The parsed query (region, day) and the region; a bad value is a 400 page, an unknown or
    out-of-scope region a 404 (``role_required`` turns ``NotFound`` into one)."""
    form = DashboardQuery(request.GET)
    if not form.is_valid():
        return form, None, None
    data = form.cleaned_data
    assignment = request.assignment
    region = selectors.region_for(scope=request.tenant_scope,
                                  assignment_region=assignment.region if assignment else None,
                                  code=data.get("region"))
    return form, region, data


def _bad(request, form):
    return render(request, "indicators/bad_query.html", {"form": form}, status=400)


def _xlsx(request, content: bytes, filename: str, target: str) -> HttpResponse:
    auth_event_record(kind=AuthEventKind.EXPORT, user=request.user, request=request, target=target)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename=\"{filename}\""
    return response


def _url(name: str, **params) -> str:
    return reverse(name) + "?" + urlencode({k: v for k, v in params.items() if v})


@role_required(COMMISSION_STAFF)
def dashboard_view(request):
    form, region, data = _query(request)
    if data is None:
        return _bad(request, form)
    board = selectors.dashboard(region=region, as_of=data.get("as_of"))
    as_of = board.as_of.isoformat()
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, excel.dashboard_xlsx(board), f"indicators-{board.code}-{as_of}.xlsx",
                     f"indicators:{board.code}:{as_of}")

    def table_row(row, is_total=False):
        code = board.code if is_total else row["code"]
        cells = []
        for ind in board.indicators:
            c = cell(ind, row["figures"].get(ind.code))
            c["code"] = ind.code
            c["drill"] = _url("indicators:drill", region=code, indicator=ind.code, as_of=as_of)
            cells.append(c)
        return {"code": code, "name": row["name"], "cells": cells, "population": format_count(row["population"]),
                "population_year": row["population_year"],
                "link": None if is_total or board.child_level == "township" else
                _url("indicators:dashboard", region=code, as_of=as_of)}

    chart = {
        "indicators": [{"code": i.code, "label": i.label, "unit": i.unit, "kind": i.kind} for i in board.indicators],
        "rows": [{"code": r["code"], "name": r["name"],
                  "values": {i.code: r["figures"][i.code]["value"] for i in board.indicators},
                  "statuses": {i.code: r["figures"][i.code].get("status") for i in board.indicators}}
                 for r in board.rows],
        "map": (static_map_url(board.code) if selectors.level_of(region) in MAP_LEVELS else None),
    }
    up = None
    if region is not None:
        parent = region.parent_id or ("000000" if request.tenant_scope.unrestricted else None)
        if parent and parent != region.code:
            try:
                selectors.region_for(scope=request.tenant_scope, assignment_region=None, code=parent)
                up = _url("indicators:dashboard", region=parent, as_of=as_of)
            except DomainError:
                up = None
    return render(request, "indicators/dashboard.html", {
        "board": board, "rows": [table_row(r) for r in board.rows], "total": table_row(board.total, True),
        "chart": chart, "form": form, "as_of": as_of, "up": up,
        "xlsx": _url("indicators:dashboard", region=board.code, as_of=as_of, format="xlsx"),
        "trend": _url("indicators:trend", region=board.code, as_of=as_of),
    })


def static_map_url(code: str) -> str:
    from django.templatetags.static import static

    return static(f"vendor/echarts-4.9.0/map/{code}.json")


@role_required(COMMISSION_STAFF)
def trend_view(request):
    form, region, data = _query(request)
    if data is None:
        return _bad(request, form)
    rows = selectors.trend(region=region, as_of=data.get("as_of"))
    name = selectors.region_name(region)
    code = selectors.region_code(region)
    if request.GET.get("format") == "xlsx":
        return _xlsx(request, excel.trend_xlsx(name, rows), f"indicators-trend-{code}.xlsx", f"indicators-trend:{code}")
    inds = [i for i in catalogue.indicators() if not i.pending]
    table = [{"as_of": r["as_of"], "year": r["year"], "population": format_count(r["population"]),
              "cells": [cell(i, r["figures"].get(i.code)) for i in inds]} for r in rows]
    chart = {"indicators": [{"code": i.code, "label": i.label, "unit": i.unit, "kind": i.kind} for i in inds],
             "years": [r["year"] for r in rows],
             "values": {i.code: [r["figures"][i.code]["value"] for r in rows] for i in inds}}
    return render(request, "indicators/trend.html", {
        "name": name, "code": code, "indicators": inds, "table": table, "chart": chart,
        "back": _url("indicators:dashboard", region=code, as_of=data.get("as_of") and data["as_of"].isoformat()),
        "xlsx": _url("indicators:trend", region=code, as_of=data.get("as_of") and data["as_of"].isoformat(),
                     format="xlsx")})


@role_required(COMMISSION_STAFF)
def drill_view(request):
    form, region, data = _query(request)
    if data is None:
        return _bad(request, form)
    try:
        ind, kind, ids = selectors.drill(region=region, indicator_code=data.get("indicator") or "",
                                         as_of=data.get("as_of"))
    except DomainError as exc:
        form.add_error("indicator", exc.message)
        return _bad(request, form)
    as_of = (data.get("as_of") or selectors.today()).isoformat()
    name = selectors.region_name(region)
    code = selectors.region_code(region)
    export = request.GET.get("format") == "xlsx"
    # The page shows one page of rows (a province's figure may stand on 100,000 institutions); the
    # export all of them, up to DRILL_EXPORT_MAX.
    page = Paginator(ids, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    wanted = ids[:DRILL_EXPORT_MAX] if export else list(page.object_list)
    if kind == "regions":
        header = ["区划代码", "乡镇（街道）"]
        regions = selectors.drill_regions(wanted)
        lines = [[r.code, r.full_name or r.name] for r in regions]
        institutions = []
    else:
        header = ["机构名称", "统一社会信用代码", "区县", "乡镇（街道）", "状态", "托位数", "备案日期", "回执编号"]
        institutions = selectors.drill_institutions(wanted)
        lines = [[i.name, i.uscc, i.district.name if i.district_id else "", i.region.name, i.get_status_display(),
                  i.total_slots, i.filed_on.isoformat() if i.filed_on else "", i.receipt_no] for i in institutions]
    title = f"{name} · {ind.label} · {ind.drill_label}（{as_of}）"
    if export:
        return _xlsx(request, excel.drill_xlsx(title, header, lines), f"indicators-{ind.code}-{code}.xlsx",
                     f"indicators-drill:{ind.code}:{code}:{as_of}")
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "indicators/drill.html", {
        "title": title, "indicator": ind, "kind": kind, "header": header, "lines": lines,
        "institutions": institutions, "count": len(ids), "page": page, "query": query.urlencode(),
        "back": _url("indicators:dashboard", region=code, as_of=as_of),
        "xlsx": _url("indicators:drill", region=code, indicator=ind.code, as_of=as_of, format="xlsx")})
