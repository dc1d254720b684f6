"""Reads of the registry, always through the scoped default managers (the active tenant scope)."""

from __future__ import annotations

from django.db.models import Count, Max, Q, Sum
from django.utils import timezone

from core.tenancy import TenantScope
from regions.models import Region, RegionLevel
from regions.selectors import filing_districts
from registry.models import Filing, FilingStatus, Institution, InstitutionStatus
from registry.workflow import OPEN_STATES, REVIEW_QUEUE_STATES


def scope_name(scope: TenantScope) -> str:
    if scope.unrestricted:
        return "全国"
    if scope.region_code:
        region = Region.objects.filter(code=scope.region_code).first()
        return str(region) if region else scope.region_code
    return ""


# Scopes whose home pages read the district summaries (refreshed by a sweep) instead of counting
# every institution and filing of the scope on each view.
SUMMARY_LEVELS = ("province", "country")


def scope_dashboard(*, scope: TenantScope) -> dict:
    if scope.level in SUMMARY_LEVELS:
        summarised = _summary_dashboard(scope)
        if summarised is not None:
            return summarised
    now = timezone.now()
    institutions = Institution.objects.all()
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
    upcoming = list(open_filings.order_by("due_at").only("id", "name", "kind", "status", "due_at")[:10])
    for f in upcoming:
        f.is_overdue = f.due_at is not None and f.due_at < now
    level_label, by_region = region_rollup(scope=scope, institutions=institutions, rejected=rejected)
    # The rollup lists every counted group (regions with none, and rows under no listed region,
    # included), so its sums are the scope's totals: no second pass over the institutions.
    counts = {key: sum(r[key] for r in by_region) for key in ("filed", "slots", "unfiled")}
    return {
        "scope_name": scope_name(scope),
        "stats": [
            {"key": "filed", "label": "已备案机构", "value": counts["filed"]},
            {"key": "slots", "label": "已备案托位", "value": counts["slots"]},
            {"key": "unfiled", "label": "已登记未备案", "value": counts["unfiled"]},
            {"key": "pending", "label": "待审核备案", "value": waiting["pending"]},
            {"key": "overdue", "label": "已超期未审", "value": waiting["overdue"]},
            {"key": "notice_overdue", "label": "超过告知期限", "value": waiting["notice_overdue"]},
            {"key": "rejected", "label": "本年不予备案", "value": sum(r["rejected"] for r in by_region)},
        ],
        "upcoming": upcoming,
        "by_region": by_region,
        "by_region_label": level_label,
    }


def _summary_dashboard(scope: TenantScope) -> dict | None:
    """The dashboard from ``DistrictSummary`` (the scope's rows, summed): two queries over about
    3,000 rows nationally, plus the live "earliest deadlines" list (an index range). None until a
    first refresh has run, and the caller counts live instead."""
    from registry.models import DistrictSummary

    summaries = DistrictSummary.objects.all()
    figures = summaries.aggregate(
        refreshed_at=Max("refreshed_at"), filed=Sum("filed"), slots=Sum("slots"), unfiled=Sum("unfiled"),
        pending=Sum("pending"), overdue=Sum("overdue"), notice_overdue=Sum("notice_overdue"),
        rejected=Sum("rejected"))
    if figures["refreshed_at"] is None:
        return None
    now = timezone.now()
    upcoming = list(Filing.objects.filter(status__in=REVIEW_QUEUE_STATES).order_by("due_at")
                    .only("id", "name", "kind", "status", "due_at")[:10])
    for f in upcoming:
        f.is_overdue = f.due_at is not None and f.due_at < now
    key, label, regions = _CHILDREN[scope.level]
    counts = {row[key]: row for row in summaries.values(key).annotate(
        filed=Sum("filed"), unfiled=Sum("unfiled"), slots=Sum("slots"), rejected=Sum("rejected")).order_by()}
    return {
        "scope_name": scope_name(scope),
        "stats": [{"key": k, "label": lbl, "value": figures[k] or 0} for k, lbl in _STAT_LABELS],
        "upcoming": upcoming,
        "by_region": _rollup_rows(regions(scope.region_code), counts, {}),
        "by_region_label": label,
        "summary_refreshed_at": figures["refreshed_at"],
        "summary_every_minutes": DistrictSummary.REFRESH_MINUTES,
    }


