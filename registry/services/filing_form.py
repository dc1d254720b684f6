"""The operator's edits of a draft or returned filing: the form, the classes and the commitment.

Each write locks the filing, refuses it outside the editable states (``registry.workflow``),
validates, bumps the version and voids an earlier signature (the signature covers what it saw).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, FieldError
from core.validators import validate_mobile

from .. import rules
from ..models import ClassType, Filing, FilingClass, FilingKind, InstitutionKind, PremisesType, ServiceType
from ..workflow import ensure_editable
from .filing_rows import _copy_tenant, _locked_filing

# Institution facts copied into a new filing and back onto the institution on accept.
INSTITUTION_FACTS = ("name", "address", "latitude", "longitude", "legal_representative", "principal_name",
                     "contact_phone", "service_types", "total_slots")
# Facts that live only on filings (copied from the current filing when prefilling).
FILING_ONLY_FACTS = ("building_area", "outdoor_area", "opening_hours", "fees", "meals_served", "premises_type",
                     "lease_start", "lease_end", "hygiene_evaluation_passed")
FORM_FIELDS = ("name", "institution_kind", *INSTITUTION_FACTS[1:], *FILING_ONLY_FACTS, "termination_date",
               "placement_plan")
TERMINATION_FIELDS = ("termination_date", "placement_plan")
_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")


def _date(value) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        raise ValueError
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def _decimal(value, *, low=None, high=None) -> Decimal | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValueError
    number = Decimal(str(value))
    if not number.is_finite() or (low is not None and number < low) or (high is not None and number > high):
        raise ValueError
    return number


def _int(value, *, low=0, high=None) -> int:
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, str):
        value = value.strip()
    number = int(value)
    if isinstance(value, float) and value != number:
        raise ValueError
    if number < low or (high is not None and number > high):
        raise ValueError
    return number


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    if value in ("true", "1", "on", 1, "True"):
        return True
    if value in ("false", "0", "", 0, "False", None):
        return False
    raise ValueError


def _clean_form(filing: Filing, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[FieldError]] = {}
    cleaned: dict[str, Any] = {}

    def err(name, code, message):
        errors.setdefault(name, []).append(FieldError(code, message))

    if filing.kind == FilingKind.CHANGE:
        allowed = set(rules.CHANGEABLE_FIELDS)
    elif filing.kind == FilingKind.TERMINATION:
        allowed = set(TERMINATION_FIELDS)
    else:
        allowed = set(FORM_FIELDS) - set(TERMINATION_FIELDS)
    for name in data:
        if name not in FORM_FIELDS:
            err(name, "unknown_field", "未知字段。")
        elif name not in allowed:
            err(name, "not_changeable", f"{filing.get_kind_display()}不能修改此项。")
    lengths = {f.name: f.max_length for f in Filing._meta.fields if getattr(f, "max_length", None)}
    for name, value in data.items():
        if name in errors:
            continue
        try:
            if name in ("name", "address", "legal_representative", "principal_name", "opening_hours",
                        "placement_plan", "contact_phone"):
                text = ("" if value is None else str(value)).strip()
                if name in lengths and len(text) > lengths[name]:
                    err(name, "too_long", f"不能超过 {lengths[name]} 个字符。")
                    continue
                if name == "name" and not text:
                    err(name, "required", "机构名称不能为空。")
                    continue
                if name == "contact_phone" and text and not _LANDLINE_RE.match(text):
                    try:
                        text = validate_mobile(text)
                    except ValidationError:
                        err(name, "phone_invalid", "请输入有效的手机号或固定电话（如 0571-88888888）。")
                        continue
                cleaned[name] = text
            elif name == "institution_kind":
                if value not in InstitutionKind.values:
                    raise ValueError
                cleaned[name] = value
            elif name in ("latitude", "longitude"):
                limit = 90 if name == "latitude" else 180
                cleaned[name] = _decimal(value, low=-limit, high=limit)
                if cleaned[name] is not None:
                    cleaned[name] = cleaned[name].quantize(Decimal("0.000001"))
            elif name in ("building_area", "outdoor_area"):
                cleaned[name] = _decimal(value, low=0, high=Decimal("99999999"))
                if cleaned[name] is not None:
                    cleaned[name] = cleaned[name].quantize(Decimal("0.01"))
            elif name == "service_types":
                if not isinstance(value, list | tuple) or any(v not in ServiceType.values for v in value):
                    err(name, "choice_invalid", "服务类型只能是全日托、半日托、计时托、临时托。")
                    continue
                cleaned[name] = sorted(set(value), key=ServiceType.values.index)
            elif name == "total_slots":
                cleaned[name] = _int(value, low=0, high=100000)
            elif name == "fees":
                if not isinstance(value, dict):
                    raise ValueError
                fees = {}
                for key, fen in value.items():
                    if key not in ServiceType.values:
                        err(name, "choice_invalid", f"未知服务类型「{key}」。")
                        break
                    fees[key] = _int(fen, low=0, high=100_000_000)
                else:
                    cleaned[name] = fees
            elif name in ("meals_served", "hygiene_evaluation_passed"):
                cleaned[name] = _bool(value)
            elif name == "premises_type":
                if value not in ("", None, *PremisesType.values):
                    raise ValueError
                cleaned[name] = value or ""
            elif name in ("lease_start", "lease_end", "termination_date"):
                cleaned[name] = _date(value)
        except (ValueError, TypeError, InvalidOperation, ArithmeticError):
            err(name, "value_invalid", "格式或取值无效。")
    start = cleaned.get("lease_start", filing.lease_start)
    end = cleaned.get("lease_end", filing.lease_end)
    if start and end and end <= start and "lease_end" not in errors:
        err("lease_end", "date_order", "租赁截止日期必须晚于起始日期。")
    if errors:
        raise DomainError("invalid", "提交的数据有误，请检查标注的字段。", fields=errors)
    return cleaned


@transaction.atomic
def filing_update_form(*, actor, filing_id: int, data: dict) -> Filing:
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    cleaned = _clean_form(filing, data)
    changed = [k for k, v in cleaned.items() if getattr(filing, k) != v]
    if not changed:
        return filing
    for k in changed:
        setattr(filing, k, cleaned[k])
    filing.version += 1
    filing.save(update_fields=[*changed, *void_commitment(filing, edited_fields_reason(changed)), "version",
                               "updated_at"])
    return filing


@transaction.atomic
def filing_set_classes(*, actor, filing_id: int, classes: list[dict]) -> Filing:
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    if filing.kind == FilingKind.TERMINATION:
        raise DomainError("invalid", "终止备案不需要填写班级。")
    if not isinstance(classes, list):
        raise DomainError("invalid", "班级数据格式无效。", fields={"classes": ["应为班级列表。"]})
    errors: dict[str, list[str]] = {}
    rows = []
    for i, item in enumerate(classes):
        key = f"classes[{i}]"
        if not isinstance(item, dict):
            errors.setdefault(key, []).append("格式无效。")
            continue
        unknown = set(item) - {"class_type", "planned_children", "carers", "name", "min_age_months", "id"}
        if unknown:
            errors.setdefault(key, []).append("未知字段：" + "、".join(sorted(unknown)))
        if item.get("class_type") not in ClassType.values:
            errors.setdefault(f"{key}.class_type", []).append("班型只能是乳儿班、托小班、托大班或混龄班。")
        try:
            planned = _int(item.get("planned_children"), low=1, high=100)
        except (ValueError, TypeError):
            errors.setdefault(f"{key}.planned_children", []).append("计划收托人数应为 1–100 的整数。")
            planned = 0
        try:
            carers = _int(item.get("carers", 0), low=0, high=50)
        except (ValueError, TypeError):
            errors.setdefault(f"{key}.carers", []).append("保育人员数应为 0–50 的整数。")
            carers = 0
        min_age = item.get("min_age_months")
        try:
            min_age = None if min_age in (None, "") else _int(min_age, low=0, high=36)
        except (ValueError, TypeError):
            errors.setdefault(f"{key}.min_age_months", []).append("最小月龄应为 0–36 的整数。")
        name = str(item.get("name") or "").strip()
        if len(name) > 64:
            errors.setdefault(f"{key}.name", []).append("班级名称不能超过 64 个字符。")
        row = FilingClass(filing=filing, name=name[:64], class_type=item.get("class_type"), planned_children=planned,
                          carers=carers, min_age_months=min_age if isinstance(min_age, int) else None)
        _copy_tenant(row, filing)
        rows.append(row)
    if errors:
        raise DomainError("invalid", "班级信息有误，请检查标注的字段。", fields=errors)
    FilingClass.objects.filter(filing=filing).delete()
    FilingClass.objects.bulk_create(rows)
    filing.version += 1
    filing.save(update_fields=[*void_commitment(filing, "修改了班级设置"), "version", "updated_at"])
    return filing


COMMITMENT_FIELDS = ["commitment_signer", "commitment_accepted_at", "commitment_ip"]
VOIDED_FIELDS = ["commitment_voided_at", "commitment_voided_reason"]


def void_commitment(filing: Filing, reason: str = "") -> list[str]:
    """A signature covers the content as it was signed: any later edit voids it, so the operator
    signs again before (re)submitting. ``reason`` says which edit (shown on the commitment step).
    Returns the fields to save."""
    if filing.commitment_accepted_at is None and not filing.commitment_signer:
        return []
    filing.commitment_signer, filing.commitment_accepted_at, filing.commitment_ip = "", None, None
    filing.commitment_voided_at = timezone.now()
    filing.commitment_voided_reason = (reason or "修改了备案内容")[:300]
    return [*COMMITMENT_FIELDS, *VOIDED_FIELDS]


def edited_fields_reason(fields) -> str:
    """"修改了机构名称、托位数": the edit that voided a signature, in the form's words."""
    labels = {f.name: str(f.verbose_name) for f in Filing._meta.fields}
    return "修改了" + "、".join(labels.get(name, name) for name in fields)


@transaction.atomic
def filing_sign_commitment(*, actor, filing_id: int, signer: str, ip: str | None) -> Filing:
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    signer = (signer or "").strip()
    if not signer or len(signer) > 64:
        raise DomainError("invalid", "请填写承诺人姓名。", fields={"signer": ["请填写承诺人姓名（不超过 64 个字符）。"]})
    filing.commitment_signer = signer
    filing.commitment_accepted_at = timezone.now()
    filing.commitment_ip = ip or None
    filing.commitment_voided_at, filing.commitment_voided_reason = None, ""
    filing.version += 1
    filing.save(update_fields=[*COMMITMENT_FIELDS, *VOIDED_FIELDS, "version", "updated_at"])
    return filing
