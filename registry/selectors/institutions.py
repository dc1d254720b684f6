"""Reads of institutions, registrations, claims, staff, 挂靠 flags and filing documents.

Every query goes through the scoped default managers: outside the active scope a row does not
exist (``NotFound``, answered 404).
"""

from __future__ import annotations

from django.db.models import DateField, F, Func, IntegerField, Prefetch, Q, QuerySet, Value
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import NotFound
from core.validators import mask_person_name

from ..models import (
    ClaimStatus,
    FilingDocument,
    Institution,
    InstitutionClaim,
    InstitutionKind,
    InstitutionStatus,
    Registration,
    Staff,
    StaffConflictFlag,
)


def institution_list(*, filters: dict | None = None) -> QuerySet[Institution]:
    """Filters: status, kind, nature, district, township (region codes), q (name / credit code)."""
    filters = filters or {}
    qs = Institution.objects.select_related("region", "district")
    if filters.get("status"):
        qs = qs.filter(status=filters["status"])
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("nature"):
        qs = qs.filter(nature=filters["nature"])
    if filters.get("district"):
        qs = qs.filter(district_id=filters["district"])
    if filters.get("township"):
        qs = qs.filter(region_id=filters["township"])
    if filters.get("q"):
        term = str(filters["q"]).strip()
        qs = qs.filter(Q(name__icontains=term) | Q(uscc__iexact=term.upper()))
    return qs.order_by("name", "id")


# The institution list page's columns (templates/registry/institutions/list.html): its rows and the
# "registered, not filed" rows above them, without the other ~20 columns of each row and its regions.
# A workflow model's status must stay among them: django-fsm reads it as each row loads (a deferred one
# would cost a query a row).
LIST_PAGE_FIELDS = ("id", "name", "uscc", "kind", "status", "total_slots", "receipt_no", "region__name",
                    "district__name")
UNFILED_PAGE_FIELDS = ("id", "name", "uscc", "registered_on", "status")  # status: read as each row loads (django-fsm)


def institution_page_rows(qs: QuerySet[Institution]) -> QuerySet[Institution]:
    """``institution_list(...)`` narrowed to the list page's columns (the filters' WHERE unchanged)."""
    return qs.only(*LIST_PAGE_FIELDS)


def institution_api_rows(qs: QuerySet[Institution]) -> QuerySet[Institution]:
    """``institution_list(...)`` for the API's ``InstitutionSerializer``: its region (the full name)
    joined, not the district (the serializer gives its code, the row's own column)."""
    return qs.select_related(None).select_related("region")


def unfiled_page_rows() -> QuerySet[Institution]:
    """``unfiled_institutions()`` narrowed to the list page's columns (with ``days_waited``)."""
    return unfiled_institutions().select_related(None).only(*UNFILED_PAGE_FIELDS)


INSTITUTION_NOT_FOUND = "机构不存在或不在您的管辖范围内。"


def institution_get(*, institution_id: int) -> Institution:
    institution = (Institution.objects.select_related("region", "district", "current_filing")
                   .filter(pk=institution_id).first())
    if institution is None:
        raise NotFound(INSTITUTION_NOT_FOUND)
    return institution


def institution_ensure(*, institution_id: int) -> None:
    """``institution_get``'s 404 (outside the scope, or no such row) without reading the row."""
    if not Institution.objects.filter(pk=institution_id).exists():
        raise NotFound(INSTITUTION_NOT_FOUND)


def _days_since(field: str):
    """Whole days from ``field`` (a date) to today (Asia/Shanghai), computed in SQL."""
    return Func(Value(timezone.localdate(), output_field=DateField()), F(field), arg_joiner=" - ",
                template="(%(expressions)s)", output_field=IntegerField())


def unfiled_institutions() -> QuerySet[Institution]:
    """Registered but never filed (no filing accepted yet), longest waiting first, with ``days_waited``."""
    return (Institution.objects.filter(status__in=[InstitutionStatus.REGISTERED, InstitutionStatus.FILING],
                                       current_filing__isnull=True)
            .select_related("region", "district")
            .annotate(days_waited=_days_since("registered_on"))
            .order_by(F("registered_on").asc(nulls_last=True), "id"))


def registration_list() -> QuerySet[Registration]:
    return (Registration.objects.select_related("institution", "region", "pushed_by")
            .order_by("-updated_at", "-id"))


def claim_list(*, status: str | None = None) -> QuerySet[InstitutionClaim]:
    qs = InstitutionClaim.objects.select_related("institution", "user", "decided_by", "region")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def claims_of_user(*, user, status: str | None = None, claim_id: int | None = None,
                   limit: int | None = None) -> list[InstitutionClaim]:
    """A user's own claims, newest first, wherever the institution is (they may hold no scope over it
    yet): a named cross-tenant read, so it is evaluated here, inside ``scopes_disabled`` (row security
    then agrees), with every relation the pages and the API show already loaded."""
    with scopes_disabled():
        qs = InstitutionClaim.objects.filter(user=user)
        if status:
            qs = qs.filter(status=status)
        if claim_id is not None:
            qs = qs.filter(pk=claim_id)
        qs = qs.select_related("institution", "user", "decided_by", "region").order_by("-created_at", "-id")
        claims = list(qs[:limit] if limit else qs)
    for c in claims:
        # A home daycare's keeper is shown to the claimant only once the district has confirmed them.
        private = c.institution.kind == InstitutionKind.HOME_DAYCARE and c.status != ClaimStatus.CONFIRMED
        name = c.institution.legal_representative
        c.legal_representative_shown = mask_person_name(name) if private else name
    return claims


