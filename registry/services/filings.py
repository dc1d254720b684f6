"""Filing writes (备案, 变更备案, 终止备案): form, classes, commitment and the workflow actions.

Every state change goes through ``registry.workflow`` (one transition table): the row is locked
with ``select_for_update``, the version compared, the move checked against the table and the
actor's role, an event row written, and notifications sent on commit.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from accounts.models import Assignment
from accounts.roles import REVIEWERS, Role
from core.errors import DomainError, FieldError, NotFound
from core.validators import validate_mobile
from core.workdays import add_working_days
from regions.policy import policy_values

from .. import rules
from ..models import (
    ClassType,
    Filing,
    FilingClass,
    FilingEvent,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionKind,
    InstitutionStatus,
    PremisesType,
    ReceiptSequence,
    ServiceType,
    Staff,
)
from ..selectors.filings import pending_termination_date
from ..workflow import (
    OPEN_STATES,
    OPERATORS,
    FilingAction,
    apply,
    ensure_editable,
    ensure_transition,
)

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


# --- helpers ---------------------------------------------------------------------------------------

def _copy_tenant(obj, source) -> None:
    obj.region_id, obj.province_id = source.region_id, source.province_id
    obj.city_id, obj.district_id = source.city_id, source.district_id


def _locked_filing(filing_id: int) -> Filing:
    filing = Filing.objects.locked().filter(pk=filing_id).first()
    if filing is None:
        raise NotFound("备案不存在或不在您的管辖范围内。")
    return filing


def _locked_for_transition(filing_id: int, expected_version: int | None) -> tuple[Filing, int | None]:
    # The version seen before waiting for the lock: if another reviewer moved the filing while we
    # waited, we answer Conflict rather than acting on a row we did not look at.
    seen = Filing.objects.filter(pk=filing_id).values_list("version", flat=True).first()
    filing = _locked_filing(filing_id)
    return filing, expected_version if expected_version is not None else seen


def _record(filing: Filing, *, actor, action: str, from_status: str, reason: str = "", items=None) -> FilingEvent:
    event = FilingEvent(filing=filing, action=action, from_status=from_status, to_status=filing.status,
                        actor=actor, reason=reason, items=list(items or []))
    _copy_tenant(event, filing)
    event.save()
    return event


def filing_link(filing: Filing, *, for_reviewer: bool = False) -> str:
    name = "registry:review_detail" if for_reviewer else "registry:filing_detail"
    try:
        return reverse(name, args=[filing.pk])
    except (NoReverseMatch, ImportError):  # pages not wired (yet): a link must never block a transition
        return f"/registry/{'review' if for_reviewer else 'filings'}/{filing.pk}/"


def _operators_of(institution_id: int) -> list:
    return [a.user for a in Assignment.objects.filter(role=Role.OPERATOR, institution_id=institution_id,
                                                      is_active=True, user__is_active=True)
            .select_related("user")]


def _reviewers_of(district_id: str) -> list:
    seen, users = set(), []
    for a in (Assignment.objects.filter(role__in=REVIEWERS, region_id=district_id, is_active=True,
                                        user__is_active=True).select_related("user").order_by("id")):
        if a.user_id not in seen:
            seen.add(a.user_id)
            users.append(a.user)
    return users


def _notify_on_commit(*, recipients, verb: str, title: str, body: str, link: str) -> None:
    def send():
        from notifications.services import notify

        notify(users=recipients(), verb=verb, title=title, body=body, link=link)

    transaction.on_commit(send)


def termination_takes_effect(filing: Filing, today: dt.date) -> bool:
    """An accepted termination ends the institution on its termination date (at once if none)."""
    return filing.termination_date is None or filing.termination_date <= today


def policy_for(filing: Filing) -> rules.Policy:
    return rules.Policy.from_values(policy_values(filing.region))


def blacklist_hits(filing: Filing) -> tuple[str, ...] | None:
    """Hook for the supervision blacklist (rules.check_blacklist): listed persons on the roster or the
    institution itself. None until the supervision app provides its matcher (no check is shown)."""
    try:
        from supervision.selectors import blacklist_hits_for_filing  # type: ignore[import-not-found]
    except ImportError:
        return None
    return tuple(blacklist_hits_for_filing(filing=filing))


def _active_staff(institution_id: int, today: dt.date):
    from django.db.models import Q

    return (Staff.objects.filter(institution_id=institution_id, start_date__lte=today)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .prefetch_related("qualifications").order_by("role", "name", "id"))


def _class_summary(classes) -> list[str]:
    return [f"{rules.CLASS_LABELS.get(c.class_type, c.class_type)}"
            + (f"「{c.name}」" if c.name else "")
            + f" {c.planned_children}人/保育人员{c.carers}名" for c in classes]


def compute_changes(filing: Filing) -> dict[str, list]:
    """{field: [old, new]} of a change filing against the institution's current facts and classes."""
    institution = filing.institution
    current = {f: getattr(institution, f) for f in rules.DIFF_FIELDS}
    proposed = {f: getattr(filing, f) for f in rules.DIFF_FIELDS}
    changes = rules.diff(current, proposed)
    old_classes = _class_summary(institution.current_filing.classes.all()) if institution.current_filing_id else []
    new_classes = _class_summary(filing.classes.all())
    if sorted(old_classes) != sorted(new_classes):
        changes["classes"] = [old_classes, new_classes]
    return changes


