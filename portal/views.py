"""Public pages (no login): search with a map, the institution page, open data, receipt verification.

Every public page is limited per client IP (``core.ratelimit``; 429 with ``Retry-After`` and a Chinese
page) and, when it answers 200, cacheable (``Cache-Control: public``: no cookie, no personal data; a CDN
may serve it). Receipt numbers are sequential per district and year, so verification has its own tighter
limit (``settings.VERIFY_RATE_LIMITS``) and shows only what the public registry publishes.
"""

from __future__ import annotations

import csv
import tempfile
from urllib.parse import urlencode

from django.conf import settings
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.errors import DomainError
from core.public import public_sections
from core.templatetags.maps import tiles as map_tiles
from registry.models import ClassType, ServiceType
from registry.selectors.filings import public_receipt_lookup
from registry.selectors.public import (
    OPEN_DATA_COLUMNS,
    open_data_regions,
    open_data_rows,
    public_institution,
    public_search,
    search_regions,
)

from .http import cacheable, over_limit, rate_limited_page
from .inputs import parse_search


@require_GET
def verify_receipt(request, receipt_no: str):
    verdict = over_limit(request, "verify", settings.VERIFY_RATE_LIMITS)
    if verdict is not None:
        minutes = max(1, -(-verdict.retry_after // 60))
        response = render(request, "portal/rate_limited.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    result = public_receipt_lookup(receipt_no=receipt_no[:32])
    if result is None:
        return render(request, "portal/verify_not_found.html", {"receipt_no": receipt_no[:32]}, status=404)
    return render(request, "portal/verify.html", {"r": result})


@require_GET
def institution_detail(request, pk: int):
    """A filed institution's public page: the registry's filed facts, then every section another app
    registered (``core.public``: inspection results, inclusive certification, ...). Public, cacheable."""
    verdict = over_limit(request, "public", settings.PUBLIC_RATE_LIMITS)
    if verdict is not None:
        return rate_limited_page(request, verdict, title="托育机构公开信息")
    facts = public_institution(institution_id=pk)
    if facts is None:
        return render(request, "portal/institution_not_found.html", status=404)
    response = render(request, "portal/institution.html",
                      {"i": facts, "sections": public_sections(pk), "tiles": _tiles()})
    return cacheable(response)


def _tiles() -> dict:
    return map_tiles()


RADII = ("1", "3", "5", "10", "20", "50")


@require_GET
def search(request):
    """找托育机构: the search form, the results as a list and on a map (same selector as the API)."""
    verdict = over_limit(request, "public", settings.PUBLIC_RATE_LIMITS)
    if verdict is not None:
        return rate_limited_page(request, verdict, title="找托育机构")
    params = request.GET
    errors: dict = {}
    page = None
    try:
        filters = parse_search(params)
    except DomainError as exc:
        errors = {name: [str(e) for e in errs] for name, errs in exc.fields.items()}
        filters = None
    if filters is not None:
        page = public_search(**filters)
    kept = {k: v for k, v in params.items() if k in _FORM_KEYS and v not in ("", None)}
    pages = None
    if page is not None and page["count"] > page["page_size"]:
        last = -(-page["count"] // page["page_size"])
        pages = {"number": page["page"], "last": last,
                 "previous": urlencode({**kept, "page": page["page"] - 1}) if page["page"] > 1 else "",
                 "next": urlencode({**kept, "page": page["page"] + 1}) if page["page"] < last else ""}
    context = {
        "page": page, "pages": pages, "errors": errors, "values": kept,
        "regions": search_regions(selected=(filters or {}).get("district", "")),
        "service_types": ServiceType.choices, "radii": RADII, "tiles": _tiles(),
        "class_types": [label.split("（")[0] for _v, label in ClassType.choices],
        "export_region": (filters or {}).get("district", ""),
    }
    response = render(request, "portal/search.html", context, status=400 if errors else 200)
    return cacheable(response) if not errors else response


_FORM_KEYS = ("q", "district", "township", "age_months", "service_type", "inclusive", "fee_min", "fee_max",
              "lat", "lng", "radius_km", "page_size")


@require_GET
def open_data(request):
    """开放数据: every province, city and district with filed institutions, each with its CSV and Excel."""
    verdict = over_limit(request, "public", settings.PUBLIC_RATE_LIMITS)
    if verdict is not None:
        return rate_limited_page(request, verdict, title="开放数据")
    response = render(request, "portal/open_data.html",
                      {"provinces": open_data_regions(), "columns": [label for _k, label in OPEN_DATA_COLUMNS]})
    return cacheable(response)


def _export_region(code: str):
    region = next((r for r in open_data_regions(flat=True) if r["code"] == code), None)
    if region is None:
        raise Http404
    return region


class _Echo:
    def write(self, value):
        return value


@require_GET
def open_data_csv(request, code: str):
    """The region's filed institutions as CSV (UTF-8 with BOM, so Excel opens it), streamed row by row."""
    verdict = over_limit(request, "export", settings.EXPORT_RATE_LIMITS)
    if verdict is not None:
        return rate_limited_page(request, verdict, title="开放数据")
    region = _export_region(code[:12])
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([label for _k, label in OPEN_DATA_COLUMNS])
        for row in open_data_rows(region_code=region["code"]):
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(region, "csv")
    return cacheable(response)


@require_GET
def open_data_xlsx(request, code: str):
    """The same rows as an Excel workbook: openpyxl's write-only mode into a temporary file (constant
    memory whatever the region), then streamed from it."""
    from openpyxl import Workbook

    verdict = over_limit(request, "export", settings.EXPORT_RATE_LIMITS)
    if verdict is not None:
        return rate_limited_page(request, verdict, title="开放数据")
    region = _export_region(code[:12])
    book = Workbook(write_only=True)
    sheet = book.create_sheet("备案托育机构")
    sheet.append([label for _k, label in OPEN_DATA_COLUMNS])
    for row in open_data_rows(region_code=region["code"]):
        sheet.append(row)
    spool = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it)
    book.save(spool)
    spool.seek(0)
    response = FileResponse(spool, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = _attachment(region, "xlsx")
    return cacheable(response)


def _attachment(region: dict, ext: str) -> str:
    from urllib.parse import quote

    name = f"{region['full_name']}备案托育机构名录-{timezone.localdate():%Y%m%d}.{ext}"
    return f"attachment; filename=\"institutions-{region['code']}.{ext}\"; filename*=UTF-8''{quote(name)}"
