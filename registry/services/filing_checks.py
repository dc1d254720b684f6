"""The filing checklist: the facts a filing presents, checked against ``registry.rules`` and the
region's policy. Pure reads; the workflow actions refuse a move while a check fails."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core import checklists
from core.errors import DomainError, FieldError
from regions.policy import policy_values

from .. import rules
from ..models import Filing, FilingKind, Registration
from ..selectors.filings import compute_changes, filing_roster
from ..workflow import EDITABLE_STATES


def policy_for(filing: Filing) -> rules.Policy:
    return rules.Policy.from_values(policy_values(filing.region))


# The filing checklist's name in ``core.checklists``; other apps add items to it (supervision: "blacklist").
FILING_CHECKLIST = "registry.filing"


def blacklist_hits(filing: Filing, *, today: dt.date, roster) -> tuple[str, ...] | None:
    """Listed persons on the roster or the institution itself (rules.check_blacklist), from the provider
    the supervision app registers; None while nobody provides it (the checklist shows no blacklist item).
    The provider gets ``filing``, ``today`` and ``roster`` (``filing_roster`` for that day, already read)."""
    provider = checklists.provider(FILING_CHECKLIST, "blacklist")
    return None if provider is None else tuple(provider(filing=filing, today=today, roster=roster))


def build_facts(filing: Filing, *, today: dt.date | None = None, roster=None, documents=None) -> rules.FilingFacts:
    """The filing's facts; its staff are those on duty on the day it takes effect
    (``selectors.filings.filing_roster``), the same rows its submitted snapshot records. ``roster``:
    that roster already read for today (a page that also shows it), so it is not read twice;
    ``documents``: every one of the filing's documents, when the page has read them (only their
    ``doc_type`` and ``carried_from_id`` count)."""
    today = today or timezone.localdate()
    if roster is None:
        roster = filing_roster(filing=filing, today=today)
    roster = list(roster)
    staff = tuple(
        rules.StaffFacts(name=s.name, role=s.role, education=s.education, years_experience=s.years_experience,
                         health_certificate_date=s.health_certificate_date,
                         qualifications=tuple((q.type, q.expires_on) for q in s.qualification_items()),
                         criminal_record_date=s.criminal_record_checked_on if s.criminal_record_checked else None)
        for s in roster)
    classes = tuple(rules.ClassPlan(c.class_type, c.planned_children, c.carers, c.name, c.min_age_months,
                                    c.max_age_months)
                    for c in filing.classes.all())
    if documents is None:
        documents = list(filing.documents.values_list("doc_type", "carried_from_id"))
    else:
        documents = [(d.doc_type, d.carried_from_id) for d in documents]
    present = frozenset(doc for doc, _ in documents)
    uploaded = frozenset(doc for doc, carried_from in documents if carried_from is None)
    institution = filing.institution
    registration = Registration.objects.filter(institution_id=filing.institution_id).only("business_scope").first()
    return rules.FilingFacts(
        kind=filing.kind, institution_kind=filing.institution_kind, today=today, total_slots=filing.total_slots,
        institution_nature=institution.nature, service_types=tuple(filing.service_types or ()),
        business_scope=registration.business_scope if registration is not None else None,
        classes=classes, staff=staff, documents=present, carried_documents=present - uploaded,
        meals_served=filing.meals_served, premises_type=filing.premises_type, lease_start=filing.lease_start,
        lease_end=filing.lease_end, hygiene_evaluation_passed=filing.hygiene_evaluation_passed,
        commitment_signed=bool(filing.commitment_signer and filing.commitment_accepted_at),
        termination_date=filing.termination_date, placement_plan=filing.placement_plan,
        staff_settlement_plan=filing.staff_settlement_plan,
        changes=_changes(filing),
        blacklist_hits=blacklist_hits(filing, today=today, roster=roster),
    )


def _changes(filing: Filing) -> dict:
    """A change filing's changed items: computed live while the operator edits it, and from submission
    on the ones recorded then (``filing.changes``), which the reviewer's diff also shows."""
    if filing.kind != FilingKind.CHANGE:
        return {}
    if filing.status in EDITABLE_STATES:
        return compute_changes(filing)
    return filing.changes or {}


def filing_run_checks(*, filing: Filing, roster=None, documents=None) -> list[dict]:
    """Every applicable check as ``{"code","label","passed","reason"}``. Pure read; stores nothing.
    ``roster``: ``filing_roster(filing=filing)`` for today, and ``documents``: all the filing's
    documents, if the caller has already read them."""
    facts = build_facts(filing, roster=roster, documents=documents)
    return [c.as_dict() for c in rules.run_checks(facts, policy_for(filing))]


def _raise_if_failed(checks: list[dict]) -> None:
    bad = rules.failed(checks)
    if bad:
        # Each failed item under "checks" carries the item's own code (``blacklist``, ``lease_term``, …).
        error = DomainError("checks_failed", f"备案不符合条件，共 {len(bad)} 项未通过，请补正后再提交。",
                            fields={"checks": [FieldError(c["code"], rules.notice_item(c)) for c in bad]})
        error.checks = bad  # the full items, for pages that render them as a list
        raise error
