"""The operator's edits of a draft or returned filing: the form, the classes and the commitment.

Each write locks the filing, refuses it outside the editable states (``registry.workflow``),
checks its typed input against ``registry.inputs`` and the business rules, bumps the version and
voids an earlier signature (the signature covers what it saw).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, FieldError
from core.inputs import check_parsed, raise_if_any

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
FORM_FIELDS = ("name", "institution_kind", *INSTITUTION_FACTS[1:], *FILING_ONLY_FACTS, "termination_date",
               "placement_plan")
TERMINATION_FIELDS = ("termination_date", "placement_plan")


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
    raise_if_any(errors)


@transaction.atomic
def filing_update_form(*, actor, filing_id: int, data: dict) -> Filing:
    """Save form fields of a draft or returned filing. ``data``: typed values, as
    ``registry.inputs.FILING_FORM`` reads them (the API's serializer and the pages' forms do)."""
    filing = _locked_filing(filing_id)
    ensure_editable(filing, actor)
    _check_form(filing, data)
    changed = [k for k, v in data.items() if getattr(filing, k) != v]
    if not changed:
        return filing
    for k in changed:
        setattr(filing, k, data[k])
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
