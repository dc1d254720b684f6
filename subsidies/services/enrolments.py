"""Enrolments: checked, encrypted, masked; reveals audited (as a roster's ID numbers); the Excel
import is all-or-nothing with a report per row."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

from django.db import transaction
from django.utils import timezone

from accounts.models import AuthEventKind, User
from accounts.services import auth_event_record
from core import crypto
from core.errors import Conflict, DomainError, NotFound
from core.inputs import check_parsed, parse, raise_if_any
from core.permissions import require_role
from core.roles import MAY_REVEAL_PERSONAL
from core.scanning import scan_bytes
from registry.models import Institution

from .. import inputs, rules
from ..models import Enrolment
from ..selectors.enrolments import capacity_by_class, enrolled_between
from ..workflow import OPERATORS

MAX_IMPORT_ROWS = 2_000
IMPORT_COLUMNS = ("child_name", "id_number", "birth_date", "class_type", "enrolled_on", "left_on")
IMPORT_HEADERS = ("婴幼儿姓名", "身份证号", "出生日期", "班型", "入托日期", "离托日期")


def _birth_in_id(number: str) -> dt.date | None:
    try:
        return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def enrolment_rules(institution: Institution, data: dict) -> dict[str, list[tuple[str, str]]]:
    """Field errors of one enrolment's facts (typed values), before it meets the others."""
    errors: dict[str, list[tuple[str, str]]] = {}
    birth, start, end = data["birth_date"], data["enrolled_on"], data.get("left_on")
    if _birth_in_id(data["id_number"]) != birth:
        errors["birth_date"] = [("birth_date_mismatch", "出生日期与身份证号码不一致。")]
    if birth > timezone.localdate():
        errors["birth_date"] = [("birth_date_future", "出生日期不能晚于今天。")]
    if end is not None and end < start:
        errors["left_on"] = [("left_before_enrolled", "离托日期早于入托日期。")]
    if start < birth:
        errors["enrolled_on"] = [("enrolled_before_birth", "入托日期早于出生日期。")]
        return errors
    age = rules.claimable_age(birth, start)
    if age:
        message = "入托时未满6个月。" if age == "age_below_min" else "入托时已满36个月。"
        errors["enrolled_on"] = [(age, message)]
    elif not rules.class_fits_age(data["class_type"], birth, start):
        low, high = rules.CLASS_AGES[data["class_type"]]
        errors["class_type"] = [("class_age_mismatch",
                                 f"入托时 {rules.age_months(birth, start)} 个月，不符合该班型 {low}–{high} 个月的月龄范围。")]
    return errors


def _capacity_error(institution: Institution, enrolment: Enrolment) -> tuple[str, str] | None:
    """The first day on which this enrolment would put its class type over the filed slots."""
    slots = capacity_by_class(institution).get(enrolment.class_type, 0)
    end = enrolment.left_on or dt.date.max
    others = [e for e in enrolled_between(institution.pk, enrolment.enrolled_on, end)
              .filter(class_type=enrolment.class_type).only("enrolled_on", "left_on") if e.pk != enrolment.pk]
    candidates = sorted({enrolment.enrolled_on, *(e.enrolled_on for e in others if e.enrolled_on > enrolment.enrolled_on
                                                  and e.enrolled_on <= end)})
    for day in candidates:
        active = 1 + sum(1 for e in others if e.enrolled_on <= day and (e.left_on is None or e.left_on >= day))
        if active > slots:
            return ("over_capacity", f"{day:%Y-%m-%d} 起该班型在托 {active} 人，超过备案托位 {slots} 个。")
    return None


def _add(*, actor: User | None, institution: Institution, data: dict) -> Enrolment:
    errors = enrolment_rules(institution, data)
    if errors:
        raise DomainError(next(iter(errors.values()))[0][0], "在托信息有误。", fields=errors)
    number = data["id_number"]
    hashed = crypto.blind_index(number)
    end = data.get("left_on") or dt.date.max
    if enrolled_between(institution.pk, data["enrolled_on"], end).filter(id_number_hash=hashed).exists():
        raise Conflict("该婴幼儿在本机构已有重叠期间的在托记录。", code="enrolment_duplicate")
    enrolment = Enrolment(institution=institution, child_name=data["child_name"], birth_date=data["birth_date"],
                          class_type=data["class_type"], enrolled_on=data["enrolled_on"], left_on=data.get("left_on"),
                          created_by=actor)
    crypto.set_id_number(enrolment, number)
    over = _capacity_error(institution, enrolment)
    if over:
        raise DomainError("over_capacity", over[1], fields={"class_type": [over]})
    enrolment.save()
    return enrolment


def _institution_for_writing(actor: User, institution_id: int) -> Institution:
    # Lock the institution: two enrolments added at once see each other in the capacity check.
    institution = Institution.objects.select_for_update(of=("self",)).filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, OPERATORS, institution, message="只有机构举办者可以登记在托婴幼儿。")
    return institution


