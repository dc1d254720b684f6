"""Writes of the dashboards: refreshing the summaries of the provinces and the country."""

from __future__ import annotations

import datetime as dt
import time

from django.db import transaction
from django.utils import timezone

from regions.models import Region, RegionLevel

from . import selectors
from .models import IndicatorSnapshot


def summary_days(today: dt.date, years: int = selectors.TREND_YEARS) -> list[dt.date]:
    """The days a summary is kept for: today and the ends of the previous years (the trends)."""
    return [dt.date(y, 12, 31) for y in range(today.year - years + 1, today.year)] + [today]


@transaction.atomic
def snapshot_refresh(*, region: Region | None, as_of: dt.date) -> IndicatorSnapshot:
    """Compute one region's figures on a day and store them as its summary (replacing the last one)."""
    started = time.monotonic()
    payload = selectors.compute(region=region, as_of=as_of)
    snapshot, _ = IndicatorSnapshot.objects.update_or_create(
        region_code=selectors.region_code(region), as_of=as_of,
        defaults={"payload": payload, "computed_at": timezone.now(),
                  "duration_ms": int((time.monotonic() - started) * 1000)})
    return snapshot


def summaries_sweep(*, now: dt.datetime | None = None, regions: list[str] | None = None,
                    full: bool = False) -> dict[str, int]:
    """The sweep ``indicators.summaries``: the country and every province, today, and the previous
    years' ends that have no summary yet (all of them again with ``full``). Runs with scopes disabled (``core.sweeps.run_sweep``); each region is one set of
    statements grouped by its children, never a query per child."""
    today = timezone.localdate(now) if now else timezone.localdate()
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE).order_by("code")
    if regions is not None:
        provinces = provinces.filter(code__in=regions)
    targets: list[Region | None] = [*provinces]
    if regions is None or selectors.COUNTRY_CODE in regions:
        targets.insert(0, None)
    days = summary_days(today)
    have = set() if full else set(IndicatorSnapshot.objects.filter(as_of__in=days[:-1])
                                  .values_list("region_code", "as_of"))
    count = 0
    for region in targets:
        for day in days:
            if day != today and (selectors.region_code(region), day) in have:
                continue
            snapshot_refresh(region=region, as_of=day)
            count += 1
    return {"summaries": count}
