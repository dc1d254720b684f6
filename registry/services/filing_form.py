"""The operator's edits of a draft or returned filing: the form, the classes and the commitment.

Each write locks the filing, refuses it outside the editable states (``registry.workflow``),
checks its typed input against ``registry.inputs`` and the business rules, bumps the version and
voids an earlier signature (the signature covers what it saw).
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.db.models import F, Value
from django.utils import timezone

from core.errors import DomainError, FieldError
from core.inputs import check_parsed, raise_if_any
from regions.models import Region, RegionLevel

from .. import rules
from ..inputs import CLASSES, COMMITMENT, FILING_FORM
from ..limits import MAX_CLASSES
from ..models import Filing, FilingClass, FilingKind
from ..workflow import ensure_editable
from .filing_rows import _locked_filing

# Institution facts copied into a new filing and back onto the institution on accept.
INSTITUTION_FACTS = ("name", "address", "latitude", "longitude", "legal_representative", "principal_name",
                     "contact_phone", "service_types", "total_slots")
# Facts that live only on filings (copied from the current filing when prefilling).
FILING_ONLY_FACTS = ("building_area", "outdoor_area", "opening_hours", "fees", "meals_served", "premises_type",
                     "lease_start", "lease_end", "hygiene_evaluation_passed")
# ``region``: the township of the address (its code), inside the filing district.
FORM_FIELDS = ("name", "institution_kind", *INSTITUTION_FACTS[1:], "region", *FILING_ONLY_FACTS, "termination_date",
               "placement_plan", "staff_settlement_plan")
TERMINATION_FIELDS = ("termination_date", "placement_plan", "staff_settlement_plan")

MOVE_OUT_OF_DISTRICT = "move_out_of_district"


def _move_message(filing: Filing) -> str:
    if filing.kind == FilingKind.CHANGE:
        return ("迁往其他区县不属于变更备案：请在本区县办理终止备案，并向新址所在区县卫生健康部门重新办理备案。"
                "变更备案只能在本区县范围内变更地址。")
    return "备案应向机构所在地的区县卫生健康部门办理：该地址不在本区县，请向新址所在区县卫生健康部门办理备案。"


def _district_named_in(filing: Filing, address: str) -> Region | None:
    """Another filing district that ``address`` names at its start, after the province and the city
    (``杭州市拱墅区…`` for a 西湖区 filing, ``宁波市…``), or None. An address that starts with a
    street names no district and passes (the township, ``region``, places it)."""
    text = re.sub(r"\s+", "", address or "")
    province, city, district = filing.province, filing.city, filing.district
    if province is not None and text.startswith(province.name):
        text = text[len(province.name):]
    if city is not None and text.startswith(city.name):
        text = text[len(city.name):]
    elif city is not None:
        other_city = (Region.objects.annotate(text=Value(text)).filter(level=RegionLevel.CITY, text__startswith=F("name"))
                      .exclude(code=city.code).first())
        if other_city is not None:
            return other_city
    if district is None or text.startswith(district.name):
        return None
    return (Region.objects.annotate(text=Value(text))
            .filter(city_id=filing.city_id, tenant_district_id=F("code"), text__startswith=F("name"))
            .exclude(code=filing.district_id).first())


def _check_place(filing: Filing, data: dict[str, Any], errors: dict) -> dict:
    """A new township or address stays inside the filing district (``move_out_of_district``)."""
    out: dict[str, list[FieldError]] = {}
    if "region" in data and "region" not in errors and data["region"] != filing.region_id:
        region = Region.objects.filter(code=data["region"]).first()
        if region is None or region.tenant_district_id is None:
            out["region"] = [FieldError("region_invalid", "所在乡镇（街道）代码无效，请从列表中选择。")]
        elif region.tenant_district_id != filing.district_id:
            out["region"] = [FieldError(MOVE_OUT_OF_DISTRICT, f"{region}不在本区县（{filing.district}）。")]
    if "address" in data and "address" not in errors and data["address"] != filing.address:
        other = _district_named_in(filing, data["address"])
        if other is not None:
            out["address"] = [FieldError(MOVE_OUT_OF_DISTRICT, f"新地址位于{other}，不在本区县（{filing.district}）。")]
    return out


def _check_form(filing: Filing, data: dict[str, Any]) -> None:
    """The business rules of a form edit, on typed values (``registry.inputs.FILING_FORM`` reads
    raw input; values it would change are refused here, not coerced): only the fields this filing
    kind may change (``not_changeable``), and a lease that ends after it starts (``date_order``)."""
    if filing.kind == FilingKind.CHANGE:
        allowed = set(rules.CHANGEABLE_FIELDS)
    elif filing.kind == FilingKind.TERMINATION:
        allowed = set(TERMINATION_FIELDS)
    else:
        allowed = set(FORM_FIELDS) - set(TERMINATION_FIELDS)
    errors = check_parsed(FILING_FORM, data)
    for name in data:
        if name in FILING_FORM and name not in allowed:
            errors[name] = [FieldError("not_changeable", f"{filing.get_kind_display()}不能修改此项。")]
    start = data.get("lease_start", filing.lease_start) if "lease_start" not in errors else None
    end = data.get("lease_end", filing.lease_end) if "lease_end" not in errors else None
    if start and end and end <= start:
        errors["lease_end"] = [FieldError("date_order", "租赁截止日期必须晚于起始日期。")]
    moves = _check_place(filing, data, errors)
    if any(e.code == MOVE_OUT_OF_DISTRICT for errs in moves.values() for e in errs):
        raise_if_any({**moves, **errors}, _move_message(filing))
    raise_if_any({**errors, **moves})


def _attname(name: str) -> str:
    """The attribute a form field writes: the township's code goes to ``region_id``."""
    return "region_id" if name == "region" else name