def build_facts(filing: Filing, *, today: dt.date | None = None) -> rules.FilingFacts:
    today = today or timezone.localdate()
    staff = tuple(
        rules.StaffFacts(name=s.name, role=s.role, education=s.education, years_experience=s.years_experience,
                         health_certificate_date=s.health_certificate_date,
                         qualifications=tuple((q.type, q.expires_on) for q in s.qualifications.all()))
        for s in _active_staff(filing.institution_id, today))
    classes = tuple(rules.ClassPlan(c.class_type, c.planned_children, c.carers, c.name, c.min_age_months)
                    for c in filing.classes.all())
    return rules.FilingFacts(
        kind=filing.kind, institution_kind=filing.institution_kind, today=today, total_slots=filing.total_slots,
        classes=classes, staff=staff, documents=frozenset(filing.documents.values_list("doc_type", flat=True)),
        meals_served=filing.meals_served, premises_type=filing.premises_type, lease_start=filing.lease_start,
        lease_end=filing.lease_end, hygiene_evaluation_passed=filing.hygiene_evaluation_passed,
        commitment_signed=bool(filing.commitment_signer and filing.commitment_accepted_at),
        termination_date=filing.termination_date, placement_plan=filing.placement_plan,
        changes=compute_changes(filing) if filing.kind == FilingKind.CHANGE else {},
        blacklist_hits=blacklist_hits(filing),
    )


def filing_run_checks(*, filing: Filing) -> list[dict]:
    """Every applicable check as ``{"code","label","passed","reason"}``. Pure read; stores nothing."""
    return [c.as_dict() for c in rules.run_checks(build_facts(filing), policy_for(filing))]


def _raise_if_failed(checks: list[dict]) -> None:
    bad = rules.failed(checks)
    if bad:
        error = DomainError("checks_failed", f"备案不符合条件，共 {len(bad)} 项未通过，请补正后再提交。",
                            fields={"checks": [rules.notice_item(c) for c in bad]})
        error.checks = bad  # the full items, for pages that render them as a list
        raise error


# --- form validation ---------------------------------------------------------------------------------

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


# --- operator writes ---------------------------------------------------------------------------------

