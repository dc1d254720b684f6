"""Who hears of a filing's moves, and the link they follow; sent only after the move commits."""

from __future__ import annotations

from django.db import transaction
from django.urls import NoReverseMatch, reverse

from accounts.models import Assignment
from accounts.roles import REVIEWERS, Role

from ..models import Filing


def filing_link(filing: Filing, *, for_reviewer: bool = False) -> str:
    name = "registry:review_detail" if for_reviewer else "registry:filing_detail"
    try:
        return reverse(name, args=[filing.pk])
    except (NoReverseMatch, ImportError):  # pages not wired (yet): a link must never block a transition
        return f"/registry/{'review' if for_reviewer else 'filings'}/{filing.pk}/"


def _operators_of(institution_id: int) -> list:
    return [a.user for a in Assignment.objects.filter(role=Role.OPERATOR, institution_id=institution_id,
                                                      is_active=True, user__is_active=True)
            .select_related("user")]


def _reviewers_of(district_id: str) -> list:
    seen, users = set(), []
    for a in (Assignment.objects.filter(role__in=REVIEWERS, region_id=district_id, is_active=True,
                                        user__is_active=True).select_related("user").order_by("id")):
        if a.user_id not in seen:
            seen.add(a.user_id)
            users.append(a.user)
    return users


def _notify_on_commit(*, recipients, verb: str, title: str, body: str, link: str) -> None:
    def send():
        from notifications.services import notify

        notify(users=recipients(), verb=verb, title=title, body=body, link=link)

    transaction.on_commit(send)