@transaction.atomic
def filing_update_form(*, actor, filing_id: int, data: dict) -> Filing:
    """Save form fields of a draft or returned filing. ``data``: typed values, as
    ``registry.inputs.FILING_FORM`` reads them (the API's serializer and the pages' forms do)."""
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    _check_form(filing, data)
    changed = [k for k, v in data.items() if getattr(filing, _attname(k)) != v]
    if not changed:
        return filing
    for k in changed:
        setattr(filing, _attname(k), data[k])
    filing.version += 1
    filing.save(update_fields=[*changed, *void_commitment(filing, edited_fields_reason(changed)), "version",
                               "updated_at"])
    return filing


@transaction.atomic
def filing_set_classes(*, actor, filing_id: int, classes: list[dict]) -> Filing:
    """Replace the filing's classes. ``classes``: typed rows, as ``registry.inputs.CLASSES`` reads them."""
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    if filing.kind == FilingKind.TERMINATION:
        raise DomainError("invalid", "终止备案不需要填写班级。")
    if isinstance(classes, list) and len(classes) > MAX_CLASSES:
        raise DomainError("too_many_classes", f"一次备案最多填写 {MAX_CLASSES} 个班级。",
                          fields={"classes": [("too_many_classes", f"最多 {MAX_CLASSES} 个班级。")]})
    raise_if_any(check_parsed(CLASSES, {"classes": classes}), "班级信息有误，请检查标注的字段。")
    rows = []
    for item in classes:
        row = FilingClass(filing=filing, name=item.get("name", ""), class_type=item["class_type"],
                          planned_children=item["planned_children"], carers=item.get("carers", 0),
                          min_age_months=item.get("min_age_months"),
                          max_age_months=item.get("max_age_months"))
        rows.append(row)
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
    """Sign the commitment; ``signer`` typed, as ``registry.inputs.COMMITMENT`` reads it."""
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    raise_if_any(check_parsed(COMMITMENT, {"signer": signer}), "请填写承诺人姓名。")
    filing.commitment_signer = signer
    filing.commitment_accepted_at = timezone.now()
    filing.commitment_ip = ip or None
    filing.commitment_voided_at, filing.commitment_voided_reason = None, ""
    filing.version += 1
    filing.save(update_fields=[*COMMITMENT_FIELDS, *VOIDED_FIELDS, "version", "updated_at"])
    return filing
