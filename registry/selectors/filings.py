"""Filing reads: scoped lists, the review queue by deadline, history, change diff, and the one
named cross-tenant read used by the public receipt verification page."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from core.errors import NotFound
from core.tenancy import scopes_disabled

from ..models import Filing, FilingEvent, FilingStatus, InstitutionStatus, ServiceType

QUEUE_STATES = (FilingStatus.SUBMITTED, FilingStatus.RESUBMITTED)


def filing_list(*, actor=None) -> QuerySet[Filing]:
    """Every filing the active scope covers, newest first."""
    return Filing.objects.select_related("institution", "region").order_by("-created_at", "-id")


def filing_get(*, filing_id: int) -> Filing:
    filing = (Filing.objects.select_related("institution", "region", "district", "decided_by", "created_by")
              .filter(pk=filing_id).first())
    if filing is None:
        raise NotFound("备案不存在或不在您的管辖范围内。")
    return filing


def review_queue(*, filters: dict | None = None) -> QuerySet[Filing]:
    """Submitted and resubmitted filings, earliest deadline first.

    filters: ``status`` (submitted/resubmitted), ``township`` (region code), ``kind``
    (institution kind), ``overdue`` ("1": past ``due_at``).
    """
    filters = filters or {}
    qs = Filing.objects.filter(status__in=QUEUE_STATES).select_related("institution", "region")
    if filters.get("status") in QUEUE_STATES:
        qs = qs.filter(status=filters["status"])
    if filters.get("township"):
        qs = qs.filter(region_id=filters["township"])
    if filters.get("kind"):
        qs = qs.filter(institution_kind=filters["kind"])
    if str(filters.get("overdue", "")) == "1":
        qs = qs.filter(due_at__lt=timezone.now())
    return qs.order_by("due_at", "id")


def filing_history(*, filing: Filing) -> list[FilingEvent]:
    return list(FilingEvent.objects.filter(filing_id=filing.pk).select_related("actor").order_by("created_at", "id"))


def _display(field: str, value):
    if field == "service_types":
        labels = dict(ServiceType.choices)
        return "、".join(str(labels.get(v, v)) for v in value or []) or "—"
    if field == "classes":
        return "；".join(value or []) or "—"
    return "—" if value in (None, "") else str(value)


def filing_diff(*, filing: Filing) -> list[dict]:
    """``{"field","label","old","new"}`` per changed item of a change filing (stored on submit,
    computed live while the filing is a draft)."""
    from ..models import FilingKind
    from ..services.filings import compute_changes

    if filing.kind != FilingKind.CHANGE:
        return []
    changes = filing.changes if filing.status not in ("draft", "returned") else compute_changes(filing)
    labels = {f.name: str(f.verbose_name) for f in Filing._meta.fields}
    labels["classes"] = "班级设置"
    return [{"field": name, "label": labels.get(name, name), "old": _display(name, old), "new": _display(name, new)}
            for name, (old, new) in changes.items()]


def public_receipt_lookup(*, receipt_no: str) -> dict | None:
    """Cross-tenant, public: what a receipt's QR code proves. No personal data.

    Status: ``valid`` (the institution's current filing), ``superseded`` (a later change filing
    replaced it), ``terminated``.
    """
    with scopes_disabled():
        filing = (Filing.objects.filter(receipt_no=receipt_no, status=FilingStatus.ACCEPTED)
                  .select_related("institution", "district").first())
        if filing is None:
            return None
        institution = filing.institution
        if institution.status == InstitutionStatus.TERMINATED:
            status, label = "terminated", "已终止"
        elif institution.current_filing_id != filing.pk:
            status, label = "superseded", "已变更（以最新回执为准）"
        else:
            status, label = "valid", "有效"
        return {
            "receipt_no": filing.receipt_no,
            "name": filing.name,
            "uscc": institution.uscc,
            "address": filing.address,
            "kind": filing.get_kind_display(),
            "filed_on": timezone.localtime(filing.decided_at).date() if filing.decided_at else None,
            "total_slots": filing.total_slots,
            "status": status,
            "status_label": label,
            "commission": f"{filing.district.name}卫生健康局",
        }
