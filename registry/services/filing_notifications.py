"""Who hears of a filing's moves, and the link they follow; sent only after the move commits.

Recipients come from ``accounts.selectors`` (operators of the institution, reviewers and admins of
its district); the link is the filing's page, built with ``reverse``; the message is sent by
``notifications.services.notify_on_commit``.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.selectors import operators_of, reviewers_of
from notifications.services import notify_on_commit

from ..models import Filing


def filing_link(filing: Filing, *, for_reviewer: bool = False) -> str:
    """The filing's page: the review page for the commission, the status page for the operator."""
    return reverse("registry:review_detail" if for_reviewer else "registry:filing_detail", args=[filing.pk])


def notify_operators(filing: Filing, *, kind: str, title: str, body: str = "") -> None:
    institution_id = filing.institution_id
    notify_on_commit(kind=kind, recipients=lambda: operators_of(institution_id), title=title, body=body,
                     link=filing_link(filing))


def notify_reviewers(filing: Filing, *, kind: str, title: str, body: str = "") -> None:
    district_id = filing.district_id
    notify_on_commit(kind=kind, recipients=lambda: reviewers_of(district_id), title=title, body=body,
                     link=filing_link(filing, for_reviewer=True))
