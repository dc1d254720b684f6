"""The registry's input fields, each read by one parser (``core.inputs``).

The API serializers (``registry.api.serializers``) and the page forms (``registry.forms``) read
input with these tables, so the same bad input gets the same code on both; the services take the
typed values and check them with ``core.inputs.check_parsed`` against the same tables, adding
their business rules (which fields a filing kind may change, dates in order, no duplicate person,
a district that exists, an enterprise's business scope with 托育).

Tables: ``FILING_FORM``, ``CLASSES``, ``STAFF`` (+ ``STAFF_END``), ``REGISTRATION`` (the push
contract; ``CLAIM`` reads the same facts under ``facts``), ``CONTACT``, ``STATUS_REASON``
(suspend/resume), ``CLAIM_REJECT``, ``RETURN`` (the return notice), ``REJECT`` (the non-compliance
decision: reasons and basis), ``COMMITMENT``.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

from core import inputs

from .limits import MAX_BASIS_LENGTH, MAX_CLASSES, MAX_QUALIFICATIONS, MAX_REASON_LENGTH, MAX_RETURN_REASONS
from .models import (
    ClassType,
    Education,
    Filing,
    FilingClass,
    FilingKind,
    Institution,
    InstitutionClaim,
    InstitutionKind,
    InstitutionNature,
    PremisesType,
    QualificationType,
    Registration,
    ServiceType,
    Staff,
    StaffQualification,
    StaffRole,
)

FEE_MAX_FEN = 100_000_000  # 1,000,000 yuan


def _max_length(model, name: str) -> int | None:
    return model._meta.get_field(name).max_length


def contact_phone(*, required: bool = False, model=Filing) -> inputs.Parser:
    """A mobile number (normalised to 11 digits) or a landline with its area code; ``phone_invalid``
    (``core.inputs.phone``, the model's column length)."""
    return inputs.phone(max_length=_max_length(model, "contact_phone"), required=required, label="联系电话")


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
    """A resident ID number (GB 11643), normalised (upper-case X); codes ``id_number_*``
    (``core.inputs.id_number``: the blacklist reads ID numbers with the same parser)."""
    return inputs.id_number()


def uscc() -> inputs.Parser:
    """A unified social credit code (GB 32100), normalised (upper case); codes ``uscc_*``
    (``core.inputs.uscc``, shared with the blacklist)."""
    return inputs.uscc()


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


# Where a childcare provider can be (WGS-84 / CGCS2000, as Tianditu's ``_w`` tiles): China's bounding box,
# Zengmu Ansha to Mohe and Pamir to the Wusu Li; six decimals (about 0.1 m). Filing form and public search.
CHINA_LATITUDE = ("3.8", "53.6")
CHINA_LONGITUDE = ("73.4", "135.1")


def latitude() -> inputs.Parser:
    """A latitude inside China's bounding box, six decimals (``value_invalid`` outside it)."""
    return inputs.decimal(low=CHINA_LATITUDE[0], high=CHINA_LATITUDE[1], places=6)


def longitude() -> inputs.Parser:
    """A longitude inside China's bounding box, six decimals (``value_invalid`` outside it)."""
    return inputs.decimal(low=CHINA_LONGITUDE[0], high=CHINA_LONGITUDE[1], places=6)


DISTRICT_RE = re.compile(r"^\d{6}(\d{3})?$")
DISTRICT_INVALID = "district_invalid"
DISTRICT_INVALID_MESSAGE = "区划代码无效：应为备案机关所在区县（或其下辖乡镇街道）的行政区划代码。"


def district_code(*, required: bool = True) -> inputs.Parser:
    """A region code: a district (6 digits) or a township (9); ``district_invalid``. Whether the
    region exists and belongs to a filing district is the service's check (same code)."""
    as_text = inputs.text(required=required, label="所在区划")

    def parse(value) -> str:
        code = as_text(value)
        if code and not DISTRICT_RE.match(code):
            raise ValidationError("区划代码应为 6 位（区县）或 9 位（乡镇街道）数字。", code=DISTRICT_INVALID)
        return code

    parse.required = required  # type: ignore[attr-defined]
    return parse


def _text(model, name: str, label: str, *, required: bool = False) -> inputs.Parser:
    return inputs.text(max_length=_max_length(model, name), required=required, label=label)


# A new filing: the institution and its kind (initial when absent).
FILING_CREATE: dict[str, inputs.Parser] = {
    "institution": inputs.integer(low=1, high=2**63 - 1, label="机构"),
    "kind": inputs.choice(FilingKind.choices, label="备案类型"),
}
# Optimistic locking: the version the page (or client) read.
VERSION: dict[str, inputs.Parser] = {"expected_version": inputs.integer(low=1, high=2**31 - 1, required=False)}

# The filing form (备案书): every field an operator fills in, whatever the filing kind.
FILING_FORM: dict[str, inputs.Parser] = {
    "name": _text(Filing, "name", "机构名称", required=True),
    "institution_kind": inputs.choice(InstitutionKind.choices, label="机构类型"),
    "address": _text(Filing, "address", "地址", required=True),
    "latitude": latitude(),
    "longitude": longitude(),
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
    # The upper bound is exclusive (children under it); above 36 is kept for the checklist to name.
    "max_age_months": inputs.integer(low=1, high=72, required=False, label="月龄上限"),
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


# The registration facts (the push contract; a claim without a pushed registration gives them as ``facts``).
REGISTRATION_FACTS: dict[str, inputs.Parser] = {
    "name": _text(Registration, "name", "名称", required=True),
    "nature": inputs.with_codes(
        inputs.choice(InstitutionNature.choices, label="机构性质"), {inputs.CHOICE_INVALID: "nature_invalid"},
        messages={inputs.CHOICE_INVALID: f"机构性质应为 {'、'.join(InstitutionNature.values)} 之一"
                                          "（事业单位、社会服务机构、企业）。"}),
    "legal_representative": _text(Registration, "legal_representative", "法定代表人", required=True),
    "address": _text(Registration, "address", "住所", required=True),
    "district": district_code(),
    "registered_on": inputs.with_codes(inputs.date(required=True, label="登记日期"),
                                       {inputs.VALUE_INVALID: "date_invalid"}),
    "business_scope": inputs.text(label="业务范围"),
}
REGISTRATION_FACTS_REQUIRED = ("name", "nature", "legal_representative", "address", "district", "registered_on")
REGISTRATION: dict[str, inputs.Parser] = {"uscc": uscc(), **REGISTRATION_FACTS}
REGISTRATION_REQUIRED = ("uscc", *REGISTRATION_FACTS_REQUIRED)

# A claim: the credit code, and the registration facts when none has been pushed.
CLAIM: dict[str, inputs.Parser] = {
    "uscc": uscc(),
    "facts": inputs.record(REGISTRATION_FACTS, required=REGISTRATION_FACTS_REQUIRED),
}
CLAIM_REJECT: dict[str, inputs.Parser] = {
    "note": inputs.with_codes(_text(InstitutionClaim, "note", "驳回原因", required=True),
                              {inputs.REQUIRED: "note_required"}),
}

# The institution's contact phone (not a filed fact: no change filing needed).
CONTACT: dict[str, inputs.Parser] = {"contact_phone": contact_phone(model=Institution)}

# Suspending or resuming an institution's service: the reason is required (``reason_*``).
REASON_MAX_LENGTH = 300
STATUS_REASON: dict[str, inputs.Parser] = {
    "reason": inputs.with_codes(inputs.text(max_length=REASON_MAX_LENGTH, required=True, label="原因"),
                                {inputs.REQUIRED: "reason_required", inputs.TOO_LONG: "reason_too_long"}),
}

# A return for correction: the reviewer's items (blank ones dropped; the failed checks are added
# by the service, which refuses a notice with no item at all: ``reasons_required``).
RETURN: dict[str, inputs.Parser] = {
    "reasons": inputs.text_list(max_items=MAX_RETURN_REASONS, max_length=MAX_REASON_LENGTH, label="退回事项"),
}

# A non-compliance decision (不予备案): every reason (blank ones dropped; none at all is
# ``reasons_required``, the service's rule) and the legal basis (``basis_required``).
REJECT: dict[str, inputs.Parser] = {
    "reasons": inputs.text_list(max_items=MAX_RETURN_REASONS, max_length=MAX_REASON_LENGTH, label="不予备案理由"),
    "basis": inputs.with_codes(inputs.text(max_length=MAX_BASIS_LENGTH, required=True, label="不予备案依据"),
                               {inputs.REQUIRED: "basis_required"},
                               messages={inputs.REQUIRED: "请填写不予备案的依据（如《托育机构设置标准（试行）》的相关条款）。"}),
}

COMMITMENT: dict[str, inputs.Parser] = {
    "signer": _text(Filing, "commitment_signer", "承诺人姓名", required=True),
}


def parse_filing_form(data: dict) -> dict:
    """The filing form from raw values (callers outside HTTP); raises DomainError per field."""
    return inputs.parse(FILING_FORM, data)


def parse_staff(data: dict, *, partial: bool = False) -> dict:
    """A roster row from raw values (callers outside HTTP); raises DomainError per field."""
    return inputs.parse(STAFF, data, required=() if partial else STAFF_REQUIRED)


def parse_registration(data: dict) -> dict:
    """A registration push from raw values (seed data, imports); raises DomainError per field."""
    return inputs.parse(REGISTRATION, data, required=REGISTRATION_REQUIRED)


def parse_return(data: dict) -> dict:
    """A return notice from raw values (callers outside HTTP)."""
    return inputs.parse(RETURN, data)


def parse_reject(data: dict) -> dict:
    """A non-compliance decision from raw values (callers outside HTTP)."""
    return inputs.parse(REJECT, data)


def parse_claim_facts(data: dict) -> dict:
    """A claim's registration facts from raw values (callers outside HTTP)."""
    return inputs.parse(REGISTRATION_FACTS, data, required=REGISTRATION_FACTS_REQUIRED)


__all__ = ["CHINA_LATITUDE", "CHINA_LONGITUDE", "CLAIM", "CLAIM_REJECT", "CLASS", "CLASSES", "COMMITMENT", "CONTACT", "DISTRICT_INVALID",
           "DISTRICT_INVALID_MESSAGE", "FILING_CREATE", "FILING_FORM", "QUALIFICATION", "REGISTRATION", "REGISTRATION_FACTS",
           "REGISTRATION_FACTS_REQUIRED", "REGISTRATION_REQUIRED", "REJECT", "RETURN", "STAFF", "STAFF_END", "STAFF_REQUIRED",
           "STATUS_REASON", "VERSION", "contact_phone", "district_code", "fees", "id_number", "latitude", "longitude", "parse_claim_facts",
           "parse_filing_form", "parse_registration", "parse_reject", "parse_return", "parse_staff", "region_code", "uscc"]
