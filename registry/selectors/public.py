"""What the public registry shows of a filed institution (the portal's institution page).

Cross-tenant and anonymous, so every read here runs with scopes disabled and returns only public
facts: never a person's name or number, and for a home daycare point (a private home) never the
address — only its district and township.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.cache import cache
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from core.tenancy import scopes_disabled
from regions.policy_defaults import NATIONAL_DEFAULTS

from ..models import (
    ClassType,
    Filing,
    FilingClass,
    Institution,
    InstitutionKind,
    InstitutionNature,
    InstitutionStatus,
    ServiceType,
)
from ..rules import CLASS_AGE_BANDS, MAX_AGE_MONTHS

PUBLIC_STATES = (InstitutionStatus.FILED, InstitutionStatus.SUSPENDED)


def public_institution(*, institution_id: int) -> dict | None:
    """The filed facts of a filed (or suspended) institution, or ``None`` (not filed, terminated,
    unknown: the public page is a 404). Its point is the public one (a home daycare point: the centre of
    its grid cell, ``location_approximate``); its fee and inclusive flag come from ``public_offer_terms``."""
    with scopes_disabled():
        institution = (public_queryset().filter(pk=institution_id)
                       .annotate(**public_offer_terms(), public_lat=_public_coordinate("latitude"),
                                 public_lng=_public_coordinate("longitude"))
                       .select_related("district", "region", "current_filing").first())
        if institution is None:
            return None
        filing: Filing = institution.current_filing
        classes = list(filing.classes.order_by("id").values("class_type", "name", "planned_children",
                                                            "min_age_months", "max_age_months"))
    labels = dict(ClassType.choices)
    is_home = filing.institution_kind == InstitutionKind.HOME_DAYCARE
    township = institution.region.name if institution.region_id != institution.district_id else ""
    services = dict(ServiceType.choices)
    per = {ServiceType.HOURLY: "每小时", ServiceType.OCCASIONAL: "每天"}
    located = institution.public_lat is not None and institution.public_lng is not None
    return {
        "id": institution.pk,
        "name": filing.name or institution.name,
        "uscc": institution.uscc,
        "district": institution.district.name,
        "township": township,
        "is_home_daycare": is_home,
        "address": "" if is_home else (filing.address or institution.address),
        "latitude": round(institution.public_lat, 6) if located else None,
        "longitude": round(institution.public_lng, 6) if located else None,
        "location_approximate": is_home,
        "nature": institution.get_nature_display(),
        "kind": institution.get_kind_display(),
        "service_types": [ServiceType(value).label for value in institution.service_types or []],
        "total_slots": filing.total_slots,
        "classes": [{**row, "class_type_label": labels.get(row["class_type"], row["class_type"])}
                    for row in classes],
        "opening_hours": filing.opening_hours,
        "meals_served": filing.meals_served,
        "fees": [{"label": services.get(k, k), "per": per.get(k, "每月"), "yuan": _yuan(v)}
                 for k, v in sorted((filing.fees or {}).items(), key=lambda kv: list(services).index(kv[0])
                                    if kv[0] in services else 99)],
        "monthly_fee_yuan": _yuan(institution.public_monthly_fee),
        "inclusive": institution.public_inclusive,
        "receipt_no": filing.receipt_no,
        "filed_on": timezone.localtime(filing.decided_at).date() if filing.decided_at else institution.filed_on,
        "suspended": institution.status == InstitutionStatus.SUSPENDED,
        "commission": f"{institution.district.name}卫生健康局",
    }


# --- the portal's search, map and open data ---------------------------------------------------------------
#
# A home daycare point is a private home: no public answer carries its address or its coordinates. On the
# map, in distances and in the radius filter it stands at the centre of the HOME_GRID_DEGREES cell that
# holds it (0.05° ≈ 5.5 km north–south, 4–5 km east–west in China), flagged approximate. The region table
# has no township centres (GB/T 2260 codes only), so the grid cell is the coarse public point: it is
# computed in SQL from the stored point, nothing about the home is stored twice.
HOME_GRID_DEGREES = 0.05
EARTH_RADIUS_KM = 6371.0088
SEARCH_PAGE_SIZE_MAX = 50
EXPORT_BATCH = 2000


def public_offer_terms() -> dict[str, Any]:
    """THE one place the portal reads whether an institution is inclusive (普惠) and its monthly fee:
    annotations on an ``Institution`` queryset, ``public_inclusive`` (bool) and ``public_monthly_fee``
    (fen per month, or NULL when not recorded). Search, institution page and open data all read these.

    Fee: the filing records ``fees`` per service type in fen (``{"full_day": 250000}``, full- and half-day
    per month); the monthly fee is the full-day one, else the half-day one. Inclusive: what the app that
    certifies inclusive care registers as the public term ``inclusive`` (``core.public``; the subsidies
    app: a certification in force), else false for all."""
    from core.public import public_term

    fees = "current_filing__fees"
    return {
        "public_inclusive": public_term("inclusive", Value(False, output_field=BooleanField())),
        "public_monthly_fee": Coalesce(Cast(KeyTextTransform(ServiceType.FULL_DAY.value, fees), IntegerField()),
                                       Cast(KeyTextTransform(ServiceType.HALF_DAY.value, fees), IntegerField())),
    }


class _PublicCoordinate(Func):
    """The public point's latitude or longitude: the stored one, or for a home daycare point the centre
    of its grid cell. One SQL node over two columns (the tree of ``Case``/``Floor`` nodes it replaces
    cost the search most of its Python time: every annotate and filter resolves it again)."""

    output_field = FloatField()

    def __init__(self, column: str):
        super().__init__(F(column), F("kind"))

    def as_sql(self, compiler, connection, **extra):
        column, column_params = compiler.compile(self.source_expressions[0])
        kind, kind_params = compiler.compile(self.source_expressions[1])
        sql = (f"(CASE WHEN {kind} = %s THEN floor(({column})::float8 / %s) * %s + %s "
               f"ELSE ({column})::float8 END)")
        grid = HOME_GRID_DEGREES
        return sql, (*kind_params, InstitutionKind.HOME_DAYCARE.value, *column_params, grid, grid, grid / 2,
                     *column_params)


def _public_coordinate(column: str) -> Any:
    return _PublicCoordinate(column)


class _DistanceKm(Func):
    """Great-circle (haversine) distance in km from a point to the public point, one SQL node."""

    output_field = FloatField()

    def __init__(self, lat: float, lng: float):
        super().__init__(_PublicCoordinate("latitude"), _PublicCoordinate("longitude"))
        self.point = (math.radians(lat), math.radians(lng))

    def as_sql(self, compiler, connection, **extra):
        plat, plat_params = compiler.compile(self.source_expressions[0])
        plng, plng_params = compiler.compile(self.source_expressions[1])
        rlat, rlng = self.point
        sql = (f"(%s * asin(sqrt(least(power(sin((radians({plat}) - %s) / 2), 2) "
               f"+ %s * cos(radians({plat})) * power(sin((radians({plng}) - %s) / 2), 2), 1.0))))")
        return sql, (2 * EARTH_RADIUS_KM, *plat_params, rlat, math.cos(rlat), *plat_params, *plng_params, rlng)


def _distance_km(lat: float, lng: float) -> Any:
    """Great-circle (haversine) distance in km from (lat, lng) to the public point, in SQL."""
    return _DistanceKm(lat, lng)


def _bounding_box(lat: float, lng: float, radius_km: float) -> Q:
    """A box around the circle, on the stored columns (index ``institution_public_point_idx``), widened by
    half a grid cell so a home daycare point whose public point is inside the circle is not cut off."""
    dlat = math.degrees(radius_km / EARTH_RADIUS_KM) + HOME_GRID_DEGREES
    dlng = math.degrees(radius_km / (EARTH_RADIUS_KM * max(math.cos(math.radians(min(abs(lat) + dlat, 89.0))),
                                                          0.01))) + HOME_GRID_DEGREES
    return Q(latitude__gte=lat - dlat, latitude__lte=lat + dlat, longitude__gte=lng - dlng, longitude__lte=lng + dlng)


def _age_taken(age_months: int) -> Q:
    """The current filing has a class taking a child of this age: the class's [min, max) months, or its
    type's band (设置标准) when the class states none."""
    bands = {**CLASS_AGE_BANDS, ClassType.MIXED: (NATIONAL_DEFAULTS["mixed.min_age_months"], MAX_AGE_MONTHS)}
    low = Coalesce("min_age_months", Case(*[When(class_type=t, then=Value(b[0])) for t, b in bands.items()]))
    high = Coalesce("max_age_months", Case(*[When(class_type=t, then=Value(b[1])) for t, b in bands.items()]))
    classes = (FilingClass.objects.filter(filing_id=OuterRef("current_filing_id"))
               .annotate(age_low=low, age_high=high).filter(age_low__lte=age_months, age_high__gt=age_months))
    return Q(Exists(classes))


