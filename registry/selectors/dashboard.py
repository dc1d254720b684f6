"""Reads of the registry, always through the scoped default managers (the active tenant scope)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.tenancy import TenantScope
from regions.models import Region, RegionLevel
from regions.selectors import filing_districts
from registry.models import Filing, FilingStatus, Institution, InstitutionStatus

OPEN_FILING_STATUSES = (FilingStatus.SUBMITTED, FilingStatus.RESUBMITTED)


def scope_name(scope: TenantScope) -> str:
    if scope.level == "country":
        return "全国"
    if scope.region_code:
        region = Region.objects.filter(code=scope.region_code).first()
        return str(region) if region else scope.region_code
    return ""


def scope_dashboard(*, scope: TenantScope) -> dict:
    now = timezone.now()
    institutions = Institution.objects.all()
    counts = institutions.aggregate(
        filed=Count("id", filter=Q(status=InstitutionStatus.FILED)),
        unfiled=Count("id", filter=Q(status__in=[InstitutionStatus.REGISTERED, InstitutionStatus.FILING])),
        slots=Sum("total_slots", filter=Q(status=InstitutionStatus.FILED)),
    )
    open_filings = Filing.objects.filter(status__in=OPEN_FILING_STATUSES)
    waiting = open_filings.aggregate(
        pending=Count("id"),
        # Past the 5-working-day receipt deadline; and, further, past the 15-day notice deadline.
        overdue=Count("id", filter=Q(due_at__lt=now)),
        notice_overdue=Count("id", filter=Q(notice_due_at__lt=now)),
    )
    upcoming = list(open_filings.order_by("due_at").only("id", "name", "kind", "status", "due_at")[:10])
    for f in upcoming:
        f.is_overdue = f.due_at is not None and f.due_at < now
    level_label, by_region = region_rollup(scope=scope, institutions=institutions)
    return {
        "scope_name": scope_name(scope),
        "stats": [
            {"key": "filed", "label": "已备案机构", "value": counts["filed"]},
            {"key": "slots", "label": "已备案托位", "value": counts["slots"] or 0},
            {"key": "unfiled", "label": "已登记未备案", "value": counts["unfiled"]},
            {"key": "pending", "label": "待审核备案", "value": waiting["pending"]},
            {"key": "overdue", "label": "已超期未审", "value": waiting["overdue"]},
            {"key": "notice_overdue", "label": "超过告知期限", "value": waiting["notice_overdue"]},
        ],
        "upcoming": upcoming,
        "by_region": by_region,
        "by_region_label": level_label,
    }


# The level one down from the scope, listed on the dashboard: (rows' key on Institution, label, regions).
_CHILDREN = {
    "district": ("district_id", "区县", lambda code: Region.objects.filter(code=code)),
    # A city's filing districts: its counties, or its townships in a city without counties.
    "city": ("district_id", "区县", lambda code: filing_districts(region=Region.objects.get(code=code))),
    "province": ("city_id", "市", lambda code: Region.objects.filter(province_id=code, level=RegionLevel.CITY)),
    "country": ("province_id", "省", lambda code: Region.objects.filter(level=RegionLevel.PROVINCE)),
}


def region_rollup(*, scope: TenantScope, institutions) -> tuple[str, list[dict]]:
    """Filed / slots / unfiled for every region one level below the scope, zeros included (a
    district with no institution is a finding, not an absence): two queries."""
    key, label, regions = _CHILDREN.get(scope.level, _CHILDREN["district"])
    counts = {row[key]: row for row in institutions.values(key).annotate(
        filed=Count("id", filter=Q(status=InstitutionStatus.FILED)),
        unfiled=Count("id", filter=Q(status__in=[InstitutionStatus.REGISTERED, InstitutionStatus.FILING])),
        slots=Sum("total_slots", filter=Q(status=InstitutionStatus.FILED)))}
    rows = []
    for region in regions(scope.region_code).order_by("code").only("code", "name"):
        found = counts.pop(region.code, {})
        rows.append({"code": region.code, "name": region.name, "filed": found.get("filed", 0),
                     "slots": found.get("slots") or 0, "unfiled": found.get("unfiled", 0)})
    for code, found in sorted(counts.items(), key=lambda item: item[0] or ""):  # rows under no listed region
        rows.append({"code": code, "name": "其他" if code else "未归属", "filed": found["filed"],
                     "slots": found["slots"] or 0, "unfiled": found["unfiled"]})
    return label, rows


def operator_dashboard(*, institution_id: int) -> dict:
    institution = Institution.objects.get(pk=institution_id)
    filings = list(Filing.objects.filter(institution_id=institution_id).order_by("-created_at")[:10])
    return {
        "institution": institution,
        "filings": filings,
        "stats": [
            {"key": "status", "label": "机构状态", "value": institution.get_status_display()},
            {"key": "slots", "label": "备案托位", "value": institution.total_slots},
            {"key": "staff", "label": "在职人员", "value": institution.staff.filter(end_date__isnull=True).count()},
            {"key": "receipt", "label": "备案回执", "value": institution.receipt_no or "—"},
        ],
    }


def claims_of_user(*, user) -> list:
    """The signed-in person's own claims, whatever district the institution is in.

    Cross-tenant on purpose: a person who has just signed up holds no assignment (empty scope), yet
    must see what they asked for. Only the claimant's own rows are returned.
    """
    from django_scopes import scopes_disabled

    from registry.models import InstitutionClaim

    with scopes_disabled():
        return list(InstitutionClaim.objects.filter(user=user).select_related("institution")
                    .order_by("-created_at")[:20])