@transaction.atomic
def filing_create(*, actor, institution_id: int, kind: str = FilingKind.INITIAL) -> Filing:
    """Open a draft filing prefilled from the institution's current facts (one open filing at a time)."""
    if kind not in FilingKind.values:
        raise DomainError("invalid", "备案类型无效。", fields={"kind": ["备案类型无效。"]})
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    from core.permissions import require_role

    require_role(actor, OPERATORS, institution)
    if Filing.objects.filter(institution_id=institution.pk, status__in=OPEN_STATES).exists():
        raise DomainError("open_filing_exists", "该机构已有一份未办结的备案，请先完成或撤回后再新建。",
                          status_code=409)
    allowed = {
        FilingKind.INITIAL: {InstitutionStatus.REGISTERED, InstitutionStatus.FILING},
        FilingKind.CHANGE: {InstitutionStatus.FILED},
        FilingKind.TERMINATION: {InstitutionStatus.FILED, InstitutionStatus.SUSPENDED},
    }[kind]
    if institution.status not in allowed:
        message = {
            FilingKind.INITIAL: "该机构已备案，如需变更请提交变更备案。",
            FilingKind.CHANGE: "只有已备案的机构可以办理变更备案。",
            FilingKind.TERMINATION: "只有已备案的机构可以办理终止备案。",
        }[kind]
        raise DomainError("institution_status", message, status_code=409)
    pending = pending_termination_date(institution_id=institution.pk)
    if pending is not None:
        raise DomainError("termination_pending", f"该机构已办理终止备案，将于 {pending:%Y年%m月%d日} 终止，不能再新建备案。",
                          status_code=409)

    filing = Filing(institution=institution, kind=kind, institution_kind=institution.kind, created_by=actor)
    _copy_tenant(filing, institution)
    for f in INSTITUTION_FACTS:
        setattr(filing, f, getattr(institution, f))
    current = institution.current_filing
    if current is not None:
        for f in FILING_ONLY_FACTS:
            setattr(filing, f, getattr(current, f))
    filing.save()
    if current is not None and kind != FilingKind.TERMINATION:
        rows = []
        for c in current.classes.all():
            row = FilingClass(filing=filing, name=c.name, class_type=c.class_type,
                              planned_children=c.planned_children, carers=c.carers, min_age_months=c.min_age_months)
            _copy_tenant(row, filing)
            rows.append(row)
        FilingClass.objects.bulk_create(rows)
    _record(filing, actor=actor, action=FilingAction.CREATE, from_status="")
    return filing


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
    filing.save(update_fields=[*changed, *void_commitment(filing), "version", "updated_at"])
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
    filing.save(update_fields=[*void_commitment(filing), "version", "updated_at"])
    return filing


COMMITMENT_FIELDS = ["commitment_signer", "commitment_accepted_at", "commitment_ip"]


def void_commitment(filing: Filing) -> list[str]:
    """A signature covers the content as it was signed: any later edit voids it, so the operator
    signs again before (re)submitting. Returns the fields to save."""
    if filing.commitment_accepted_at is None and not filing.commitment_signer:
        return []
    filing.commitment_signer, filing.commitment_accepted_at, filing.commitment_ip = "", None, None
    return list(COMMITMENT_FIELDS)


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
    filing.version += 1
    filing.save(update_fields=["commitment_signer", "commitment_accepted_at", "commitment_ip", "version",
                               "updated_at"])
    return filing


# --- workflow actions --------------------------------------------------------------------------------

def _staff_snapshot(filing: Filing) -> list[dict]:
    return [{"name": s.name, "role": s.role, "id_number_masked": s.id_number_masked,
             "id_number_hash": s.id_number_hash, "education": s.education, "years_experience": s.years_experience,
             "health_certificate_date": s.health_certificate_date.isoformat() if s.health_certificate_date else None}
            for s in _active_staff(filing.institution_id, timezone.localdate())]


