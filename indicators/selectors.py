"""Reads of the dashboards: which region an actor may look at, its figures (live, or from the
summaries for a province and the country), trends over years and the rows behind a figure.

The page, the API and the Excel export all call ``dashboard``/``trend``/``drill``, so they show the
same numbers: figures are rounded here, once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from core.errors import DomainError, NotFound
from core.tenancy import TenantScope
from regions.models import Region, RegionLevel
from regions.policy import policy_values_for
from regions.selectors import filing_districts

from . import catalogue, sql
from .models import IndicatorSnapshot
from .rules import NONE, PER_1000_FACTOR, rag

COUNTRY_CODE = "000000"
COUNTRY_NAME = "全国"
# Levels whose dashboards are served from summaries refreshed by the sweep.
SUMMARY_LEVELS = ("country", "province")
TREND_YEARS = 5
LEVEL_LABELS = {"province": "省（自治区、直辖市）", "city": "地市", "district": "区县", "township": "乡镇（街道）"}
ROUNDING = {catalogue.SHARE: 4, catalogue.PER_1000: 2, catalogue.DAYS: 1, catalogue.COUNT: 0}


class RegionOutOfScope(NotFound):
    def __init__(self, code: str):
        DomainError.__init__(self, "region_not_found", f"区划代码“{code}”不存在或不在您的辖区内。")


# ----------------------------------------------------------------------------- which region

def region_for(*, scope: TenantScope, assignment_region: Region | None, code: str | None) -> Region | None:
    """The region an actor asked for (None: the whole country), or their own scope's region;
    ``RegionOutOfScope`` (404) for an unknown code or one outside the scope."""
    code = (code or "").strip()
    if not code:
        if assignment_region is None and not scope.unrestricted:
            raise RegionOutOfScope("")
        return assignment_region
    if code == COUNTRY_CODE:
        if not scope.unrestricted:
            raise RegionOutOfScope(code)
        return None
    region = Region.objects.filter(code=code).first()
    if region is None or not scope.covers_region(region):
        raise RegionOutOfScope(code)
    return region


def comparison(region: Region | None) -> tuple[str | None, list[Region]]:
    """The level a region compares and its children: the country its provinces, a province its
    cities, a city its filing districts, a district its townships; a township none."""
    if region is None:
        return "province", list(Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code"))
    if region.level == RegionLevel.PROVINCE:
        return "city", list(Region.objects.filter(level=RegionLevel.CITY, province_id=region.code).order_by("code"))
    if region.level == RegionLevel.CITY:
        return "district", list(filing_districts(region=region))
    if region.level == RegionLevel.COUNTY and region.is_tenant:
        return "township", list(Region.objects.filter(parent_id=region.code, level=RegionLevel.TOWNSHIP)
                                .order_by("code"))
    return None, []


def level_of(region: Region | None) -> str:
    return sql.Frame(region, None, dt.date.min).region_level


def region_code(region: Region | None) -> str:
    return COUNTRY_CODE if region is None else region.code


def region_name(region: Region | None) -> str:
    return COUNTRY_NAME if region is None else (region.full_name or region.name)


# ----------------------------------------------------------------------------- computing (values only)

def _population(codes_children: list[str], region: Region | None, year: int) -> dict[str | None, tuple]:
    """{child code: (population, year)} and None: the region's own figure, else the sum of its
    children's when every child has one."""
    own = [region.code] if region is not None else []
    found = sql.populations([*codes_children, *own], year)
    out: dict[str | None, tuple] = {c: found[c] for c in codes_children if c in found}
    if region is not None and region.code in found:
        out[None] = found[region.code]
    elif codes_children and all(c in found for c in codes_children):
        out[None] = (sum(found[c][0] for c in codes_children), max(found[c][1] for c in codes_children))
    return out


