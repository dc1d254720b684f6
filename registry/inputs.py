"""The registry's input fields, each read by one parser (``core.inputs``).

The API serializers (``registry.api.serializers``) and the page forms (``registry.forms``) read
input with these tables, so the same bad input gets the same code on both; the services take the
typed values and check them with ``core.inputs.check_parsed`` against the same tables, adding
their business rules (which fields a filing kind may change, dates in order, no duplicate person).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core import inputs
from core.validators import validate_id_number, validate_mobile

from .limits import MAX_CLASSES, MAX_QUALIFICATIONS
from .models import (
    ClassType,
    Education,
    Filing,
    FilingClass,
    InstitutionKind,
    PremisesType,
    QualificationType,
    ServiceType,
    Staff,
    StaffQualification,
    StaffRole,
)

_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
FEE_MAX_FEN = 100_000_000  # 1,000,000 yuan


def _max_length(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def contact_phone(*, required: bool = False) -> inputs.Parser:
    """A mobile number (normalised to 11 digits) or a landline with its area code."""
    as_text = inputs.text(max_length=_max_length(Filing, "contact_phone"), required=required, label="联系电话")

    def parse(value) -> str:
        phone = as_text(value)
        if not phone or _LANDLINE_RE.match(phone):
            return phone
        try:
            return validate_mobile(phone)
        except ValidationError:
            raise ValidationError("请输入有效的手机号或固定电话（如 0571-88888888）。", code="phone_invalid") from None

    parse.required = required  # type: ignore[attr-defined]
    return parse


def fees() -> inputs.Parser:
    """``{service type: fen}``: the charge per month (hourly/occasional: per hour/day), in fen."""
    amount = inputs.integer(low=0, high=FEE_MAX_FEN)

    def parse(value) -> dict[str, int]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ValidationError("收费标准应为「服务类型 → 金额（分）」。", code=inputs.VALUE_INVALID)
        out = {}
        for key, fen in value.items():
            if key not in ServiceType.values:
                raise ValidationError(f"未知服务类型「{key}」。", code=inputs.CHOICE_INVALID)
            out[key] = amount(fen)
        return out

    parse.required = False  # type: ignore[attr-defined]
    return parse


def id_number() -> inputs.Parser:
    """A resident ID number (GB 11643), normalised (upper-case X); codes ``id_number_*``."""
    def parse(value) -> str:
        if not isinstance(value, str):
            raise ValidationError("居民身份证号码应为 18 位（最后一位可为 X）。", code="id_number_format")
        return validate_id_number(value)

    parse.required = True  # type: ignore[attr-defined]
    return parse


def region_code(*, label: str = "") -> inputs.Parser:
    """A region code (GB/T 2260: 6 digits, a township 9 or 12); whether it exists, and lies in the
    filing district, is the service's rule."""
    def parse(value) -> str:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise ValidationError(f"请选择{label or '区划'}。", code=inputs.REQUIRED)
        if not isinstance(value, str) or not re.fullmatch(r"\d{6}(\d{3}){0,2}", value.strip()):
            raise ValidationError("区划代码应为 6 位、9 位或 12 位数字。", code=inputs.VALUE_INVALID)
        return value.strip()

    parse.required = True  # type: ignore[attr-defined]
    return parse


def _text(model, name: str, label: str, *, required: bool = False) -> inputs.Parser:
    return inputs.text(max_length=_max_length(model, name), required=required, label=label)