def claim_lookup(*, uscc: str) -> dict | None:
    """The registration facts an operator confirms before claiming by credit code (None: none known).

    Cross-tenant on purpose: the claimant holds no scope over the institution yet. Only the facts
    of the registration record (public in the national credit information system) are returned:
    the pushed registration's, else those the institution was created with (by an earlier claim).
    """
    with scopes_disabled():
        source = (Registration.objects.select_related("region").filter(uscc=uscc).first()
                  or Institution.objects.select_related("region").filter(uscc=uscc).first())
        home = source is not None and is_home_daycare(uscc=uscc)
    if source is None:
        return None
    region = source.region.full_name or source.region.name
    return {
        "uscc": source.uscc,
        "name": source.name,
        "nature": source.get_nature_display(),
        # A home daycare (家庭托育点) is somebody's home: its keeper and street address are not shown
        # to whoever types its code, only once the district has confirmed the claim.
        "legal_representative": mask_person_name(source.legal_representative) if home else source.legal_representative,
        "address": f"{region}（家庭托育点，详细地址不公开）" if home else source.address,
        "region": region,
        "registered_on": source.registered_on,
        "pushed": isinstance(source, Registration),
    }


def is_home_daycare(*, uscc: str) -> bool:
    """The institution with this code is, or has filed as, a home daycare (call with scopes disabled)."""
    from ..models import Filing, InstitutionKind

    return (Institution.objects.filter(uscc=uscc, kind=InstitutionKind.HOME_DAYCARE).exists()
            or Filing.objects.filter(institution__uscc=uscc, institution_kind=InstitutionKind.HOME_DAYCARE).exists())


def claim_evidence_get(*, claim_id: int, user, as_reviewer: bool) -> InstitutionClaim:
    """A claim whose evidence ``user`` may see: a reviewer's, in the active scope; or the claimant's
    own (a named cross-tenant read: the claimant holds no scope over the institution yet)."""
    claim = claim_list().filter(pk=claim_id).first() if as_reviewer else None
    if claim is None:
        with scopes_disabled():
            claim = InstitutionClaim.objects.filter(pk=claim_id, user=user).first()
    if claim is None or not claim.evidence_file:
        raise NotFound("证明材料不存在或无权查看。")
    return claim


def claim_get(*, claim_id: int) -> InstitutionClaim:
    claim = claim_list().filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("认领申请不存在或不在您的管辖范围内。")
    return claim


def _staff_qs() -> QuerySet[Staff]:
    return (Staff.objects.select_related("institution").with_qualifications()
            .prefetch_related(Prefetch("conflict_flags",
                                       queryset=StaffConflictFlag.objects.filter(resolved_at__isnull=True),
                                       to_attr="open_conflicts")))


def staff_list(*, institution_id: int, status: str | None = None) -> QuerySet[Staff]:
    """An institution's roster: every row, or those with one ``StaffStatus`` today (``on_duty``:
    started and not ended before today, as ``Staff.objects.on_duty`` defines it for every page).
    Its rows carry the institution's id, not the institution (the same one for every row)."""
    institution_ensure(institution_id=institution_id)  # 404 outside scope
    qs = _staff_qs().select_related(None).filter(institution_id=institution_id)
    if status is not None:
        qs = qs.with_status(status)
    return qs.order_by("role", "name", "id")


def staff_get(*, staff_id: int, institution_id: int | None = None) -> Staff:
    qs = _staff_qs().filter(pk=staff_id)
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    staff = qs.first()
    if staff is None:
        raise NotFound("人员不存在或不在您的管辖范围内。")
    return staff


def staff_conflict_list(*, include_resolved: bool = False) -> QuerySet[StaffConflictFlag]:
    """挂靠 flags on this scope's staff (the other side is named, not shown: it may be another district)."""
    qs = StaffConflictFlag.objects.select_related("staff", "staff__institution")
    if not include_resolved:
        qs = qs.filter(resolved_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def document_list(*, filing_id: int) -> QuerySet[FilingDocument]:
    return FilingDocument.objects.filter(filing_id=filing_id).select_related("uploaded_by").order_by(
        "doc_type", "id")


def document_get(*, document_id: int, filing_id: int | None = None) -> FilingDocument:
    qs = FilingDocument.objects.select_related("filing").filter(pk=document_id)
    if filing_id is not None:
        qs = qs.filter(filing_id=filing_id)
    doc = qs.first()
    if doc is None:
        raise NotFound("材料不存在或不在您的管辖范围内。")
    return doc


__all__ = ["claim_evidence_get", "claim_get", "claim_list", "claim_lookup", "claims_of_user", "document_get", "document_list", "institution_get", "institution_list",
           "registration_list", "staff_conflict_list", "staff_get", "staff_list", "unfiled_institutions"]