_STAT_LABELS = (("filed", "已备案机构"), ("slots", "已备案托位"), ("unfiled", "已登记未备案"), ("pending", "待审核备案"),
                ("overdue", "已超期未审"), ("notice_overdue", "超过告知期限"), ("rejected", "本年不予备案"))


# The level one down from the scope, listed on the dashboard: (rows' key on Institution, label, regions).
_CHILDREN = {
    "district": ("district_id", "区县", lambda code: Region.objects.filter(code=code)),
    # A city's filing districts: its counties, or its townships in a city without counties.
    "city": ("district_id", "区县", lambda code: filing_districts(region=Region.objects.get(code=code))),
    "province": ("city_id", "市", lambda code: Region.objects.filter(province_id=code, level=RegionLevel.CITY)),
    "country": ("province_id", "省", lambda code: Region.objects.filter(level=RegionLevel.PROVINCE)),
}


def region_rollup(*, scope: TenantScope, institutions, rejected=None) -> tuple[str, list[dict]]:
    """Filed / slots / unfiled (and, given the ``rejected`` filings, the non-compliance decisions)
    for every region one level below the scope, zeros included (a district with no institution is
    a finding, not an absence): two queries, three with ``rejected``."""
    key, label, regions = _CHILDREN.get(scope.level, _CHILDREN["district"])
    refused = dict(rejected.values_list(key).annotate(n=Count("id")).order_by()) if rejected is not None else {}
    counts = {row[key]: row for row in institutions.values(key).annotate(
        filed=Count("id", filter=Q(status=InstitutionStatus.FILED)),
        unfiled=Count("id", filter=Q(status__in=[InstitutionStatus.REGISTERED, InstitutionStatus.FILING])),
        slots=Sum("total_slots", filter=Q(status=InstitutionStatus.FILED)))}
    return label, _rollup_rows(regions(scope.region_code), counts, refused)


def _rollup_rows(regions, counts: dict, refused: dict) -> list[dict]:
    """Every listed region in code order (zeros included), then the counted rows under no listed
    region. ``counts``: code -> filed/slots/unfiled (and rejected, from summaries); ``refused``:
    code -> rejected (when counted live)."""
    rows = []
    for region in regions.order_by("code").only("code", "name"):
        found = counts.pop(region.code, {})
        rows.append({"code": region.code, "name": region.name, "filed": found.get("filed") or 0,
                     "slots": found.get("slots") or 0, "unfiled": found.get("unfiled") or 0,
                     "rejected": refused.pop(region.code, 0) or found.get("rejected") or 0})
    for code, found in sorted(counts.items(), key=lambda item: item[0] or ""):  # rows under no listed region
        rows.append({"code": code, "name": "其他" if code else "未归属", "filed": found["filed"] or 0,
                     "slots": found["slots"] or 0, "unfiled": found["unfiled"] or 0,
                     "rejected": refused.pop(code, 0) or found.get("rejected") or 0})
    return rows


def operator_dashboard(*, institution_id: int) -> dict:
    institution = Institution.objects.select_related("current_filing", "region").get(pk=institution_id)
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


DUE_SOON_DAYS = 30
LEASE_DUE_SOON_DAYS = 90


