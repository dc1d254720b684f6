"""Penalty and closure reads: the scope's penalties and closures (a district's; an operator's own),
one with its history, and the public "penalties in force" of an institution (no personal data)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.errors import NotFound
from core.tenancy import scopes_disabled

from ..models import Closure, ClosureStatus, Penalty, PenaltyKind, PenaltyStatus


def penalty_list(*, status: str | None = None, institution_id: int | None = None) -> QuerySet[Penalty]:
    qs = Penalty.objects.select_related("institution").order_by("-decided_on", "-id")
    if status:
        qs = qs.filter(status=status)
    if institution_id:
        qs = qs.filter(institution_id=institution_id)
    return qs


def penalty_get(*, penalty_id: int) -> Penalty:
    penalty = Penalty.objects.select_related("institution", "created_by").filter(pk=penalty_id).first()
    if penalty is None:
        raise NotFound("行政处罚不存在或不在您的管辖范围内。")
    return penalty


def penalty_history(*, penalty: Penalty) -> list:
    return list(penalty.events.select_related("actor").order_by("created_at", "id"))


def closure_list(*, status: str | None = None) -> QuerySet[Closure]:
    qs = Closure.objects.select_related("institution").order_by("-started_on", "-id")
    return qs.filter(status=status) if status else qs


def closure_get(*, closure_id: int) -> Closure:
    closure = Closure.objects.select_related("institution", "created_by").filter(pk=closure_id).first()
    if closure is None:
        raise NotFound("关停应急处置不存在或不在您的管辖范围内。")
    return closure


def closure_items(*, closure: Closure) -> list:
    return list(closure.items.select_related("updated_by").order_by("id"))


def closure_history(*, closure: Closure) -> list:
    return list(closure.events.select_related("actor").order_by("created_at", "id"))


def open_closures():
    """Emergency closures still in force in the scope."""
    return Closure.objects.filter(status=ClosureStatus.OPEN)


def open_closure_count() -> int:
    return open_closures().count()


def public_penalties(institution_id: int) -> dict | None:
    """The portal's "penalties in force" section of an institution (``core.public``): kind, decision
    number, date, legal basis and a fine's amount; a ban says only that one was imposed (never who).
    Cross-tenant (the public page): evaluated with scopes disabled. None when there is none."""
    with scopes_disabled():
        rows = list(Penalty.objects.filter(institution_id=institution_id, status=PenaltyStatus.IN_FORCE)
                    .order_by("-decided_on", "-id")
                    .values("kind", "decision_number", "decided_on", "legal_basis", "amount_fen"))
    if not rows:
        return None
    labels = dict(PenaltyKind.choices)
    for row in rows:
        row["kind_label"] = labels[row["kind"]]
        fen = row.pop("amount_fen")
        row["amount"] = f"{fen // 100:,}.{fen % 100:02d} 元" if fen else ""
        if row["kind"] == PenaltyKind.PERSON_BAN:
            row["kind_label"] = "对相关从业人员作出从业禁止（人员信息不公开）"
    return {"penalties": rows}


__all__ = ["closure_get", "closure_history", "closure_items", "closure_list", "open_closure_count", "penalty_get",
           "penalty_history", "penalty_list", "public_penalties"]