@transaction.atomic
def enrolment_create(*, actor: User, institution_id: int, data: dict) -> Enrolment:
    """One child, from typed values (``inputs.ENROLMENT``)."""
    raise_if_any(check_parsed(inputs.ENROLMENT, data, required=inputs.ENROLMENT_REQUIRED))
    institution = _institution_for_writing(actor, institution_id)
    return _add(actor=actor, institution=institution, data=data)


@transaction.atomic
def enrolment_leave(*, actor: User, enrolment_id: int, left_on: dt.date) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update(of=("self",)).filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("在托记录不存在或不在您的管辖范围内。")
    require_role(actor, OPERATORS, enrolment, message="只有机构举办者可以办理离托。")
    if left_on < enrolment.enrolled_on:
        raise DomainError("left_before_enrolled", "离托日期早于入托日期。", fields={"left_on": ["早于入托日期。"]})
    enrolment.left_on = left_on
    enrolment.save(update_fields=["left_on", "updated_at"])
    return enrolment


def enrolment_reveal_id_number(*, actor: User, enrolment_id: int, request=None) -> str:
    """The full ID number, for roles that may see it; every reveal is written to the security log."""
    enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None:
        raise NotFound("在托记录不存在或不在您的管辖范围内。")
    require_role(actor, MAY_REVEAL_PERSONAL, enrolment, message="您的角色不能查看完整身份证号码。")
    auth_event_record(kind=AuthEventKind.REVEAL, user=actor, request=request,
                      target=f"subsidies.enrolment:{enrolment.pk}:id_number", district_id=enrolment.district_id)
    return enrolment.id_number


# --- Excel import --------------------------------------------------------------------------------------

def _cell(value):
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


CLASS_TYPE_BY_LABEL = {}


def _class_type(value):
    from registry.models import ClassType

    if not CLASS_TYPE_BY_LABEL:
        for code, label in ClassType.choices:
            CLASS_TYPE_BY_LABEL[str(label).split("（")[0]] = code
    return CLASS_TYPE_BY_LABEL.get(value, value) if isinstance(value, str) else value


def read_workbook(content: bytes) -> list[dict]:
    """The rows of the first sheet (a header row, then one child per row) as raw dicts."""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(BytesIO(content), read_only=True, data_only=True).worksheets[0]
    except Exception:
        raise DomainError("file_invalid", "无法读取该 Excel 文件（应为 .xlsx）。") from None
    rows = []
    for i, values in enumerate(sheet.iter_rows(values_only=True)):
        if i == 0:
            continue
        if values is None or all(v in (None, "") for v in values):
            continue
        if len(rows) >= MAX_IMPORT_ROWS:
            raise DomainError("too_many_rows", f"一次最多导入 {MAX_IMPORT_ROWS} 行，请分批导入。")
        cells = [_cell(v) for v in (*values, *([None] * len(IMPORT_COLUMNS)))[:len(IMPORT_COLUMNS)]]
        row = dict(zip(IMPORT_COLUMNS, cells, strict=True))
        row["class_type"] = _class_type(row["class_type"])
        rows.append({"row": i + 1, "data": row})
    return rows


def enrolment_import(*, actor: User, institution_id: int, content: bytes) -> dict:
    """Import every row or none: each row is read with the API's parsers and added with the same
    checks (against the rows before it too); any refused row rolls the whole file back.
    Returns ``{"imported": n, "rows": [{"row", "ok", "errors"}]}``; raises ``import_refused`` with
    the same report when a row is refused."""
    scan_bytes(content)  # ClamAV, when configured: upload_infected / upload_scan_unavailable
    rows = read_workbook(content)
    if not rows:
        raise DomainError("file_empty", "文件中没有数据行。")
    report: list[dict] = []
    try:
        with transaction.atomic():
            institution = _institution_for_writing(actor, institution_id)
            for item in rows:
                try:
                    data = parse(inputs.ENROLMENT, item["data"], required=inputs.ENROLMENT_REQUIRED)
                    with transaction.atomic():
                        _add(actor=actor, institution=institution, data=data)
                    report.append({"row": item["row"], "ok": True, "errors": {}})
                except DomainError as exc:
                    if exc.status_code == 404:
                        raise
                    fields = exc.fields_as_dicts() or {"": [{"code": exc.code, "message": exc.message}]}
                    report.append({"row": item["row"], "ok": False, "errors": fields})
            if not all(r["ok"] for r in report):
                raise _Refused
    except _Refused:
        bad = sum(1 for r in report if not r["ok"])
        error = DomainError("import_refused", f"共 {len(report)} 行，{bad} 行有误，未导入任何记录。")
        error.report = report
        raise error from None
    return {"imported": len(report), "rows": report}


class _Refused(Exception):
    pass
