"""Helpers shared by the registry pages (the role gate and DomainError → message are ``core.pages``')."""

from __future__ import annotations

from accounts.roles import Role
from core.pages import active_role, fail, role_required

operator_required = role_required(Role.OPERATOR)


def operator_institution_id(request) -> int:
    return request.assignment.institution_id


def post_version(request) -> int | None:
    """The page's hidden ``version`` (the optimistic lock), read by the API's ``expected_version``
    parser: left out → None (no check); anything else that is no version number is an error
    (``value_invalid``), never silently "no check"."""
    from core.inputs import parse
    from registry.inputs import VERSION

    return parse(VERSION, {"expected_version": request.POST.get("version")})["expected_version"]


# What accepting a termination does, on its button and in its history: it ends the filing and
# issues no receipt (备案办法: a termination is cancelled, not filed).
TERMINATION_ACCEPT_LABEL = "办结终止备案"


def filing_context(filing) -> dict:
    """What the status page and the review page show of a filing (all read here, none in templates)."""
    from registry.models import SWEEP_EVENT_LABELS, FilingKind, FilingStatus, ServiceType
    from registry.selectors.filings import (
        filing_calendar_warning,
        filing_diff,
        filing_document_needs,
        filing_history,
        receipt_state,
    )
    from registry.workflow import FilingAction

    actions, statuses, services = dict(FilingAction.choices), dict(FilingStatus.choices), dict(ServiceType.choices)
    actions.update(SWEEP_EVENT_LABELS)
    if filing.kind == FilingKind.TERMINATION:
        actions[FilingAction.ACCEPT] = TERMINATION_ACCEPT_LABEL  # a termination issues no receipt
    history = filing_history(filing=filing)
    for e in history:
        e.action_label = actions.get(e.action, e.action)
        e.from_label = statuses.get(e.from_status, "")
        e.to_label = statuses.get(e.to_status, "")
    documents = list(filing.documents.select_related("carried_from"))
    needs = filing_document_needs(filing=filing, documents=documents)
    return {
        "filing": filing,
        "calendar_warning": filing_calendar_warning(filing),
        "classes": list(filing.classes.all()),
        "documents": documents,
        "document_needs": needs,
        "missing_count": sum(not n.satisfied for n in needs),
        "history": history,
        "diff": filing_diff(filing=filing) if filing.kind == FilingKind.CHANGE else [],
        "service_type_labels": [services.get(v, v) for v in filing.service_types or []],
        "fee_rows": [{"label": services.get(k, k), "yuan": f"{int(v) / 100:.2f}"} for k, v in (filing.fees or {}).items()],
        "receipt_state": receipt_state(filing),
    }


__all__ = ["active_role", "fail", "filing_context", "operator_institution_id", "operator_required", "post_version",
           "role_required"]
