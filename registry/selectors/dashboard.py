"""Reads of the registry, always through the scoped default managers (the active tenant scope)."""

from __future__ import annotations

from django.db.models import Count, Q, Sum
from django.utils import timezone

from core.tenancy import TenantScope
from regions.models import Region
from registry.models import Filing, FilingStatus, Institution, InstitutionStatus
from registry.workflow import REVIEW_QUEUE_STATES


def scope_name(scope: TenantScope) -> str:
    if scope.unrestricted:
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
    open_filings = Filing.objects.filter(status__in=REVIEW_QUEUE_STATES)
    waiting = open_filings.aggregate(
        pending=Count("id"),
        # Past the 5-working-day receipt deadline; and, further, past the 15-day notice deadline.
        overdue=Count("id", filter=Q(due_at__lt=now)),
        notice_overdue=Count("id", filter=Q(notice_due_at__lt=now)),
    )
    # Non-compliance decisions (不予备案) this year: the written notices issued.
    year_start = timezone.localtime(now).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    rejected = Filing.objects.filter(status=FilingStatus.REJECTED, decided_at__gte=year_start)
    rejected_by_district = dict(rejected.values_list("district_id").annotate(n=Count("id")).order_by())
    upcoming = list(open_filings.order_by("due_at").only("id", "name", "kind", "status", "due_at")[:10])
    for f in upcoming:
        f.is_overdue = f.due_at is not None and f.due_at < now
    by_district = list(
        institutions.values("district_id", "district__name")
        .annotate(filed=Count("id", filter=Q(status=InstitutionStatus.FILED)),
                  unfiled=Count("id", filter=Q(status__in=[InstitutionStatus.REGISTERED, InstitutionStatus.FILING])),
                  slots=Sum("total_slots", filter=Q(status=InstitutionStatus.FILED)))
        .order_by("district_id")
    )
    for row in by_district:
        row["rejected"] = rejected_by_district.get(row["district_id"], 0)
    return {
        "scope_name": scope_name(scope),
        "stats": [
            {"key": "filed", "label": "已备案机构", "value": counts["filed"]},
            {"key": "slots", "label": "已备案托位", "value": counts["slots"] or 0},
            {"key": "unfiled", "label": "已登记未备案", "value": counts["unfiled"]},
            {"key": "pending", "label": "待审核备案", "value": waiting["pending"]},
            {"key": "overdue", "label": "已超期未审", "value": waiting["overdue"]},
            {"key": "notice_overdue", "label": "超过告知期限", "value": waiting["notice_overdue"]},
            {"key": "rejected", "label": "本年不予备案", "value": sum(rejected_by_district.values())},
        ],
        "upcoming": upcoming,
        "by_district": by_district,
    }


def operator_dashboard(*, institution_id: int) -> dict:
    institution = Institution.objects.get(pk=institution_id)
    filings = list(Filing.objects.filter(institution_id=institution_id).order_by("-created_at")[:10])
    return {
        "institution": institution,
        "filings": filings,
        "stats": [
            {"key": "status", "label": "机构状态", "value": institution.get_status_display()},
            {"key": "slots", "label": "备案托位", "value": institution.total_slots},
            {"key": "staff", "label": "在职人员", "value": institution.staff.on_duty().count()},
            {"key": "receipt", "label": "备案回执", "value": institution.receipt_no or "—"},
        ],
    }

