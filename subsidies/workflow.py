"""Subsidies' transition tables (``core.workflow``): inclusive certification, subsidy claims, payout
batches. Services lock the row and call ``ensure_transition`` then ``apply`` (or ``move``); every
move writes its event row in the same transaction. ``docs/workflows.md`` is generated from these."""

from __future__ import annotations

from django.db import models

from core.roles import REVIEWERS, Role
from core.workflow import Transition, Workflow

from .models import (
    Certification,
    CertificationStatus,
    PayoutBatch,
    PayoutBatchStatus,
    SubsidyClaim,
    SubsidyClaimStatus,
)

OPERATORS = frozenset({Role.OPERATOR})
DISTRICT_DECIDERS = REVIEWERS  # district reviewer and admin
CITY_ADMINS = frozenset({Role.CITY_ADMIN})
# Who sets policies, guided prices and budgets: a city admin for the city, a district admin for the district.
POLICY_SETTERS = frozenset({Role.CITY_ADMIN, Role.DISTRICT_ADMIN})
# Who bundles approved claims into payout batches and marks them paid.
PAYERS = frozenset({Role.DISTRICT_ADMIN, Role.CITY_ADMIN})
# Who sees payout batches (page and API alike): the payers, the district deciders and the city viewer.
BATCH_READERS = PAYERS | DISTRICT_DECIDERS | frozenset({Role.CITY_VIEWER})
# Who reads claims, certifications and budgets of their region (operators read their own institution's).
COMMISSION_READERS = frozenset({Role.DISTRICT_REVIEWER, Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN,
                                Role.CITY_VIEWER, Role.CITY_ADMIN})
READERS = COMMISSION_READERS | OPERATORS


class CertificationAction(models.TextChoices):
    APPLY = "apply", "申请"  # the creation, an event, not a move
    RESUBMIT = "resubmit", "重新提交"
    RETURN = "return", "退回"
    ACCEPT = "accept", "认定"
    REVOKE = "revoke", "撤销"
    EXPIRE = "expire", "到期"


C = CertificationStatus
CERTIFICATION = Workflow(model=Certification, states=CertificationStatus, actions=CertificationAction,
                         noun="普惠认定", title="普惠托育认定（Certification）", transitions=(
    Transition(CertificationAction.RESUBMIT, (C.RETURNED,), C.SUBMITTED, OPERATORS,
               note="修改收费标准后重新提交，指导价核验重新运行"),
    Transition(CertificationAction.RETURN, (C.SUBMITTED,), C.RETURNED, DISTRICT_DECIDERS, note="须逐项列明退回理由"),
    Transition(CertificationAction.ACCEPT, (C.SUBMITTED,), C.CERTIFIED, DISTRICT_DECIDERS, requires_checks=True,
               note="机构已备案且未暂停、各班型收费不超过指导价上浮范围；确定有效期与复核日期"),
    Transition(CertificationAction.REVOKE, (C.CERTIFIED,), C.REVOKED, DISTRICT_DECIDERS,
               note="受到行政处罚、收费超过指导价上浮范围或其他原因，须说明"),
    Transition(CertificationAction.EXPIRE, (C.CERTIFIED,), C.EXPIRED, DISTRICT_DECIDERS, system=True,
               note="有效期届满次日由夜间任务办理"),
))


class ClaimAction(models.TextChoices):
    CREATE = "create", "生成"  # the creation, an event
    RECOMPUTE = "recompute", "重新计算"  # an event
    FLAG_DUPLICATE = "flag_duplicate", "标记重复申报"  # an event (the sweep or another claim's check)
    YIELD_LINE = "yield_line", "核定重复申报"  # an event
    SUBMIT = "submit", "提交"
    RETURN = "return", "退回"
    APPROVE = "approve", "区县审核通过"
    CITY_RETURN = "city_return", "市级退回"
    CITY_APPROVE = "city_approve", "市级审核通过"
    BATCH = "batch", "纳入拨付批次"
    PAY = "pay", "拨付"
    CLAWBACK = "clawback", "追回"  # an event of a paid claim


S = SubsidyClaimStatus
CLAIM = Workflow(model=SubsidyClaim, states=SubsidyClaimStatus, actions=ClaimAction, noun="补助申请",
                 title="补助申请（SubsidyClaim）", transitions=(
    Transition(ClaimAction.SUBMIT, (S.DRAFT, S.RETURNED), S.SUBMITTED, OPERATORS,
               note="提交前按最新在托记录重新计算"),
    Transition(ClaimAction.RETURN, (S.SUBMITTED,), S.RETURNED, DISTRICT_DECIDERS, note="须列明退回理由"),
    Transition(ClaimAction.APPROVE, (S.SUBMITTED,), S.DISTRICT_APPROVED, DISTRICT_DECIDERS, requires_checks=True,
               note="各级承担金额计入当年预算（锁定预算行）；超出剩余预算答 409 budget_exceeded；"
                    "存在待核定的重复申报不能通过"),
    Transition(ClaimAction.CITY_RETURN, (S.DISTRICT_APPROVED,), S.RETURNED, CITY_ADMINS,
               note="须列明理由；释放已占用的预算"),
    Transition(ClaimAction.CITY_APPROVE, (S.DISTRICT_APPROVED,), S.CITY_APPROVED, CITY_ADMINS,
               note="仅政策要求市级审核时"),
    Transition(ClaimAction.BATCH, (S.DISTRICT_APPROVED, S.CITY_APPROVED), S.BATCHED, PAYERS,
               note="政策要求市级审核的，须市级审核通过"),
    Transition(ClaimAction.PAY, (S.BATCHED,), S.PAID, PAYERS, note="所在批次标记已拨付时"),
))


class BatchAction(models.TextChoices):
    CREATE = "create", "创建"  # an event
    PAY = "pay", "标记已拨付"


B = PayoutBatchStatus
BATCH = Workflow(model=PayoutBatch, states=PayoutBatchStatus, actions=BatchAction, noun="拨付批次",
                 title="补助拨付批次（PayoutBatch）", transitions=(
    Transition(BatchAction.PAY, (B.OPEN,), B.PAID, PAYERS, note="须填写银行流水号；批次内申请一并改为已拨付"),
))