def public_queryset() -> Any:
    """Filed (or suspended) institutions with a filing in force: what the public sees. Call with scopes
    disabled. ``current_filing`` is only ever set by ``filing_accept`` and accepted is a final state, so
    "has a current filing" is "its current filing is accepted" without a join (the search counts rows)."""
    return Institution.objects.filter(status__in=PUBLIC_STATES, current_filing__isnull=False)


def _region_filter(code: str) -> Q:
    """Institutions in a region of any level, on the one copied-down column of that level (GB/T 2260:
    ``XX0000`` a province, ``XXXX00`` a city, other six digits a district, nine or twelve a township)."""
    if len(code) > 6:
        return Q(region_id=code)
    if code.endswith("0000"):
        return Q(province_id=code)
    if code.endswith("00"):
        return Q(city_id=code)
    return Q(district_id=code)


SEARCH_FIELDS = ("id", "name", "kind", "status", "address", "service_types", "total_slots", "district__name",
                 "region_id", "district_id", "region__name", "public_inclusive", "public_monthly_fee",
                 "public_lat", "public_lng", "current_filing_id")


def public_search(*, lat: float | None = None, lng: float | None = None, radius_km: float | None = None,
                  age_months: int | None = None, inclusive: bool | None = None, district: str = "",
                  township: str = "", q: str = "", service_type: str = "", fee_min_fen: int | None = None,
                  fee_max_fen: int | None = None, page: int = 1, page_size: int = 20) -> dict:
    """One page of the public search (parsed filters), as ``{"count", "results"}``: three queries (count,
    page, the page's classes). With a point: only institutions within ``radius_km`` of it (a bounding-box
    prefilter on the indexed columns, then the haversine distance of the public point), nearest first,
    ``distance_km`` on each. Without: by name."""
    page_size = max(1, min(page_size, SEARCH_PAGE_SIZE_MAX))
    with scopes_disabled():
        qs = public_queryset()
        if district:
            qs = qs.filter(_region_filter(district))
        if township:
            qs = qs.filter(region_id=township)
        if q:
            qs = qs.filter(name__contains=q)  # LIKE: Chinese has no case, and UPPER() costs a scan
        if service_type:
            qs = qs.filter(service_types__contains=[service_type])
        if age_months is not None:
            qs = qs.filter(_age_taken(age_months))
        terms = public_offer_terms()
        if inclusive is not None:
            qs = qs.alias(public_inclusive=terms["public_inclusive"]).filter(public_inclusive=inclusive)
        if fee_min_fen is not None or fee_max_fen is not None:
            qs = qs.alias(public_monthly_fee=terms["public_monthly_fee"])
        if fee_min_fen is not None:
            qs = qs.filter(public_monthly_fee__gte=fee_min_fen)
        if fee_max_fen is not None:
            qs = qs.filter(public_monthly_fee__lte=fee_max_fen)
        fields = list(SEARCH_FIELDS)
        near = lat is not None and lng is not None
        if near:
            radius_km = radius_km or 10.0
            qs = (qs.filter(_bounding_box(lat, lng, radius_km))
                  .alias(distance=_distance_km(lat, lng)).filter(distance__lte=radius_km))
            fields.append("distance_km")
        count = qs.count()  # the filters only: no output column is computed for the count
        start = (max(page, 1) - 1) * page_size
        # The page's ids first, on the institution table alone (ordering and LIMIT before any join), then
        # the output columns (the filing's fees, the region names, the inclusive term) of those rows only.
        if near:
            order = ("distance_km", "id")
            page_ids = qs.annotate(distance_km=_distance_km(lat, lng)).order_by(*order)
        else:
            order = ("name", "id")
            page_ids = qs.order_by(*order)
        page_ids = page_ids.values("id")[start:start + page_size]
        shown = public_queryset().filter(pk__in=Subquery(page_ids)).annotate(
            **terms, public_lat=_public_coordinate("latitude"), public_lng=_public_coordinate("longitude"))
        if near:
            shown = shown.annotate(distance_km=_distance_km(lat, lng))
        rows = list(shown.order_by(*order).values(*fields)) if start < count else []
        class_rows = (FilingClass.objects.filter(filing_id__in=[r["current_filing_id"] for r in rows])
                      .order_by("filing_id", "id").values("filing_id", "class_type", "planned_children"))
        classes: dict[int, list[dict]] = {}
        for c in class_rows if rows else ():
            classes.setdefault(c["filing_id"], []).append(c)
    return {"count": count, "page": page, "page_size": page_size,
            "results": [_public_row(r, classes.get(r["current_filing_id"], [])) for r in rows]}