def compute(*, region: Region | None, as_of: dt.date, with_children: bool = True) -> dict:
    """The figures of a region and its children on a day, as a JSON-able payload (what a summary
    stores): one statement per indicator, whatever the number of children."""
    child_level, children = comparison(region) if with_children else (None, [])
    frame = sql.Frame(region, child_level, as_of)
    codes = [c.code for c in children]
    pops = _population(codes, region, as_of.year)
    values: dict[str, dict[str | None, catalogue.Figure]] = {}
    with sql.statements():
        for ind in catalogue.indicators():
            if ind.pending:
                continue
            figures = ind.compute(frame)
            if ind.kind == catalogue.PER_1000:
                figures = {code: _per_1000(figures.get(code), pops.get(code)) for code in [*codes, None]}
            values[ind.code] = figures

    def row(code: str | None, name: str) -> dict:
        pop = pops.get(code)
        out = {"code": code, "name": name, "population": pop[0] if pop else None,
               "population_year": pop[1] if pop else None, "figures": {}}
        for ind in catalogue.indicators():
            if ind.pending:
                continue
            f = values[ind.code].get(code) or _empty(ind)
            value = None if f.value is None else round(float(f.value), ROUNDING[ind.kind])
            out["figures"][ind.code] = {"numerator": _num(f.numerator), "denominator": _num(f.denominator),
                                        "value": value, "note": f.note}
        return out

    return {"region": region_code(region), "name": region_name(region), "as_of": as_of.isoformat(),
            "child_level": child_level, "rows": [row(c.code, c.name) for c in children],
            "total": row(None, region_name(region))}


def _num(x):
    if x is None:
        return None
    x = float(x)
    return int(x) if x.is_integer() else round(x, 4)


def _empty(ind) -> catalogue.Figure:
    if ind.kind == catalogue.PER_1000:
        return catalogue.Figure(0, None, None, "无人口数据")
    if ind.kind == catalogue.DAYS:
        return catalogue.Figure(None, 0, None)
    return catalogue.Figure(0, 0, None)


def _per_1000(figure: catalogue.Figure | None, population: tuple | None) -> catalogue.Figure:
    slots = figure.numerator if figure else 0
    if not population or not population[0]:
        return catalogue.Figure(slots, None, None, "无人口数据")
    return catalogue.Figure(slots, population[0], slots * PER_1000_FACTOR / population[0])


# ----------------------------------------------------------------------------- presenting (targets, RAG)

@dataclass
class Dashboard:
    region: Region | None
    code: str
    name: str
    as_of: dt.date
    child_level: str | None
    rows: list[dict]
    total: dict
    indicators: list
    source: str  # "summary" or "live"
    computed_at: dt.datetime
    pending: list = field(default_factory=list)

    @property
    def child_level_label(self) -> str:
        return LEVEL_LABELS.get(self.child_level or "", "")

    def as_api(self) -> dict:
        return {
            "region": self.code, "name": self.name, "as_of": self.as_of.isoformat(), "source": self.source,
            "computed_at": self.computed_at.isoformat(), "child_level": self.child_level,
            "indicators": [indicator_info(i) for i in self.indicators + self.pending],
            "total": self.total, "rows": self.rows,
        }


def indicator_info(ind) -> dict:
    return {"code": ind.code, "label": ind.label, "unit": ind.unit, "kind": ind.kind, "better": ind.better,
            "numerator": ind.numerator_label, "denominator": ind.denominator_label,
            "pending_on": ind.pending_on or None}


def _present(payload: dict, regions: dict[str | None, Region | None], own: Region | None) -> None:
    """Put each figure's target and status on it (targets of each row's own region: one query)."""
    keys = sorted({*catalogue.target_keys(), "target.amber_margin"})
    targets = policy_values_for([own, *[r for r in regions.values() if r is not None]], keys)
    for row in [*payload["rows"], payload["total"]]:
        region = regions.get(row["code"]) if row["code"] is not None else own
        t = targets[region.code if region is not None else None]
        margin = float(t["target.amber_margin"])
        for ind in catalogue.indicators():
            f = row["figures"].get(ind.code)
            if f is None:
                continue
            target = float(t[ind.target_key]) if ind.target_key else None
            f["target"] = target
            f["status"] = rag(f["value"], target, ind.better, margin) if f["value"] is not None else NONE