def operator_next_steps(*, institution_id: int, filings: list | None = None, institution=None) -> dict:
    """What the operator should do next and what is coming due, for the home pages.

    ``action``: the one main thing to do (kind, label, url name and args, POST or link, a note);
    ``due``: dated items, most urgent first (``level`` danger/warning/info): points to correct in a
    returned filing, the commission's deadline, expired or expiring health and qualification
    certificates, missing criminal-record checks, the lease's end, a termination date.
    """
    import datetime as dt

    from ..models import StaffStatus
    from .filings import pending_termination_date
    from .staff import staff_roster

    if institution is None:
        institution = Institution.objects.select_related("current_filing", "region").get(pk=institution_id)
    if filings is None:
        filings = list(Filing.objects.filter(institution_id=institution_id).order_by("-created_at")[:10])
    today = timezone.localdate()
    soon = today + dt.timedelta(days=DUE_SOON_DAYS)
    open_filing = next((f for f in filings if f.status in OPEN_STATES), None)
    action = _next_action(institution, open_filing)
    due: list[dict] = []
    if open_filing is not None and open_filing.status == FilingStatus.RETURNED:
        due.append({"level": "danger", "text": f"{open_filing.get_kind_display()}被退回，"
                                              f"需补正 {len(open_filing.return_reasons or [])} 项后重新提交"})
    if open_filing is not None and open_filing.status in REVIEW_QUEUE_STATES and open_filing.due_at:
        due.append({"level": "info", "text": f"{open_filing.get_kind_display()}审核中，审核部门应于 "
                                            f"{timezone.localtime(open_filing.due_at):%Y-%m-%d} 前出具回执"})
    roster = staff_roster(institution_id=institution_id, status=StaffStatus.ON_DUTY, institution=institution)
    expired = [s.name for s in roster if s.health_expired]
    expiring = sorted((s for s in roster if not s.health_expired and s.health_expires_on <= soon),
                      key=lambda s: s.health_expires_on)
    if expired:
        due.append({"level": "danger", "text": f"{len(expired)} 名人员健康合格证明缺失或已过期，不得上岗："
                                              + "、".join(expired[:5]) + ("等" if len(expired) > 5 else "")})
    if expiring:
        due.append({"level": "warning", "text": f"{len(expiring)} 名人员健康合格证明将于 {DUE_SOON_DAYS} 日内到期，"
                                               f"最早 {expiring[0].health_expires_on:%Y-%m-%d}（{expiring[0].name}）"})
    certificates = [(q.expires_on, s.name, q.get_type_display()) for s in roster for q in s.qualification_rows
                    if q.expires_on is not None and q.expires_on <= soon]
    if certificates:
        first = min(certificates)
        late = sum(1 for c in certificates if c[0] < today)
        due.append({"level": "danger" if late else "warning",
                    "text": f"{len(certificates)} 本资格证书已过期或将于 {DUE_SOON_DAYS} 日内到期，"
                            f"最早 {first[0]:%Y-%m-%d}（{first[1]}的{first[2]}）"})
    unchecked = [s.name for s in roster if not s.criminal_record_checked]
    if unchecked:
        due.append({"level": "warning", "text": f"{len(unchecked)} 名人员尚未登记无犯罪记录证明："
                                               + "、".join(unchecked[:5]) + ("等" if len(unchecked) > 5 else "")})
    current = institution.current_filing
    lease_end = current.lease_end if current is not None and current.premises_type == "leased" else None
    if lease_end is not None and lease_end <= today + dt.timedelta(days=LEASE_DUE_SOON_DAYS):
        due.append({"level": "danger" if lease_end < today else "warning",
                    "text": f"场地租赁合同{'已于' if lease_end < today else '将于'} {lease_end:%Y-%m-%d} 到期，"
                            "续租或迁址后请办理变更备案"})
    ends = pending_termination_date(institution_id=institution_id)
    if ends is not None:
        due.append({"level": "info", "text": f"终止备案已通过，机构将于 {ends:%Y-%m-%d} 终止服务，请做好婴幼儿安置"})
    order = {"danger": 0, "warning": 1, "info": 2}
    due.sort(key=lambda d: order[d["level"]])
    return {"institution": institution, "open_filing": open_filing, "action": action, "due": due}


def _next_action(institution, open_filing) -> dict | None:
    if open_filing is not None:
        if open_filing.status == FilingStatus.DRAFT:
            return {"label": "继续备案", "url": "registry:filing_step", "args": [open_filing.pk, "checklist"],
                    "note": f"{open_filing.get_kind_display()}草稿尚未提交：查看还有哪些未完成，逐项前往修改。"}
        if open_filing.status == FilingStatus.RETURNED:
            return {"label": "补正材料", "url": "registry:filing_detail", "args": [open_filing.pk],
                    "note": "审核部门已一次性告知需补正的全部事项，补正并重新签署承诺后重新提交。"}
        return {"label": "查看审核进度", "url": "registry:filing_detail", "args": [open_filing.pk],
                "note": f"{open_filing.get_kind_display()}已提交，等待审核部门出具回执。"}
    if institution.status in (InstitutionStatus.REGISTERED, InstitutionStatus.FILING):
        return {"label": "开始备案", "post": True, "url": "registry:filing_new", "args": ["initial"],
                "note": "机构尚未备案：先在从业人员名册中登记人员，再按步骤填写备案书、上传材料、签署承诺并提交。"}
    if institution.status == InstitutionStatus.FILED:
        return {"label": "变更备案", "post": True, "url": "registry:filing_new", "args": ["change"],
                "note": "机构已备案。名称、地址、负责人、服务类型或托位数变化时，请办理变更备案。"}
    return None