def _yuan(fen: int | None) -> int | float | None:
    if fen is None:
        return None
    return fen // 100 if fen % 100 == 0 else fen / 100


def _public_row(r: dict, classes: list[dict]) -> dict:
    is_home = r["kind"] == InstitutionKind.HOME_DAYCARE
    labels = {}
    for c in classes:
        label = ClassType(c["class_type"]).label.split("（")[0]
        labels[label] = labels.get(label, 0) + c["planned_children"]
    located = r["public_lat"] is not None and r["public_lng"] is not None
    row = {
        "id": r["id"],
        "name": r["name"],
        "kind": r["kind"],
        "kind_label": InstitutionKind(r["kind"]).label,
        "district": r["district__name"],
        "township": r["region__name"] if r["region_id"] != r["district_id"] else "",
        "address": "" if is_home else r["address"],
        # The public point (a home daycare point: its grid cell's centre, ``location_approximate``).
        "latitude": round(r["public_lat"], 6) if located else None,
        "longitude": round(r["public_lng"], 6) if located else None,
        "location_approximate": is_home,
        "service_types": [ServiceType(v).label for v in r["service_types"] or [] if v in ServiceType.values],
        "total_slots": r["total_slots"],
        "classes": [{"class_type": label, "slots": n} for label, n in labels.items()],
        "monthly_fee_yuan": _yuan(r["public_monthly_fee"]),
        "inclusive": r["public_inclusive"],
        "suspended": r["status"] == InstitutionStatus.SUSPENDED,
    }
    if "distance_km" in r:
        row["distance_km"] = round(r["distance_km"], 2)
    return row


