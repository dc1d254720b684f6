"""Subsidies' input fields, each read by one parser (``core.inputs``): the API's serializers, the
pages' forms and the Excel import read with these tables; services take the typed values."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from core import inputs
from registry.models import ClassType

from .models import ClaimKind, RevocationCause

MAX_FEN = 10**10  # a hundred million yuan: beyond any single fee, rate or claim
MAX_SLOTS = 10_000
MAX_REASONS = 30

FEES = {class_type: inputs.integer(low=0, high=MAX_FEN, required=False, label=label)
        for class_type, label in ClassType.choices}

# Certification: ``{"fees": {"toddler": 180000, ...}}`` (fen per month, by class type).
CERTIFICATION = {"fees": inputs.record(FEES)}
CERTIFICATION_REQUIRED = ("fees",)

REASONS = {"reasons": inputs.text_list(max_items=MAX_REASONS, max_length=300, label="退回理由")}
REASON = {"reason": inputs.text(max_length=300, label="原因")}
ACCEPT = {
    "period_start": inputs.date(required=True, label="有效期起"),
    "period_end": inputs.date(required=True, label="有效期至"),
    "review_on": inputs.date(label="复核日期"),
}
REVOKE = {"cause": inputs.choice(RevocationCause.choices, label="撤销原因"), **REASON}

# Enrolment: the fixed API body.
ENROLMENT = {
    "child_name": inputs.text(max_length=64, required=True, label="婴幼儿姓名"),
    "id_number": inputs.id_number(),
    "birth_date": inputs.date(required=True, label="出生日期"),
    "class_type": inputs.choice(ClassType.choices, label="班型"),
    "enrolled_on": inputs.date(required=True, label="入托日期"),
    "left_on": inputs.date(label="离托日期"),
}
ENROLMENT_REQUIRED = ("child_name", "id_number", "birth_date", "class_type", "enrolled_on")
LEAVE = {"left_on": inputs.date(required=True, label="离托日期")}

_PERIOD_RE = re.compile(r"\d{4}-\d{2}")


def period(*, required: bool = True) -> inputs.Parser:
    """A month ``YYYY-MM`` → the date of its first day."""

    def parse(value):
        if value in (None, ""):
            if required:
                raise ValidationError("请填写所属月份。", code=inputs.REQUIRED)
            return None
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime) and value.day == 1:
            return value
        if isinstance(value, str) and _PERIOD_RE.fullmatch(value.strip()):
            year, month = (int(x) for x in value.strip().split("-"))
            if 2000 <= year <= 2999 and 1 <= month <= 12:
                return dt.date(year, month, 1)
        raise ValidationError("所属月份应为 YYYY-MM。", code=inputs.VALUE_INVALID)

    parse.required = required
    return parse


CLAIM = {
    "institution": inputs.integer(low=1, high=2**63 - 1, label="机构"),
    "kind": inputs.choice(ClaimKind.choices, label="类别"),
    "period": period(required=False),
    "slots": inputs.integer(low=1, high=MAX_SLOTS, required=False, label="新增托位数"),
}
CLAIM_REQUIRED = ("institution", "kind")
VERSION = {"expected_version": inputs.integer(low=1, high=2_147_483_647, required=False, label="版本")}
CLAWBACK = {"amount_fen": inputs.integer(low=1, high=MAX_FEN, label="追回金额（分）"), **REASON}

BATCH = {
    "title": inputs.text(max_length=100, label="批次名称"),
    "district": inputs.text(max_length=12, label="区县"),
    "claims": None,  # set below: a list of claim ids
}
BATCH_REQUIRED = ("claims",)
PAY = {"bank_reference": inputs.text(max_length=64, label="银行流水号"), "paid_on": inputs.date(label="拨付日期")}
PAY_REQUIRED = ("bank_reference",)


def id_list(*, max_items: int, label: str) -> inputs.Parser:
    """A non-empty list of distinct positive integer ids."""
    item = inputs.integer(low=1, high=2**63 - 1, label=label)

    def parse(value):
        if not isinstance(value, list | tuple) or not value:
            raise ValidationError(f"{label}应为非空的编号列表。", code=inputs.VALUE_INVALID)
        if len(value) > max_items:
            raise ValidationError(f"{label}最多 {max_items} 项。", code=inputs.MAX_LENGTH)
        out = [item(v) for v in value]
        if len(set(out)) != len(out):
            raise ValidationError(f"{label}有重复。", code=inputs.VALUE_INVALID)
        return out

    parse.required = True
    return parse


BATCH["claims"] = id_list(max_items=1000, label="补助申请")


# --- policy pages: amounts typed in yuan, shares in per cent (read exactly, never through a float) -------

_YUAN_RE = re.compile(r"\d{1,12}(\.\d{1,2})?")
_PERCENT_RE = re.compile(r"\d{1,3}(\.\d{1,2})?")


def yuan_to_fen(*, required: bool = True, label: str = "金额", high_fen: int = MAX_FEN) -> inputs.Parser:
    """``"1234.5"`` (yuan, at most two decimals) → ``123450`` fen, exactly (``Decimal``, no float)."""
    def parse(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ValidationError(f"请填写{label}。", code=inputs.REQUIRED)
            return None
        text = str(value).strip().replace(",", "") if isinstance(value, str) else None
        if text is None or not _YUAN_RE.fullmatch(text):
            raise ValidationError(f"{label}应为以元计的非负金额，最多两位小数（如 450 或 450.50）。",
                                  code=inputs.VALUE_INVALID)
        fen = int(Decimal(text).scaleb(2))
        if fen > high_fen:
            raise ValidationError(f"{label}过大。", code=inputs.VALUE_INVALID)
        return fen

    parse.required = required
    return parse


def percent_to_bp(*, required: bool = True, label: str = "比例", high_bp: int = 10_000) -> inputs.Parser:
    """``"50"`` or ``"33.33"`` (per cent, at most two decimals) → basis points (``5000``, ``3333``)."""
    def parse(value):
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                raise ValidationError(f"请填写{label}。", code=inputs.REQUIRED)
            return None
        text = value.strip() if isinstance(value, str) else None
        if text is None or not _PERCENT_RE.fullmatch(text):
            raise ValidationError(f"{label}应为百分数，最多两位小数（如 50 或 33.33）。", code=inputs.VALUE_INVALID)
        bp = int(Decimal(text).scaleb(2))
        if bp > high_bp:
            raise ValidationError(f"{label}不能超过 {Decimal(high_bp).scaleb(-2):f}%。", code=inputs.VALUE_INVALID)
        return bp

    parse.required = required
    return parse


POLICY = {
    "valid_from": inputs.date(required=True, label="生效日期"),
    "construction_rate_min_fen": yuan_to_fen(label="建设补助下限"),
    "construction_rate_max_fen": yuan_to_fen(label="建设补助上限"),
    "construction_rate_fen": yuan_to_fen(label="建设补助标准"),
    "operating_rate_fen": yuan_to_fen(label="运营补助标准"),
    "min_eligible_days": inputs.integer(low=1, high=31, label="最少合格天数"),
    "min_occupancy_bp": percent_to_bp(label="最低收托率"),
    "province_share_bp": percent_to_bp(label="省级承担比例"),
    "city_share_bp": percent_to_bp(label="市级承担比例"),
    "district_share_bp": percent_to_bp(label="区县承担比例"),
    "basis": inputs.text(max_length=300, label="政策依据"),
}
GUIDED_PRICE = {
    "class_type": inputs.choice(ClassType.choices, label="班型"),
    "price_fen": yuan_to_fen(label="指导价"),
    "band_bp": percent_to_bp(label="收费上限", high_bp=30_000),
    "valid_from": inputs.date(required=True, label="生效日期"),
}
BUDGET = {
    "year": inputs.integer(low=2000, high=2999, label="年度"),
    "amount_fen": yuan_to_fen(label="年度预算", high_fen=10**12),
}


def fen_text(fen: int | None) -> str:
    """Fen as the yuan text the pages' fields read back exactly (``45000`` → ``"450.00"``)."""
    if fen is None:
        return ""
    whole, part = divmod(fen, 100)
    return f"{whole}.{part:02d}"


def bp_text(bp: int | None) -> str:
    """Basis points as the per-cent text the fields read back (``5000`` → ``"50"``, ``3333`` → ``"33.33"``)."""
    if bp is None:
        return ""
    whole, part = divmod(bp, 100)
    return f"{whole}.{part:02d}" if part else str(whole)


# The clawback page: the amount typed in yuan (the API's ``CLAWBACK`` takes fen).
CLAWBACK_PAGE = {"amount_fen": yuan_to_fen(label="追回金额"),
                 "reason": inputs.text(max_length=300, required=True, label="追回原因")}