def today() -> dt.date:
    return timezone.localdate()


def latest_snapshot(code: str, as_of: dt.date | None) -> IndicatorSnapshot | None:
    qs = IndicatorSnapshot.objects.filter(region_code=code)
    if as_of is not None:
        return qs.filter(as_of=as_of).first()
    return qs.order_by("-as_of", "-computed_at").first()


def dashboard(*, region: Region | None, as_of: dt.date | None = None) -> Dashboard:
    """A region's figures on a day (default: today; at province and country level, the latest
    summary), with targets and statuses. The caller has checked the region with ``region_for``."""
    code = region_code(region)
    snapshot = latest_snapshot(code, as_of) if level_of(region) in SUMMARY_LEVELS else None
    if snapshot is not None:
        payload, source, computed_at = snapshot.payload, "summary", snapshot.computed_at
    else:
        payload, source, computed_at = compute(region=region, as_of=as_of or today()), "live", timezone.now()
    _, children = comparison(region)
    by_code: dict[str | None, Region | None] = {c.code: c for c in children}
    _present(payload, by_code, region)
    inds = [i for i in catalogue.indicators() if not i.pending]
    return Dashboard(region=region, code=code, name=payload["name"], as_of=dt.date.fromisoformat(payload["as_of"]),
                     child_level=payload["child_level"], rows=payload["rows"], total=payload["total"],
                     indicators=inds, source=source, computed_at=computed_at,
                     pending=[i for i in catalogue.indicators() if i.pending])


def trend(*, region: Region | None, as_of: dt.date | None = None, years: int = TREND_YEARS) -> list[dict]:
    """The region's totals at the end of each of the last ``years`` years (the current year: on
    ``as_of``), oldest first; summaries where the sweep stored them."""
    as_of = as_of or today()
    days = [dt.date(y, 12, 31) for y in range(as_of.year - years + 1, as_of.year)] + [as_of]
    code = region_code(region)
    stored = {}
    if level_of(region) in SUMMARY_LEVELS:
        stored = {s.as_of: s.payload for s in IndicatorSnapshot.objects.filter(region_code=code, as_of__in=days)}
    out = []
    for day in days:
        payload = stored.get(day) or compute(region=region, as_of=day, with_children=False)
        total = payload["total"]
        out.append({"as_of": day.isoformat(), "year": day.year, "population": total["population"],
                    "figures": total["figures"]})
    for row in out:
        row["code"] = None  # each is the region's own total: its own targets
    _present({"rows": out, "total": {"code": None, "figures": {}}}, {}, region)
    return out


def drill(*, region: Region | None, indicator_code: str, as_of: dt.date | None = None) -> tuple:
    """The rows behind an indicator's figure for a region: (indicator, kind, ids) where kind is
    ``institutions`` (ids of institutions) or ``regions`` (codes of townships)."""
    ind = catalogue.get(indicator_code)
    if ind is None or ind.drill is None:
        raise DomainError("indicator_invalid", "该指标没有可查看的明细。",
                          fields={"indicator": ["指标无效或暂无数据。"]})
    frame = sql.Frame(region, None, as_of or today())
    return ind, ind.drill_rows, ind.drill(frame)


def drill_institutions(ids: list[int]):
    """The institutions behind a figure, through the scoped manager (the second look at the scope)."""
    from registry.models import Institution

    order = {pk: n for n, pk in enumerate(ids)}
    rows = list(Institution.objects.filter(pk__in=ids).select_related("region", "district"))
    return sorted(rows, key=lambda i: order[i.pk])


def drill_regions(codes: list[str]) -> list[Region]:
    return list(Region.objects.filter(code__in=codes).order_by("code"))