# Open data: the columns the national registry of filed institutions publishes (no person, no phone).
OPEN_DATA_COLUMNS = (
    ("name", "机构名称"), ("uscc", "统一社会信用代码"), ("nature", "机构性质"), ("kind", "机构类型"),
    ("province", "省份"), ("city", "城市"), ("district", "区县"), ("township", "乡镇（街道）"),
    ("address", "地址"), ("service_types", "服务类型"), ("total_slots", "托位数"),
    ("receipt_no", "备案回执编号"), ("filed_on", "备案日期"), ("commission", "备案机关"), ("status", "状态"),
)


def open_data_rows(*, region_code: str):
    """Every public institution of a region (province, city or district code), as tuples in
    ``OPEN_DATA_COLUMNS`` order, read in batches of ``EXPORT_BATCH`` by id (keyset: constant memory, each
    batch one query, so a province streams). A home daycare point's address is its district and township."""
    natures, kinds = dict(InstitutionNature.choices), dict(InstitutionKind.choices)
    statuses, services = dict(InstitutionStatus.choices), dict(ServiceType.choices)
    last = 0
    while True:
        with scopes_disabled():
            batch = list(public_queryset().filter(_region_filter(region_code), pk__gt=last).order_by("pk")
                         .values_list("pk", "name", "uscc", "nature", "kind", "province__name", "city__name",
                                      "district__name", "region__name", "region_id", "district_id", "address",
                                      "service_types", "total_slots", "receipt_no", "filed_on", "status")
                         [:EXPORT_BATCH])
        for (_pk, name, uscc, nature, kind, province, city, district, township, region_id, district_id, address,
             service_types, slots, receipt_no, filed_on, status) in batch:
            township = township if region_id != district_id else ""
            is_home = kind == InstitutionKind.HOME_DAYCARE
            yield (name, uscc, natures.get(nature, nature), kinds.get(kind, kind), province or "", city or "",
                   district, township, f"{district}{township}" if is_home else address,
                   "、".join(services.get(v, v) for v in service_types or []), slots, receipt_no,
                   filed_on.isoformat() if filed_on else "", f"{district}卫生健康局", statuses.get(status, status))
        if len(batch) < EXPORT_BATCH:
            return
        last = batch[-1][0]


