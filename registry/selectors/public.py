"""What the public registry shows of a filed institution (the portal's institution page).

Cross-tenant and anonymous, so every read here runs with scopes disabled and returns only public
facts: never a person's name or number, and for a home daycare point (a private home) never the
address — only its district and township.
"""

from __future__ import annotations

from django.utils import timezone

from core.tenancy import scopes_disabled

from ..models import Filing, FilingStatus, Institution, InstitutionKind, InstitutionStatus, ServiceType

PUBLIC_STATES = (InstitutionStatus.FILED, InstitutionStatus.SUSPENDED)


def public_institution(*, institution_id: int) -> dict | None:
    """The filed facts of a filed (or suspended) institution, or ``None`` (not filed, terminated,
    unknown: the public page is a 404)."""
    with scopes_disabled():
        institution = (Institution.objects.filter(pk=institution_id, status__in=PUBLIC_STATES,
                                                  current_filing__status=FilingStatus.ACCEPTED)
                       .select_related("district", "region", "current_filing").first())
        if institution is None:
            return None
        filing: Filing = institution.current_filing
        classes = list(filing.classes.order_by("id").values("class_type", "name", "planned_children"))
    labels = dict(filing.classes.model._meta.get_field("class_type").choices)
    is_home = filing.institution_kind == InstitutionKind.HOME_DAYCARE
    township = institution.region.name if institution.region_id != institution.district_id else ""
    return {
        "id": institution.pk,
        "name": filing.name or institution.name,
        "uscc": institution.uscc,
        "district": institution.district.name,
        "township": township,
        "is_home_daycare": is_home,
        "address": "" if is_home else (filing.address or institution.address),
        "nature": institution.get_nature_display(),
        "kind": institution.get_kind_display(),
        "service_types": [ServiceType(value).label for value in institution.service_types or []],
        "total_slots": filing.total_slots,
        "classes": [{**row, "class_type_label": labels.get(row["class_type"], row["class_type"])}
                    for row in classes],
        "receipt_no": filing.receipt_no,
        "filed_on": timezone.localtime(filing.decided_at).date() if filing.decided_at else institution.filed_on,
        "suspended": institution.status == InstitutionStatus.SUSPENDED,
        "commission": f"{institution.district.name}卫生健康局",
    }
