"""Per-region policy parameters with national defaults (domain.md marks them *configurable*).

``policy_value(region, key)`` returns the value set for the nearest region on the path
district → city → province, else the national default (``policy_defaults``).
"""

from __future__ import annotations

from typing import Any

from .models import PolicyParameter, Region
from .policy_defaults import NATIONAL_DEFAULTS

# The national defaults (one table, ``policy_defaults``; registry.rules.Policy reads it too).
DEFAULTS: dict[str, Any] = NATIONAL_DEFAULTS


def policy_value(region: Region | None, key: str) -> Any:
    if key not in DEFAULTS:
        raise KeyError(f"unknown policy parameter {key!r}")
    if region is not None:
        codes = [c for c in (region.tenant_district_id, region.city_id, region.province_id, region.code) if c]
        rows = {p.region_id: p.value for p in PolicyParameter.objects.filter(region_id__in=codes, key=key)}
        for code in (region.code, region.tenant_district_id, region.city_id, region.province_id):
            if code in rows:
                return rows[code]
    return DEFAULTS[key]


def policy_values(region: Region | None, prefix: str = "") -> dict[str, Any]:
    """Every parameter whose key starts with ``prefix``, as ``policy_value`` gives each: one query
    for all of them (the filing checklist reads about 30 on every review page)."""
    keys = [key for key in DEFAULTS if key.startswith(prefix)]
    return policy_values_for([region], keys)[region.code if region is not None else None]


def policy_values_for(regions, keys) -> dict[str | None, dict[str, Any]]:
    """``policy_value`` for many regions and keys in one query: {region code: {key: value}}.
    A None region (the whole country) gets the national defaults."""
    keys = list(keys)
    unknown = [k for k in keys if k not in DEFAULTS]
    if unknown:
        raise KeyError(f"unknown policy parameters {unknown!r}")
    regions = list(regions)
    paths = {}
    for region in regions:
        if region is None:
            paths[None] = []
        else:
            paths[region.code] = [c for c in (region.code, region.tenant_district_id, region.city_id,
                                              region.province_id) if c]
    codes = {c for path in paths.values() for c in path}
    rows: dict[tuple[str, str], Any] = {}
    if codes:
        for p in PolicyParameter.objects.filter(region_id__in=codes, key__in=keys):
            rows[(p.region_id, p.key)] = p.value
    out: dict[str | None, dict[str, Any]] = {}
    for code, path in paths.items():
        values = {}
        for key in keys:
            values[key] = next((rows[(c, key)] for c in path if (c, key) in rows), DEFAULTS[key])
        out[code] = values
    return out