REGIONS_CACHE_SECONDS = 300


def _region_counts() -> list[dict]:
    with scopes_disabled():
        return list(public_queryset().values("province_id", "province__name", "city_id", "city__name",
                                             "district_id", "district__name")
                    .annotate(n=Count("id")).order_by("province_id", "city_id", "district_id"))


def open_data_regions(*, flat: bool = False) -> list[dict]:
    """Provinces with public institutions, each with its cities and their districts, and counts
    (``{"code", "name", "full_name", "level", "count", "children"}``); ``flat``: every node in one list.
    One grouped query, kept ``REGIONS_CACHE_SECONDS`` in the cache (it changes when a filing is accepted)."""
    rows = cache.get_or_set("portal:public-region-counts", _region_counts, REGIONS_CACHE_SECONDS)
    provinces: dict[str, dict] = {}
    for r in rows:
        province = provinces.setdefault(r["province_id"], {
            "code": r["province_id"], "name": r["province__name"], "full_name": r["province__name"],
            "level": "province", "count": 0, "children": {}})
        province["count"] += r["n"]
        parent = province
        if r["city_id"] and r["city_id"] != r["province_id"]:
            parent = province["children"].setdefault(r["city_id"], {
                "code": r["city_id"], "name": r["city__name"], "full_name": province["name"] + r["city__name"],
                "level": "city", "count": 0, "children": {}})
            parent["count"] += r["n"]
        if r["district_id"] not in (parent["code"], province["code"]):
            parent["children"][r["district_id"]] = {
                "code": r["district_id"], "name": r["district__name"],
                "full_name": parent["full_name"] + r["district__name"], "level": "district", "count": r["n"],
                "children": {}}

    def listed(node: dict) -> dict:
        return {**node, "children": [listed(c) for c in node["children"].values()]}

    tree = [listed(p) for p in provinces.values()]
    if not flat:
        return tree
    out: list[dict] = []

    def walk(nodes):
        for node in nodes:
            out.append(node)
            walk(node["children"])

    walk(tree)
    return out


def search_regions(*, selected: str = "") -> list[dict]:
    """The search form's region choices: every city with public institutions under its province
    (``{"province", "options": [(code, label)]}``), and the districts of the selected city (or of the
    selected district's city)."""
    groups = []
    for province in open_data_regions():
        options = [(province["code"], f"{province['name']}（全部）")]
        for city in province["children"]:
            options.append((city["code"], city["name"]))
            districts = [d["code"] for d in city["children"]]
            if selected and (selected == city["code"] or selected in districts):
                options += [(d["code"], f"　{d['name']}") for d in city["children"]]
        groups.append({"province": province["name"], "options": options})
    return groups
