"""The public search's query parameters, each read by one parser (``core.inputs``): the API and the search
page read the same table, so the same bad input gets the same stable code on both.

Unknown parameters are ignored (a cache-busting ``_=`` from a browser is not an error); a known one with a
bad value is a 400 naming it. Codes: ``value_invalid`` / ``choice_invalid`` / ``too_long`` (one value),
``point_incomplete`` (lat without lng or the reverse), ``point_required`` (a radius with no point),
``range_invalid`` (fee_min above fee_max).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.core.exceptions import ValidationError

from core import inputs
from core.errors import FieldError
from registry.inputs import latitude, longitude
from registry.models import ServiceType
from registry.selectors.public import SEARCH_PAGE_SIZE_MAX

FEE_MAX_YUAN = 100_000
MAX_PAGE = 1000  # 50 000 rows deep at most: the map and list show the nearest, not a dump (open data does)


def region(*, digits: tuple[int, ...], label: str) -> inputs.Parser:
    """A GB/T 2260 code of one of these lengths; empty: ``""``."""
    pattern = re.compile("|".join(rf"\d{{{n}}}" for n in digits))

    def parse(value) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            return ""
        if not isinstance(value, str) or not pattern.fullmatch(value.strip()):
            raise ValidationError(f"{label}应为 {' 或 '.join(map(str, digits))} 位数字的行政区划代码。",
                                  code=inputs.VALUE_INVALID)
        return value.strip()

    parse.required = False  # type: ignore[attr-defined]
    return parse


SEARCH: dict[str, inputs.Parser] = {
    "lat": latitude(),
    "lng": longitude(),
    "radius_km": inputs.decimal(low="0.1", high=200, places=1),
    "age_months": inputs.integer(low=0, high=35, required=False, label="月龄"),
    "inclusive": inputs.boolean(empty=None),
    # Any region level: a province, city or district (6 digits) or a township (9).
    "district": region(digits=(6,), label="区县"),
    "township": region(digits=(9, 12), label="乡镇（街道）"),
    "q": inputs.text(max_length=50),
    "service_type": inputs.choice(ServiceType.choices, required=False, label="服务类型"),
    "fee_min": inputs.integer(low=0, high=FEE_MAX_YUAN, required=False, label="最低月费"),
    "fee_max": inputs.integer(low=0, high=FEE_MAX_YUAN, required=False, label="最高月费"),
    "page": inputs.integer(low=1, high=MAX_PAGE, required=False, label="页码"),
    "page_size": inputs.integer(low=1, high=SEARCH_PAGE_SIZE_MAX, required=False, label="每页条数"),
}


def parse_search(params: Mapping[str, str]) -> dict:
    """Query parameters → the keyword arguments of ``registry.selectors.public.public_search``, or one
    ``DomainError`` naming every bad parameter."""
    data = {name: params.get(name) for name in SEARCH if params.get(name) not in (None, "")}
    out, errors = inputs.read(SEARCH, data)
    lat, lng = out.get("lat"), out.get("lng")
    if "lat" not in errors and "lng" not in errors and (lat is None) != (lng is None):
        missing = "lng" if lng is None else "lat"
        errors[missing] = [FieldError("point_incomplete", "经度和纬度须同时提供。")]
    if out.get("radius_km") is not None and lat is None and lng is None and "lat" not in errors:
        errors["radius_km"] = [FieldError("point_required", "按距离筛选须提供位置（经纬度）。")]
    fee_min, fee_max = out.get("fee_min"), out.get("fee_max")
    if fee_min is not None and fee_max is not None and fee_min > fee_max:
        errors["fee_max"] = [FieldError("range_invalid", "最高月费不能低于最低月费。")]
    inputs.raise_if_any(errors, "查询条件有误，请检查标注的项目。")
    return {
        "lat": float(lat) if lat is not None else None,
        "lng": float(lng) if lng is not None else None,
        "radius_km": float(out["radius_km"]) if out.get("radius_km") is not None else None,
        "age_months": out.get("age_months"),
        "inclusive": out.get("inclusive"),
        "district": out.get("district", ""),
        "township": out.get("township", ""),
        "q": out.get("q", ""),
        "service_type": out.get("service_type", ""),
        "fee_min_fen": fee_min * 100 if fee_min is not None else None,
        "fee_max_fen": fee_max * 100 if fee_max is not None else None,
        "page": out.get("page") or 1,
        "page_size": out.get("page_size") or 20,
    }


__all__ = ["SEARCH", "parse_search"]
