"""Reads of the reference rows of a region: which policy version and guided prices apply where and
when (the nearest region wins: the district's, else its city's), and the budgets of a scope."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from regions.models import Region

from ..models import GuidedPrice, SubsidyBudget, SubsidyPolicy


def _valid_on(day: dt.date) -> Q:
    return Q(valid_from__lte=day) & (Q(valid_until__isnull=True) | Q(valid_until__gte=day))


def region_chain(district_id: str, city_id: str | None) -> list[str]:
    """The regions whose rows apply to an institution of ``district_id``: nearest first."""
    return [code for code in (district_id, city_id) if code]


Place = tuple[str, "str | None"]  # (district_id, city_id) of an institution


def policies_for(places, day: dt.date) -> dict[Place, SubsidyPolicy | None]:
    """``policy_for`` for many (district, city) places in one query (the monthly batch's districts)."""
    places = set(places)
    codes = {code for place in places for code in region_chain(*place)}
    rows = {p.region_id: p for p in SubsidyPolicy.objects.filter(_valid_on(day), region_id__in=codes)
            .order_by("region_id", "-version")}
    return {place: next((rows[code] for code in region_chain(*place) if code in rows), None) for place in places}


def policy_for(*, district_id: str, city_id: str | None, day: dt.date) -> SubsidyPolicy | None:
    """The policy version valid on ``day`` for a district (its own, else its city's)."""
    return policies_for([(district_id, city_id)], day)[(district_id, city_id)]


def guided_prices_for_places(places, day: dt.date) -> dict[Place, dict[str, GuidedPrice]]:
    """``guided_prices_for`` for many (district, city) places in one query."""
    places = set(places)
    codes = {code for place in places for code in region_chain(*place)}
    by_region: dict[str, list[GuidedPrice]] = {}
    for price in GuidedPrice.objects.filter(_valid_on(day), region_id__in=codes).order_by("-valid_from", "-id"):
        by_region.setdefault(price.region_id, []).append(price)
    out = {}
    for place in places:
        prices: dict[str, GuidedPrice] = {}
        for code in region_chain(*place):
            for price in by_region.get(code, ()):
                prices.setdefault(price.class_type, price)
        out[place] = prices
    return out


def guided_prices_for(*, district_id: str, city_id: str | None, day: dt.date) -> dict[str, GuidedPrice]:
    """Class type → the guided price valid on ``day`` (the district's, else its city's; the latest
    ``valid_from`` first)."""
    return guided_prices_for_places([(district_id, city_id)], day)[(district_id, city_id)]


def policies_of(region: Region) -> list[SubsidyPolicy]:
    return list(SubsidyPolicy.objects.filter(region=region).order_by("-version"))


def budgets_in(scope_regions: list[str], year: int) -> list[SubsidyBudget]:
    """The budgets of ``year`` of the given regions (and of the districts under a city among them)."""
    return list(SubsidyBudget.objects.filter(Q(region_id__in=scope_regions) | Q(region__city_id__in=scope_regions)
                                             | Q(region__tenant_district__city_id__in=scope_regions), year=year)
                .select_related("region").order_by("region_id"))


def budgets_visible(scope, *, year: int | None = None):
    """Budgets of the regions a scope covers (its region and those under it; operators: none)."""
    from core.tenancy import REGION_TREE, scope_filter

    condition = scope_filter(scope, REGION_TREE.under("region__"))
    qs = SubsidyBudget.objects.select_related("region").order_by("region_id", "-year")
    if condition is not None:
        qs = qs.filter(condition)
    return qs.filter(year=year) if year else qs


def guided_prices_of(region: Region) -> list[GuidedPrice]:
    """Every guided price a region published, newest first per class type."""
    return list(GuidedPrice.objects.filter(region=region).order_by("class_type", "-valid_from"))


def policy_page(region: Region, *, day: dt.date) -> dict:
    """What the policy page of a region's admin shows: its versions and guided prices, the version in
    force, and for a district the city's version in force (the bounds a district's version keeps)."""
    versions = policies_of(region)
    in_force = next((p for p in versions if p.valid_from <= day and (p.valid_until is None or p.valid_until >= day)),
                    None)
    city_policy = None
    if region.city_id and region.city_id != region.code:
        city_policy = policy_for(district_id=region.city_id, city_id=None, day=day)
    return {"versions": versions, "in_force": in_force, "latest": versions[0] if versions else None,
            "city_policy": city_policy, "prices": guided_prices_of(region)}
