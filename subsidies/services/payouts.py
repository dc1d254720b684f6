"""Payout batches: approved claims of one district (and the clawbacks waiting for it) bundled for the
finance system; the Excel export with totals and a checksum row; marked paid with the bank reference.
A batch's total is the sum of its items, to the fen, and each item's shares sum to its amount."""

from __future__ import annotations

import datetime as dt
import hashlib
from io import BytesIO

from django.db import transaction
from django.utils import timezone

from accounts.models import AuthEventKind, User
from accounts.services import auth_event_record
from core.errors import DomainError, InvalidTransition, NotFound
from core.events import record_event
from core.exports import export_audit_target, export_reason
from core.permissions import require_role
from regions.models import Region

from .. import rules
from ..models import (
    PayoutBatch,
    PayoutBatchStatus,
    PayoutItem,
    PayoutItemKind,
    SubsidyClaim,
    SubsidyClaimStatus,
)
from ..selectors.claims import batch_items
from ..workflow import BATCH, CLAIM, PAYERS, BatchAction, ClaimAction

LEVEL_REGION = {"province": "province_id", "city": "city_id", "district": "district_id"}


@transaction.atomic
def payout_batch_create(*, actor: User, district: str | None, claim_ids: list[int], title: str = "") -> PayoutBatch:
    """Bundle approved claims of one district (a district admin's own; a city admin names one) and
    every clawback of that district not yet in a batch."""
    if not district:
        districts = {code for code in SubsidyClaim.objects.filter(pk__in=claim_ids).values_list("district_id", flat=True)}
        if len(districts) != 1:
            raise DomainError("district_required", "一个批次只能包含同一区县的申请，请指定区县。",
                              fields={"district": ["请指定区县。"]})
        district = districts.pop()
    region = Region.objects.filter(code=district).first()
    if region is None or not region.is_tenant:
        raise DomainError("district_invalid", "区县不存在。", fields={"district": ["区县不存在。"]})
    batch = PayoutBatch(title=title or f"{region.name} 补助拨付 {timezone.localdate():%Y-%m-%d}", created_by=actor)
    batch.set_region(region)
    require_role(actor, PAYERS, batch, message="只有区县或市级管理员可以创建拨付批次。")
    claims = list(SubsidyClaim.objects.select_for_update(of=("self",)).select_related("policy")
                  .filter(pk__in=claim_ids).order_by("pk"))
    if len(claims) != len(set(claim_ids)):
        raise NotFound("有补助申请不存在或不在您的管辖范围内。")
    batch.save()
    for claim in claims:
        if claim.district_id != region.code:
            raise DomainError("claim_other_district", f"申请 {claim.pk} 不属于{region.name}。",
                              fields={"claims": [("claim_other_district", f"申请 {claim.pk} 属于其他区县。")]})
        t = CLAIM.ensure_transition(claim, ClaimAction.BATCH, actor)
        if claim.policy.requires_city_approval and claim.status != SubsidyClaimStatus.CITY_APPROVED:
            raise InvalidTransition(f"申请 {claim.pk} 须市级审核通过后才能拨付。", code="city_approval_required")
        claim.batch = batch
        CLAIM.apply(claim, t, actor=actor, update_fields=["batch"])
        PayoutItem.objects.create(claim=claim, batch=batch, kind=PayoutItemKind.PAYMENT, amount_fen=claim.amount_fen,
                                  province_share_fen=claim.province_share_fen, city_share_fen=claim.city_share_fen,
                                  district_share_fen=claim.district_share_fen, created_by=actor)
    PayoutItem.objects.filter(batch__isnull=True, kind=PayoutItemKind.CLAWBACK, district_id=region.code).update(
        batch=batch)
    batch.total_fen = sum(PayoutItem.objects.filter(batch=batch).values_list("amount_fen", flat=True))
    batch.save(update_fields=["total_fen", "updated_at"])
    record_event(batch, actor=actor, action=BatchAction.CREATE, from_status="",
                 items=[str(c.pk) for c in claims])
    return batch


