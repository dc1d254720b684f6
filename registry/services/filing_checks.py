"""The filing checklist: the facts a filing presents, checked against ``registry.rules`` and the
region's policy. Pure reads; the workflow actions refuse a move while a check fails."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.errors import DomainError
from regions.policy import policy_values

from .. import rules
from ..models import Filing, FilingKind, Staff
from ..selectors.filings import compute_changes


def policy_for(filing: Filing) -> rules.Policy:
    return rules.Policy.from_values(policy_values(filing.region))


def blacklist_hits(filing: Filing) -> tuple[str, ...] | None:
    """Hook for the supervision blacklist (rules.check_blacklist): listed persons on the roster or the
    institution itself. None until the supervision app provides its matcher (no check is shown)."""
    try:
        from supervision.selectors import blacklist_hits_for_filing  # type: ignore[import-not-found]
    except ImportError:
        return None
    return tuple(blacklist_hits_for_filing(filing=filing))


def _active_staff(institution_id: int, today: dt.date):
    from django.db.models import Q

    return (Staff.objects.filter(institution_id=institution_id, start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .prefetch_related("qualifications").order_by("role", "name", "id"))


def build_facts(filing: Filing, *, today: dt.date | None = None) -> rules.FilingFacts:
    today = today or timezone.localdate()
    staff = tuple(
        rules.StaffFacts(name=s.name, role=s.role, education=s.education, years_experience=s.years_experience,
                         health_certificate_date=s.health_certificate_date,
                         qualifications=tuple((q.type, q.expires_on) for q in s.qualifications.all()))
        for s in _active_staff(filing.institution_id, today))
    classes = tuple(rules.ClassPlan(c.class_type, c.planned_children, c.carers, c.name, c.min_age_months)
                    for c in filing.classes.all())
    return rules.FilingFacts(
        kind=filing.kind, institution_kind=filing.institution_kind, today=today, total_slots=filing.total_slots,
        classes=classes, staff=staff, documents=frozenset(filing.documents.values_list("doc_type", flat=True)),
        meals_served=filing.meals_served, premises_type=filing.premises_type, lease_start=filing.lease_start,
        lease_end=filing.lease_end, hygiene_evaluation_passed=filing.hygiene_evaluation_passed,
        commitment_signed=bool(filing.commitment_signer and filing.commitment_accepted_at),
        termination_date=filing.termination_date, placement_plan=filing.placement_plan,
        changes=compute_changes(filing) if filing.kind == FilingKind.CHANGE else {},
        blacklist_hits=blacklist_hits(filing),
    )


def filing_run_checks(*, filing: Filing) -> list[dict]:
    """Every applicable check as ``{"code","label","passed","reason"}``. Pure read; stores nothing."""
    return [c.as_dict() for c in rules.run_checks(build_facts(filing), policy_for(filing))]


def document_requirements(*, filing: Filing) -> list[dict]:
    """The materials the filing must carry (``rules.required_documents``, in the order of the 备案办法's
    list), each ``{"code", "label", "uploaded"}``. Pure read; nothing required for a termination."""
    if filing.kind == FilingKind.TERMINATION:
        return []
    facts = build_facts(filing)
    return [{"code": code, "label": rules.DOC_LABELS.get(code, code), "uploaded": code in facts.documents}
            for code in rules.required_documents(facts)]


def _raise_if_failed(checks: list[dict]) -> None:
    bad = rules.failed(checks)
    if bad:
        error = DomainError("checks_failed", f"备案不符合条件，共 {len(bad)} 项未通过，请补正后再提交。",
                            fields={"checks": [rules.notice_item(c) for c in bad]})
        error.checks = bad  # the full items, for pages that render them as a list
        raise error
