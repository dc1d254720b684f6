from django.db.models import F, QuerySet

from .models import Region, RegionLevel


def region_children(*, parent_code: str | None) -> QuerySet[Region]:
    if parent_code:
        return Region.objects.filter(parent_id=parent_code).order_by("code")
    return Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")


def region_get(code: str) -> Region | None:
    return Region.objects.filter(code=code).first()


def tenant_districts_under(region: Region) -> QuerySet[Region]:
    """Filing districts (county level, or township level where there are no counties) under a region."""
    qs = Region.objects.filter(tenant_district_id=F("code"))
    if region.level == RegionLevel.PROVINCE:
        return qs.filter(province_id=region.code)
    if region.level == RegionLevel.CITY:
        return qs.filter(city_id=region.code)
    return qs.filter(code=region.code)