@transaction.atomic
def payout_batch_pay(*, actor: User, batch_id: int, bank_reference: str, paid_on: dt.date | None = None,
                     expected_version: int | None = None) -> PayoutBatch:
    """Paid with the bank reference: every claim of the batch moves to paid; clawbacks return their
    shares to the budgets they were charged to."""
    from . import notices
    from .claims import _budgets_locked

    batch = PayoutBatch.objects.select_for_update(of=("self",)).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("拨付批次不存在或不在您的管辖范围内。")
    t = BATCH.ensure_transition(batch, BatchAction.PAY, actor, expected_version=expected_version)
    if not bank_reference:
        raise DomainError("bank_reference_required", "须填写银行流水号。", fields={"bank_reference": ["必填。"]})
    items = list(PayoutItem.objects.filter(batch=batch).select_related("claim"))
    if sum(i.amount_fen for i in items) != batch.total_fen:
        raise DomainError("batch_unbalanced", "批次合计与明细不符，不能拨付。", status_code=409)
    for claim in SubsidyClaim.objects.select_for_update(of=("self",)).filter(batch=batch).order_by("pk"):
        CLAIM.move(claim, ClaimAction.PAY, actor)
        notices.claim_paid(claim, bank_reference=bank_reference)
    for item in items:
        if item.kind == PayoutItemKind.CLAWBACK:
            budgets = _budgets_locked(item.claim)
            for level in LEVEL_REGION:
                share = getattr(item, f"{level}_share_fen")
                budget = budgets[level]
                if share and budget is not None:
                    budget.committed_fen = max(budget.committed_fen + share, 0)
                    budget.save(update_fields=["committed_fen", "updated_at"])
    batch.bank_reference, batch.paid_on = bank_reference, paid_on or timezone.localdate()
    BATCH.apply(batch, t, actor=actor, update_fields=["bank_reference", "paid_on"], reason=bank_reference)
    return batch


HEADERS = ("序号", "申请编号", "类别", "机构名称", "统一社会信用代码", "所属月份", "计补数量", "金额（分）",
           "省级（分）", "市级（分）", "区县（分）", "金额（元）", "说明")


def checksum(rows: list[tuple]) -> str:
    """SHA-256 over the item rows as exported (claim id, credit code, amount in fen, one per line)."""
    text = "\n".join(f"{claim_id}|{uscc}|{amount}" for claim_id, uscc, amount in rows)
    return hashlib.sha256(text.encode()).hexdigest()


def payout_batch_export(*, actor: User, batch_id: int, reason: str = "", request=None) -> tuple[str, bytes]:
    """The batch as an .xlsx for the finance system: one row per item, a totals row and a checksum
    row (item count, total fen, SHA-256 of the rows). Payee data: only a payer may export it, with a
    reason (``core.exports``); the export and its reason are written to the security log."""
    from openpyxl import Workbook

    batch = PayoutBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise NotFound("拨付批次不存在或不在您的管辖范围内。")
    require_role(actor, PAYERS, batch, message="只有管理员可以导出拨付批次。")
    reason = export_reason(reason)
    items = batch_items(batch.pk)
    wb = Workbook()
    ws = wb.active
    ws.title = "拨付明细"
    ws.append(("批次", batch.title, "状态", batch.get_status_display(), "银行流水号", batch.bank_reference or ""))
    ws.append(HEADERS)
    sums = {"amount_fen": 0, "province_share_fen": 0, "city_share_fen": 0, "district_share_fen": 0}
    keyed = []
    for n, item in enumerate(items, start=1):
        claim = item.claim
        ws.append((n, claim.pk, item.get_kind_display(), claim.institution.name, claim.institution.uscc,
                   f"{claim.period:%Y-%m}" if claim.period else "", claim.units, item.amount_fen,
                   item.province_share_fen, item.city_share_fen, item.district_share_fen, rules.yuan(item.amount_fen),
                   item.reason or claim.get_kind_display()))
        for key in sums:
            sums[key] += getattr(item, key)
        keyed.append((claim.pk, claim.institution.uscc, item.amount_fen))
    ws.append(("合计", "", "", "", "", "", "", sums["amount_fen"], sums["province_share_fen"], sums["city_share_fen"],
               sums["district_share_fen"], rules.yuan(sums["amount_fen"]), ""))
    ws.append(("校验", len(items), "", "", "", "", "", sums["amount_fen"], "", "", "", "", checksum(keyed)))
    out = BytesIO()
    wb.save(out)
    auth_event_record(kind=AuthEventKind.EXPORT, user=actor, request=request,
                      target=export_audit_target(f"subsidies.payoutbatch:{batch.pk}:xlsx", reason),
                      district_id=batch.district_id)
    return f"payout-batch-{batch.pk}.xlsx", out.getvalue()


def payout_batch_reconciles(batch: PayoutBatch) -> bool:
    """The stored total equals the sum of the items, and each item's shares its amount."""
    items = list(PayoutItem.objects.filter(batch=batch))
    return (sum(i.amount_fen for i in items) == batch.total_fen
            and all(i.amount_fen == i.province_share_fen + i.city_share_fen + i.district_share_fen for i in items)
            and batch.status in PayoutBatchStatus.values)
