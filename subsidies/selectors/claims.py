"""Reads of subsidy claims, lines, budgets and payout batches."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from core.errors import NotFound

from ..models import ClaimLine, LineReason, PayoutBatch, PayoutItem, SubsidyClaim, SubsidyClaimStatus

OPEN_CLAIM_STATES = (SubsidyClaimStatus.DRAFT, SubsidyClaimStatus.SUBMITTED, SubsidyClaimStatus.RETURNED)
REVIEW_QUEUE_STATES = (SubsidyClaimStatus.SUBMITTED,)
CITY_QUEUE_STATES = (SubsidyClaimStatus.DISTRICT_APPROVED,)
BATCHABLE_STATES = (SubsidyClaimStatus.DISTRICT_APPROVED, SubsidyClaimStatus.CITY_APPROVED)


def claim_get(*, claim_id: int) -> SubsidyClaim:
    claim = SubsidyClaim.objects.select_related("institution", "policy").filter(pk=claim_id).first()
    if claim is None:
        raise NotFound("补助申请不存在或不在您的管辖范围内。")
    return claim


def claim_list(*, institution_id: int | None = None, status: str | None = None):
    # The duplicate-child lines of each claim on the page, counted per row shown (a correlated count on
    # the line's claim index), not by joining and grouping every line of every claim in scope.
    duplicate_lines = (ClaimLine.objects.filter(claim_id=OuterRef("pk"), reason=LineReason.DUPLICATE_CHILD)
                       .order_by().values("claim_id").annotate(n=Count("id")).values("n"))
    qs = SubsidyClaim.objects.select_related("institution").annotate(
        duplicates=Coalesce(Subquery(duplicate_lines, output_field=IntegerField()), Value(0)))
    if institution_id is not None:
        qs = qs.filter(institution_id=institution_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-id")


def claim_lines(claim_id: int):
    return ClaimLine.objects.filter(claim_id=claim_id).order_by("counts", "child_name", "id")


def batchable_claims(district_id: str):
    return (SubsidyClaim.objects.select_related("institution", "policy")
            .filter(district_id=district_id, status__in=BATCHABLE_STATES).order_by("id"))


def batch_get(*, batch_id: int) -> PayoutBatch:
    batch = PayoutBatch.objects.select_related("district").filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("拨付批次不存在或不在您的管辖范围内。")
    return batch


def batch_list():
    return PayoutBatch.objects.select_related("district").annotate(n_items=Count("items")).order_by("-created_at", "-id")


def batch_items(batch_id: int) -> list[PayoutItem]:
    return list(PayoutItem.objects.filter(batch_id=batch_id).select_related("claim", "claim__institution")
                .order_by("id"))


def batch_items_total(batch_id: int) -> int:
    return PayoutItem.objects.filter(batch_id=batch_id).aggregate(t=Sum("amount_fen"))["t"] or 0


def claim_clawbacks(claim_id: int) -> list[PayoutItem]:
    """The clawbacks recorded against a claim (negative amounts), each with the batch that carries it."""
    return list(PayoutItem.objects.filter(claim_id=claim_id, kind="clawback").select_related("batch")
                .order_by("id"))


def claim_document_get(*, document_id: int):
    from ..models import ClaimDocument

    document = ClaimDocument.objects.filter(pk=document_id).first()
    if document is None:
        raise NotFound("佐证材料不存在或不在您的管辖范围内。")
    return document
