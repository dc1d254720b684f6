"""Set-based SQL of the indicators: one statement per indicator for a region and all its children at
once (``GROUPING SETS ((child), ())``: a row per child region plus the region's own total), never a
query per region.

Every statement starts from the same definition of the institutions that count on a day
(``INSTITUTIONS``), so the figures, their drill-down rows and the totals cannot disagree:

- registered on or before the day (``registered_on``, else the day the row was created);
- not terminated on that day: an accepted termination filing whose termination date has come, or
  (with no such filing) the status terminated, which then counts from the start;
- *filed* on that day when ``filed_on`` is on or before it; its slots are those of the latest
  accepted filing (initial or change) decided on or before the day, else the institution's own.

Raw SQL runs under the caller's scope: the database backend sends it as ``app.tenant`` and row
security confines every tenant table, whatever the SQL says. The region filter below is the
dashboard's own choice of region, not the wall.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction

from regions.models import Region, RegionLevel

# PostgreSQL's JIT compiles these one-off aggregates for seconds (measured: 2.8 s of a 6 s national
# statement) and saves nothing: off for the statement's transaction.
NO_JIT = "SET LOCAL jit = off"

# The institution's column compared with each level of the region tree, and the region table's twin.
INSTITUTION_COLUMN = {"country": "TRUE", "province": "province_id", "city": "city_id",
                      "district": "district_id", "township": "region_id"}
REGION_COLUMN = {"province": "province_id", "city": "city_id", "district": "tenant_district_id",
                 "township": "code"}


@dataclass(frozen=True)
class Frame:
    """Where a statement looks: the region (None: the whole country), the level of the children it
    groups by (None: no children, the total only), and the day."""

    region: Region | None
    child_level: str | None
    as_of: dt.date

    @property
    def region_level(self) -> str:
        if self.region is None:
            return "country"
        if self.region.is_tenant:
            return "district"
        return {RegionLevel.PROVINCE: "province", RegionLevel.CITY: "city",
                RegionLevel.COUNTY: "district", RegionLevel.TOWNSHIP: "township"}[self.region.level]

    def institution_filter(self, alias: str = "i") -> str:
        level = self.region_level
        if level == "country":
            return "TRUE"
        return f"{alias}.{INSTITUTION_COLUMN[level]} = %(region)s"

    def region_filter(self, alias: str = "r") -> str:
        level = self.region_level
        if level == "country":
            return "TRUE"
        return f"{alias}.{REGION_COLUMN[level]} = %(region)s"

    def child_expr(self, alias: str = "i") -> str:
        if self.child_level is None:
            return "NULL::varchar"
        return f"{alias}.{INSTITUTION_COLUMN[self.child_level]}"

    def region_child_expr(self, alias: str = "r") -> str:
        if self.child_level is None:
            return "NULL::varchar"
        return f"{alias}.{REGION_COLUMN[self.child_level]}"

    def params(self, **extra) -> dict:
        return {"region": self.region.code if self.region is not None else None, "as_of": self.as_of,
                "year_start": dt.date(self.as_of.year, 1, 1), **extra}


def institutions_cte(frame: Frame) -> str:
    """``inst``: every institution of the frame that counts on the day (id, child, township, filed, slots)."""
    return f"""
    inst AS (
        SELECT i.id, {frame.child_expr('i')} AS child, i.region_id AS township,
               (i.filed_on IS NOT NULL AND i.filed_on <= %(as_of)s) AS filed,
               COALESCE(fs.total_slots, i.total_slots) AS slots
        FROM registry_institution i
        LEFT JOIN (SELECT fl.institution_id, min(fl.termination_date) AS terminated_on FROM registry_filing fl
                   WHERE {frame.institution_filter('fl')} AND fl.kind = 'termination' AND fl.status = 'accepted'
                     AND fl.termination_date IS NOT NULL
                   GROUP BY fl.institution_id) t ON t.institution_id = i.id
        LEFT JOIN (SELECT DISTINCT ON (fl.institution_id) fl.institution_id, fl.total_slots FROM registry_filing fl
                   WHERE {frame.institution_filter('fl')} AND fl.status = 'accepted' AND fl.kind <> 'termination'
                     AND (fl.decided_at AT TIME ZONE 'Asia/Shanghai')::date <= %(as_of)s
                   ORDER BY fl.institution_id, fl.decided_at DESC) fs ON fs.institution_id = i.id
        WHERE {frame.institution_filter('i')}
          AND COALESCE(i.registered_on, (i.created_at AT TIME ZONE 'Asia/Shanghai')::date) <= %(as_of)s
          AND NOT COALESCE(t.terminated_on <= %(as_of)s, i.status = 'terminated')
    )"""  # noqa: S608 (constant fragments; values are parameters)


_batch = threading.local()


@contextmanager
def statements() -> Iterator[None]:
    """A batch of statements (a dashboard's indicators) in one transaction with JIT off, set once:
    three round trips fewer per indicator than a transaction of its own. Nested calls join it."""
    if getattr(_batch, "open", False):
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(NO_JIT)
        _batch.open = True
        try:
            yield
        finally:
            _batch.open = False


def grouped(frame: Frame, select: str, from_: str, params: dict | None = None,
            child: str = "child") -> dict[str | None, tuple]:
    """Run ``SELECT <child>, <select> FROM <from_> GROUP BY GROUPING SETS ((child), ())`` after the
    ``inst`` CTE; answer {child code: values, None: the region's total}."""
    sql = (f"WITH {institutions_cte(frame)}\n"
           f"SELECT {child} AS c, GROUPING({child}) AS g, {select}\nFROM {from_}\n"
           f"GROUP BY GROUPING SETS (({child}), ())")
    out: dict[str | None, tuple] = {}
    with statements(), connection.cursor() as cursor:
        cursor.execute(sql, frame.params(**(params or {})))
        for code, is_total, *values in cursor.fetchall():
            if is_total:
                out[None] = tuple(values)
            elif code is not None:
                out[code] = tuple(values)
    return out


def ids(frame: Frame, select_ids: str, params: dict | None = None) -> list:
    """The drill-down: ``select_ids`` (a SELECT of ids after the ``inst`` CTE) for the frame's region."""
    sql = f"WITH {institutions_cte(frame)}\n{select_ids}"
    with statements(), connection.cursor() as cursor:
        cursor.execute(sql, frame.params(**(params or {})))
        return [row[0] for row in cursor.fetchall()]


def populations(codes: list[str], year: int) -> dict[str, tuple[int, int]]:
    """{region code: (population, year)}: each region's latest figure of ``year`` or before."""
    if not codes:
        return {}
    sql = """SELECT DISTINCT ON (region_id) region_id, population, year FROM regions_population
             WHERE region_id = ANY(%(codes)s) AND year <= %(year)s ORDER BY region_id, year DESC"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"codes": codes, "year": year})
        return {code: (population, y) for code, population, y in cursor.fetchall()}