@transaction.atomic
def filing_submit(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    """draft → submitted, returned → resubmitted; refused with ``checks_failed`` while a check fails."""
    filing, expected = _locked_for_transition(filing_id, expected_version)
    action = FilingAction.RESUBMIT if filing.status == FilingStatus.RETURNED else FilingAction.SUBMIT
    t = ensure_transition(filing, action, actor, expected_version=expected)
    checks = filing_run_checks(filing=filing)
    if t.requires_checks:
        _raise_if_failed(checks)
    policy = policy_for(filing)
    now = timezone.now()
    filing.submitted_at = now
    filing.due_at = add_working_days(now, policy.review_working_days, filing.region)
    filing.notice_due_at = add_working_days(now, policy.notice_working_days, filing.region)
    filing.staff_snapshot = _staff_snapshot(filing)
    filing.check_results = checks
    filing.changes = compute_changes(filing) if filing.kind == FilingKind.CHANGE else {}
    previous = apply(filing, t, update_fields=["submitted_at", "due_at", "notice_due_at", "staff_snapshot",
                                               "check_results", "changes"])
    if filing.kind == FilingKind.INITIAL:
        Institution.objects.filter(pk=filing.institution_id).exclude(status=InstitutionStatus.FILING).update(
            status=InstitutionStatus.FILING, updated_at=now)
    _record(filing, actor=actor, action=action, from_status=previous)
    district_id = filing.district_id
    verb = "filing_resubmitted" if action == FilingAction.RESUBMIT else "filing_submitted"
    _notify_on_commit(
        recipients=lambda: _reviewers_of(district_id), verb=verb,
        title=f"{filing.name}{'补正后重新提交' if action == FilingAction.RESUBMIT else '提交了'}"
              f"{filing.get_kind_display()}",
        body=f"请在 {timezone.localtime(filing.due_at):%Y年%m月%d日} 前完成审核。",
        link=filing_link(filing, for_reviewer=True))
    return filing


def next_receipt_no(*, district_id: str, year: int) -> str:
    """The next gap-free receipt number of a district and year; call inside the accept transaction."""
    ReceiptSequence.objects.bulk_create([ReceiptSequence(district_id=district_id, year=year, last_number=0)],
                                        ignore_conflicts=True)
    seq = ReceiptSequence.objects.select_for_update().get(district_id=district_id, year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return f"{district_id}-{year}-{seq.last_number:05d}"


@transaction.atomic
def filing_accept(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    """Issue the receipt: institution facts updated (or terminated), receipt number and PDFs stored."""
    from django.core.files.base import ContentFile

    from .receipts import notice_pdf_bytes, receipt_pdf_bytes

    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.ACCEPT, actor, expected_version=expected)
    checks = filing_run_checks(filing=filing)
    if t.requires_checks:
        _raise_if_failed(checks)
    now = timezone.now()
    institution = Institution.objects.locked().get(pk=filing.institution_id)
    filing.decided_at, filing.decided_by, filing.check_results = now, actor, checks
    fields = ["decided_at", "decided_by", "check_results"]
    inst_fields = ["status", "updated_at"]
    today = timezone.localdate(now)
    terminates_now = filing.kind == FilingKind.TERMINATION and termination_takes_effect(filing, today)
    if filing.kind == FilingKind.TERMINATION:
        # A future termination date leaves the institution in service until that day (the daily
        # termination sweep, registry.services.sweeps, ends it then); today or past: at once.
        if terminates_now:
            institution.status = InstitutionStatus.TERMINATED
    else:
        filing.receipt_no = next_receipt_no(district_id=filing.district_id, year=timezone.localtime(now).year)
        fields.append("receipt_no")
        for f in INSTITUTION_FACTS:
            setattr(institution, f, getattr(filing, f))
        institution.kind = filing.institution_kind
        if institution.status != InstitutionStatus.SUSPENDED:  # a change accepted while suspended stays so
            institution.status = InstitutionStatus.FILED
        institution.current_filing = filing
        institution.receipt_no = filing.receipt_no
        if filing.kind == FilingKind.INITIAL or institution.filed_on is None:
            institution.filed_on = timezone.localdate(now)
        inst_fields += [*INSTITUTION_FACTS, "kind", "current_filing", "receipt_no", "filed_on"]
    if filing.kind != FilingKind.TERMINATION:
        # Written inside the transaction: a rolled-back accept leaves at most an orphan file, never a
        # filing that points at a missing one (and never burns a receipt number).
        filing.receipt_pdf.save(f"{filing.receipt_no}-receipt.pdf", ContentFile(receipt_pdf_bytes(filing=filing)),
                                save=False)
        filing.notice_pdf.save(f"{filing.receipt_no}-notice.pdf", ContentFile(notice_pdf_bytes(filing=filing)),
                               save=False)
        fields += ["receipt_pdf", "notice_pdf"]
    previous = apply(filing, t, update_fields=fields)
    institution.save(update_fields=inst_fields)
    if filing.kind != FilingKind.TERMINATION:
        reason = f"备案回执编号 {filing.receipt_no}"
        title = f"{filing.name}的{filing.get_kind_display()}已通过，回执编号 {filing.receipt_no}"
    elif terminates_now:
        reason = "终止备案已办结，机构已终止"
        title = f"{filing.name}的终止备案已办结，机构已终止"
    else:
        reason = f"终止备案已办结，机构将于 {filing.termination_date:%Y年%m月%d日} 终止"
        title = f"{filing.name}的终止备案已通过，将于 {filing.termination_date:%Y年%m月%d日} 终止"
    _record(filing, actor=actor, action=FilingAction.ACCEPT, from_status=previous, reason=reason)
    institution_id = filing.institution_id
    _notify_on_commit(recipients=lambda: _operators_of(institution_id), verb="filing_accepted", title=title,
                      body="可在备案详情中下载备案回执和基本条件告知书。" if filing.receipt_no else "",
                      link=filing_link(filing))
    return filing


@transaction.atomic
def filing_return(*, actor, filing_id: int, reasons: list[str], expected_version: int | None = None) -> Filing:
    """Return for correction with every missing item in one notice (一次性告知): the reviewer's reasons
    plus every failed check, added automatically."""
    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.RETURN, actor, expected_version=expected)
    if isinstance(reasons, str):
        reasons = [reasons]
    items = [r.strip() for r in (reasons or []) if isinstance(r, str) and r.strip()]
    checks = filing_run_checks(filing=filing)
    for c in rules.failed(checks):
        line = rules.notice_item(c)
        if line not in items:
            items.append(line)
    if not items:
        raise DomainError("reasons_required", "请逐项填写需要补正的事项。", fields={"reasons": ["至少填写一项退回事项。"]})
    filing.return_reasons = items
    filing.check_results = checks
    filing.decided_by = actor
    previous = apply(filing, t, update_fields=["return_reasons", "check_results", "decided_by"])
    _record(filing, actor=actor, action=FilingAction.RETURN, from_status=previous,
            reason=f"一次性告知需补正事项共 {len(items)} 项", items=items)
    institution_id = filing.institution_id
    _notify_on_commit(recipients=lambda: _operators_of(institution_id), verb="filing_returned",
                      title=f"{filing.name}的{filing.get_kind_display()}被退回，需补正 {len(items)} 项",
                      body="\n".join(f"{i}. {line}" for i, line in enumerate(items, 1)), link=filing_link(filing))
    return filing


@transaction.atomic
def filing_withdraw(*, actor, filing_id: int) -> Filing:
    filing = _locked_filing(filing_id)
    t = ensure_transition(filing, FilingAction.WITHDRAW, actor)
    previous = apply(filing, t, update_fields=[])
    if filing.kind == FilingKind.INITIAL:
        Institution.objects.filter(pk=filing.institution_id, status=InstitutionStatus.FILING).update(
            status=InstitutionStatus.REGISTERED, updated_at=timezone.now())
    _record(filing, actor=actor, action=FilingAction.WITHDRAW, from_status=previous)
    institution_id, district_id = filing.institution_id, filing.district_id
    was_submitted = filing.submitted_at is not None  # the commission has seen it: tell its reviewers too
    title = f"{filing.name}的{filing.get_kind_display()}已撤回"
    _notify_on_commit(recipients=lambda: _operators_of(institution_id), verb="filing_withdrawn", title=title,
                      body=f"撤回人：{actor}。", link=filing_link(filing))
    if was_submitted:
        _notify_on_commit(recipients=lambda: _reviewers_of(district_id), verb="filing_withdrawn", title=title,
                          body="机构已撤回该备案，无需继续审核。", link=filing_link(filing, for_reviewer=True))
    return filing
