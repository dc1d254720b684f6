"""Reads of the region tree (reference data, not tenant-scoped) and of population figures."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet

from core.errors import DomainError, NotFound

from .models import Population, Region, RegionLevel


class RegionNotFound(NotFound):
    """404 with the stable code ``region_not_found``."""

    def __init__(self, code: str):
        DomainError.__init__(self, "region_not_found", f"区划代码“{code}”不存在。")


def _with_has_children(qs: QuerySet[Region]) -> QuerySet[Region]:
    return qs.annotate(has_children=Exists(Region.objects.filter(parent_id=OuterRef("code"))))


def region_children(*, parent_code: str | None) -> QuerySet[Region]:
    if parent_code:
        return Region.objects.filter(parent_id=parent_code).order_by("code")
    return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")


def filing_districts(*, region: Region) -> QuerySet[Region]:
    """The filing districts (tenants) at or below ``region``: counties, and the townships of cities
    without counties (Dongguan, Zhongshan, ...), by code."""
    if region.tenant_district_id == region.code:
        return Region.objects.filter(code=region.code)
    return Region.objects.filter(descendants_q(region), tenant_district_id=F("code")).order_by("code")


def region_get(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def region_get_or_404(*, code: str) -> Region:
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise RegionNotFound(code)
    return region


def descendants_q(region: Region) -> Q:
    """Everything below ``region`` (not the region itself), as an equality filter."""
    if region.level == RegionLevel.PROVINCE:
        return Q(province_id=region.code)
    if region.level == RegionLevel.CITY:
        return Q(city_id=region.code)
    if region.level == RegionLevel.COUNTY:
        return Q(parent_id=region.code)
    return Q(pk__in=[])


def region_search(*, parent_code: str | None = None, level: str | None = None,
                  q: str | None = None) -> QuerySet[Region]:
    """The region list of the API and the pickers.

    * ``parent`` alone: its direct children; with ``level``: its descendants at that level
      (``?parent=330000&level=county`` lists every county of Zhejiang).
    * no ``parent``: the provinces, unless ``level`` or ``q`` is given (then the whole country).
    * ``q``: the name contains it.
    Unknown parent: ``RegionNotFound`` (404, code ``region_not_found``).
    """
    if parent_code:
        parent = Region.objects.filter(code=parent_code).first()
        if parent is None:
            raise RegionNotFound(parent_code)
        qs = Region.objects.filter(descendants_q(parent)) if level else Region.objects.filter(parent_id=parent.code)
    elif level or q:
        qs = Region.objects.all()
    else:
        qs = Region.objects.filter(level=RegionLevel.PROVINCE)
    if level:
        qs = qs.filter(level=level)
    if q:
        qs = qs.filter(name__contains=q)
    return _with_has_children(qs).order_by("code")


def tenant_districts_under(region: Region) -> QuerySet[Region]:
    """Filing districts (county level, or township level where there are no counties) under a region."""
    qs = Region.objects.filter(tenant_district_id=F("code"))
    if region.level == RegionLevel.PROVINCE:
        return qs.filter(province_id=region.code)
    if region.level == RegionLevel.CITY:
        return qs.filter(city_id=region.code)
    return qs.filter(code=region.code)


def population_of(region: Region, year: int) -> int | None:
    """Resident population of ``region`` in ``year``.

    The region's own figure when there is one; otherwise the sum over its children, each again
    by its own figure or its children's (so a city without a figure adds up its counties, or
    their townships). None when nothing under the region has a figure for that year. A sum may
    be partial when only some children have figures. Two queries whatever the size of the tree.
    """
    below = Region.objects.filter(descendants_q(region)).values("code")
    figures = dict(Population.objects.filter(Q(region_id=region.code) | Q(region_id__in=below), year=year)
                   .values_list("region_id", "population"))
    if region.code in figures:
        return figures[region.code]
    if not figures:
        return None
    children: dict[str, list[str]] = {}
    for code, parent_id in Region.objects.filter(descendants_q(region)).values_list("code", "parent_id"):
        children.setdefault(parent_id, []).append(code)

    def total(code: str) -> int | None:
        if code in figures:
            return figures[code]
        parts = [t for t in (total(child) for child in children.get(code, ())) if t is not None]
        return sum(parts) if parts else None

    return total(region.code)