# The filing form (备案书): every field an operator fills in, whatever the filing kind.
FILING_FORM: dict[str, inputs.Parser] = {
    "name": _text(Filing, "name", "机构名称", required=True),
    "institution_kind": inputs.choice(InstitutionKind.choices, label="机构类型"),
    "address": _text(Filing, "address", "地址", required=True),
    "latitude": inputs.decimal(low=-90, high=90, places=6),
    "longitude": inputs.decimal(low=-180, high=180, places=6),
    "region": region_code(label="所在乡镇（街道）"),
    "legal_representative": _text(Filing, "legal_representative", "法定代表人", required=True),
    "principal_name": _text(Filing, "principal_name", "负责人", required=True),
    "contact_phone": contact_phone(required=True),
    "service_types": inputs.choice_list(ServiceType.choices, required=True, label="服务类型"),
    "total_slots": inputs.integer(low=0, high=100_000, label="托位数"),
    "building_area": inputs.decimal(low=0, high=99_999_999, places=2),
    "outdoor_area": inputs.decimal(low=0, high=99_999_999, places=2),
    "opening_hours": _text(Filing, "opening_hours", "服务时间"),
    "fees": fees(),
    "meals_served": inputs.boolean(),
    "premises_type": inputs.choice(PremisesType.choices, required=False, label="场地性质"),
    "lease_start": inputs.date(label="租赁起始日期"),
    "lease_end": inputs.date(label="租赁截止日期"),
    "hygiene_evaluation_passed": inputs.boolean(),
    "termination_date": inputs.date(required=True, label="终止日期"),
    "placement_plan": inputs.text(required=True, label="在托婴幼儿安置方案"),
    "staff_settlement_plan": inputs.text(required=True, label="工作人员安置方案"),
}

CLASS: dict[str, inputs.Parser] = {
    "class_type": inputs.choice(ClassType.choices, label="班型"),
    "planned_children": inputs.integer(low=1, high=100, label="计划收托人数"),
    "carers": inputs.integer(low=0, high=50, label="保育人员数"),
    "name": _text(FilingClass, "name", "班级名称"),
    "min_age_months": inputs.integer(low=0, high=36, required=False, label="最小月龄"),
}
# The whole class list of a filing (replaced at once).
CLASSES: dict[str, inputs.Parser] = {
    "classes": inputs.list_of(CLASS, required=("class_type", "planned_children"), max_items=MAX_CLASSES),
}

QUALIFICATION: dict[str, inputs.Parser] = {
    "type": inputs.choice(QualificationType.choices, label="证书类型"),
    "number": _text(StaffQualification, "number", "证书编号", required=True),
    "expires_on": inputs.date(label="有效期"),
}

# A roster row. Create (and PUT) needs STAFF_REQUIRED; an edit may send any subset.
STAFF: dict[str, inputs.Parser] = {
    "name": _text(Staff, "name", "姓名", required=True),
    "id_number": id_number(),
    "role": inputs.choice(StaffRole.choices, label="岗位"),
    "education": inputs.choice(Education.choices, required=False, label="学历"),
    "years_experience": inputs.integer(low=0, high=60, label="从业年限"),
    "health_certificate_date": inputs.date(label="健康合格证明日期"),
    "criminal_record_checked": inputs.boolean(),
    "criminal_record_checked_on": inputs.date(label="无犯罪记录证明日期"),
    "start_date": inputs.date(required=True, label="入职日期"),
    "end_date": inputs.date(label="离职日期"),
    "qualifications": inputs.list_of(QUALIFICATION, required=("type", "number"), max_items=MAX_QUALIFICATIONS),
}
STAFF_REQUIRED = ("name", "id_number", "role", "start_date")
STAFF_END: dict[str, inputs.Parser] = {"end_date": inputs.date(required=True, label="离职日期")}


def parse_filing_form(data: dict) -> dict:
    """The filing form from raw values (callers outside HTTP); raises DomainError per field."""
    return inputs.parse(FILING_FORM, data)


def parse_staff(data: dict, *, partial: bool = False) -> dict:
    """A roster row from raw values (callers outside HTTP); raises DomainError per field."""
    return inputs.parse(STAFF, data, required=() if partial else STAFF_REQUIRED)


__all__ = ["CLASS", "CLASSES", "FILING_FORM", "QUALIFICATION", "STAFF", "STAFF_END", "STAFF_REQUIRED", "contact_phone", "fees",
           "id_number", "parse_filing_form", "parse_staff", "region_code"]
