"""Institution writes: registrations pushed by registration authorities, operator sign-up and claims.

A registration authority (编办/民政/市场监管) pushes each registration by credit code; the push is
idempotent on the code (a second push updates the registration, and the institution's facts
while it has never been filed). An operator signs up, claims the institution by its credit code,
and the district confirms the claim, which grants the ``operator`` assignment.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Assignment, User
from accounts.roles import Role
from accounts.selectors import operators_of, reviewers_of, role_conflict, scope_of
from accounts.services import assignment_grant
from core import screening
from core.errors import DomainError, FieldError, NotFound, PermissionDenied
from core.permissions import acting_assignments, require_role
from core.validators import validate_mobile, validate_uscc
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from regions.models import Region

from ..models import (
    ClaimStatus,
    Institution,
    InstitutionClaim,
    InstitutionNature,
    InstitutionStatus,
    Registration,
)
from ..workflow import CLAIM, INSTITUTION, ClaimAction, InstitutionAction

_LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
CHILDCARE_WORD = "托育"

# The door an institution passes when a registration is pushed for it or an operator claims it
# (``core.screening``), screened inside the write's transaction: nothing is refused here, a
# screener only flags (the supervision app records a blacklist hit for a listed organisation and
# tells its district). Facts: ``actor``; ``institution``; ``action`` ("registration_push" or
# "claim"); ``registration`` or ``claim``, the row written.
INSTITUTION_DOOR = "registry.institution"


class _Errors:
    """Collects field errors, each with its own code; raises one DomainError whose code is the first's."""

    def __init__(self) -> None:
        self.fields: dict[str, list[FieldError]] = {}
        self.first: tuple[str, str] | None = None

    def add(self, field: str, code: str, message: str) -> None:
        self.fields.setdefault(field, []).append(FieldError(code, message))
        if self.first is None:
            self.first = (code, message)

    def raise_if_any(self) -> None:
        if self.first is not None:
            code, message = self.first
            if len(self.fields) > 1:
                message = f"{message}（另有 {len(self.fields) - 1} 处错误，请检查标注的字段）"
            raise DomainError(code, message, fields=self.fields)


def _text(data: dict, key: str, errors: _Errors, *, label: str, max_length: int, required: bool = True) -> str:
    value = str(data.get(key) or "").strip()
    if required and not value:
        errors.add(key, "required", f"请填写{label}。")
    elif len(value) > max_length:
        errors.add(key, "too_long", f"{label}不能超过 {max_length} 个字。")
    return value


def _parse_date(value) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        return None


def clean_registration(data: dict[str, Any]) -> dict[str, Any]:
    """Validate the registration facts (the push contract). Returns cleaned values incl. ``region``."""
    errors = _Errors()
    out: dict[str, Any] = {}
    try:
        out["uscc"] = validate_uscc(str(data.get("uscc") or ""))
    except ValidationError as exc:
        errors.add("uscc", exc.code or "uscc_invalid", exc.messages[0])
    out["name"] = _text(data, "name", errors, label="名称", max_length=200)
    nature = str(data.get("nature") or "").strip()
    if nature not in InstitutionNature.values:
        errors.add("nature", "nature_invalid",
                   f"机构性质应为 {'、'.join(InstitutionNature.values)} 之一（事业单位、社会服务机构、企业）。")
    out["nature"] = nature
    out["legal_representative"] = _text(data, "legal_representative", errors, label="法定代表人", max_length=64)
    out["address"] = _text(data, "address", errors, label="住所", max_length=300)
    code = str(data.get("district") or "").strip()
    region = Region.objects.filter(code=code).first() if code else None
    if region is None or region.tenant_district_id is None:
        errors.add("district", "district_invalid",
                   "区划代码无效：应为备案机关所在区县（或其下辖乡镇街道）的行政区划代码。")
    out["region"] = region
    registered_on = _parse_date(data.get("registered_on")) if data.get("registered_on") else None
    if registered_on is None:
        errors.add("registered_on", "date_invalid", "登记日期应为 YYYY-MM-DD 格式的有效日期。")
    elif registered_on > timezone.localdate():
        errors.add("registered_on", "date_in_future", "登记日期不能晚于今天。")
    out["registered_on"] = registered_on
    out["business_scope"] = str(data.get("business_scope") or "").strip()
    if nature == InstitutionNature.ENTERPRISE and CHILDCARE_WORD not in out["business_scope"]:
        errors.add("business_scope", "business_scope_missing_childcare",
                   "企业的经营范围必须包含“托育服务”，否则不能作为托育机构登记备案。")
    errors.raise_if_any()
    return out


def _authority_covers(actor: User, region: Region) -> bool:
    return any(a.role == Role.REGISTRATION_AUTHORITY and scope_of(a).covers_region(region)
               for a in acting_assignments(actor))


# --- registration push -----------------------------------------------------------------------------

@transaction.atomic
def registration_push(*, actor: User, data: dict) -> tuple[Registration, bool]:
    """Create or update the registration for ``data["uscc"]`` (idempotent on the credit code)."""
    if not any(a.role == Role.REGISTRATION_AUTHORITY for a in acting_assignments(actor)):
        raise PermissionDenied("只有登记机关接口账号可以推送登记信息。")
    clean = clean_registration(data)
    region: Region = clean.pop("region")
    if not _authority_covers(actor, region):
        raise DomainError("district_out_of_scope", f"区划 {region.code}（{region}）不在本登记机关的管辖范围内。",
                          fields={"district": [("district_out_of_scope", "不在本接口账号的管辖范围内。")]})
    uscc = clean["uscc"]
    # A credit code is unique nationwide: the lookup crosses tenants on purpose.
    with scopes_disabled():
        # The institution is locked too: its save must not race a status move (core.workflow).
        registration = (Registration.objects.select_for_update(of=("self", "institution"))
                        .select_related("institution").filter(uscc=uscc).first())
        if registration is not None:
            _registration_update(registration, clean, region, actor)
            _screen_push(actor, registration)
            return registration, False
        try:
            with transaction.atomic():
                institution = Institution.objects.select_for_update().filter(uscc=uscc).first()
                if institution is None:
                    institution = Institution(uscc=uscc, status=InstitutionStatus.REGISTERED)
                    _apply_institution_facts(institution, clean, region, first=True)
                else:
                    # Created by a claim (or filed) without a registration: only an authority that
                    # covers where it already is may attach a registration (and move it, if unfiled).
                    _refuse_institution_out_of_scope(actor, institution)
                    _apply_institution_facts(institution, clean, region)
                institution.save()
                registration = Registration(institution=institution, pushed_by=actor, **clean)
                registration.set_region(region)
                registration.save()
        except IntegrityError:
            # A concurrent push of the same code won the insert: this one becomes its update.
            registration = Registration.objects.select_for_update(of=("self", "institution")).select_related(
                "institution").get(uscc=uscc)
            _registration_update(registration, clean, region, actor)
            _screen_push(actor, registration)
            return registration, False
        _screen_push(actor, registration)
    district_id = region.tenant_district_id
    notify_on_commit(kind=NotificationType.REGISTRATION_RECEIVED, recipients=lambda: reviewers_of(district_id),
                     title=f"收到登记信息：{clean['name']}",
                     body=f"{institution.registration_authority}推送了“{clean['name']}”（{uscc}）的登记信息，"
                          "该机构尚未备案。",
                     link=reverse("registry:institution_detail", args=[institution.pk]))
    return registration, True


def _screen_push(actor: User, registration: Registration) -> None:
    screening.screen(INSTITUTION_DOOR, actor=actor, institution=registration.institution,
                     action="registration_push", registration=registration)


def _never_filed(institution: Institution) -> bool:
    return institution.status == InstitutionStatus.REGISTERED and institution.current_filing_id is None


def _refuse_institution_out_of_scope(actor: User, institution: Institution) -> None:
    """An existing institution is moved (or given a registration) only by an authority covering its region."""
    if institution.region_id and not _authority_covers(actor, institution.region):
        raise DomainError(
            "district_out_of_scope",
            f"该统一社会信用代码的机构已在{institution.region}建立，不在本登记机关的管辖范围内，"
            "不能由本机关推送或迁入其他区划；请由机构所在地的登记机关推送。",
            fields={"district": [("district_out_of_scope", "机构现所在区划不在本接口账号的管辖范围内。")]})


def _apply_institution_facts(institution: Institution, clean: dict, region: Region, *, first: bool = False) -> list[str]:
    """Copy pushed facts onto the institution: all of them until it has been filed, then only the
    registration-only ones (its filed facts change through change filings)."""
    changed = ["nature", "registered_on", "business_scope"]
    institution.nature = clean["nature"]
    institution.registered_on = clean["registered_on"]
    institution.business_scope = clean["business_scope"]
    if first or _never_filed(institution):
        institution.name = clean["name"]
        institution.legal_representative = clean["legal_representative"]
        institution.address = clean["address"]
        institution.set_region(region)
        changed += ["name", "legal_representative", "address", "region", "province", "city", "district"]
    return changed


def _registration_update(registration: Registration, clean: dict, region: Region, actor: User) -> None:
    if not _authority_covers(actor, registration.region):
        raise DomainError("district_out_of_scope",
                          "该统一社会信用代码已由其他辖区登记，不在本登记机关的管辖范围内。",
                          fields={"district": [("district_out_of_scope", "不在本接口账号的管辖范围内。")]})
    if _never_filed(registration.institution):
        _refuse_institution_out_of_scope(actor, registration.institution)
    for key, value in clean.items():
        setattr(registration, key, value)
    registration.pushed_by = actor
    registration.push_count = F("push_count") + 1
    fields = [*clean.keys(), "pushed_by", "push_count", "updated_at"]
    institution = registration.institution
    if _never_filed(institution):
        registration.set_region(region)
        fields += ["region", "province", "city", "district"]
    registration.save(update_fields=fields)
    registration.refresh_from_db(fields=["push_count"])
    changed = _apply_institution_facts(institution, clean, region)
    institution.save(update_fields=[*changed, "updated_at"])


# --- operators and claims --------------------------------------------------------------------------

@transaction.atomic
def operator_signup(*, username: str, password: str, display_name: str, phone: str, email: str = "") -> User:
    """Self-service account for an institution's operator; it holds no role until a claim is confirmed."""
    from accounts.services import password_problems

    errors = _Errors()
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{3,150}", username):
        errors.add("username", "username_invalid", "用户名为 3–150 位字母、数字或 _ . @ + -。")
    elif User.objects.filter(username__iexact=username).exists():
        errors.add("username", "username_taken", "该用户名已被使用。")
    display_name = (display_name or "").strip()
    if not display_name:
        errors.add("display_name", "required", "请填写姓名。")
    try:
        phone = validate_mobile(phone)
    except ValidationError as exc:
        errors.add("phone", exc.code or "mobile_invalid", exc.messages[0])
    email = (email or "").strip()
    if email:
        from django.core.validators import validate_email

        try:
            validate_email(email)
        except ValidationError:
            errors.add("email", "email_invalid", "请输入有效的电子邮箱地址。")
    for message in password_problems(password or "", User(username=username)):
        errors.add("password", "password_invalid", message)
    errors.raise_if_any()
    user = User(username=username, display_name=display_name, email=email)
    user.set_phone(phone)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def institution_claim(*, actor: User, uscc: str, facts: dict | None = None) -> InstitutionClaim:
    """Claim the institution with this credit code (pending until the district confirms).

    When no institution exists yet (no registration pushed), ``facts`` — the registration facts of
    the push contract (name, nature, legal_representative, address, district, registered_on,
    business_scope) — create it in status "registered"; without them the claim is refused.
    """
    conflict = role_conflict(user=actor, role=Role.OPERATOR)  # commission and machine accounts never claim
    if conflict is not None:
        raise conflict
    try:
        code = validate_uscc(uscc)
    except ValidationError as exc:
        code = exc.code or "uscc_invalid"
        raise DomainError(code, exc.messages[0], fields={"uscc": [(code, exc.messages[0])]}) from None
    # The operator has no scope over the institution yet: finding it by code crosses tenants.
    with scopes_disabled():
        institution = Institution.objects.filter(uscc=code).first()
        if institution is None:
            if not facts:
                raise DomainError("institution_not_found",
                                  "尚未收到该统一社会信用代码的登记信息。请核对代码，或填写登记信息后提交认领。",
                                  fields={"uscc": [("institution_not_found", "未找到该机构的登记信息。")]})
            clean = clean_registration({**facts, "uscc": code})
            region = clean.pop("region")
            institution = Institution(uscc=code, status=InstitutionStatus.REGISTERED)
            _apply_institution_facts(institution, clean, region, first=True)
            institution.save()
        if Assignment.objects.filter(user=actor, role=Role.OPERATOR, institution=institution,
                                     is_active=True).exists():
            raise DomainError("already_operator", f"您已是“{institution.name}”的举办者/负责人账号。",
                              fields={"uscc": [("already_operator", "已认领。")]})
        existing = InstitutionClaim.objects.filter(institution=institution, user=actor,
                                                   status=ClaimStatus.PENDING).first()
        if existing is not None:
            screening.screen(INSTITUTION_DOOR, actor=actor, institution=institution, action="claim", claim=existing)
            return existing
        claim = InstitutionClaim(institution=institution, user=actor)
        claim.save()
        screening.screen(INSTITUTION_DOOR, actor=actor, institution=institution, action="claim", claim=claim)
    district_id = institution.district_id
    notify_on_commit(kind=NotificationType.CLAIM_SUBMITTED, recipients=lambda: reviewers_of(district_id),
                     title=f"机构认领待确认：{institution.name}",
                     body=f"{actor}申请认领“{institution.name}”（{code}），请核实后确认或驳回。",
                     link=reverse("registry:claim_list"))
    return claim


def _locked_claim(claim_id: int) -> InstitutionClaim:
    claim = (InstitutionClaim.objects.locked().select_related("institution", "user")
             .filter(pk=claim_id).first())
    if claim is None:
        raise NotFound("认领申请不存在或不在您的管辖范围内。")
    return claim


@transaction.atomic
def claim_confirm(*, actor: User, claim_id: int) -> InstitutionClaim:
    """pending → confirmed (``registry.workflow.CLAIM``): the claimant becomes the institution's operator."""
    claim = _locked_claim(claim_id)
    t = CLAIM.ensure_transition(claim, ClaimAction.CONFIRM, actor)
    if claim.user_id == actor.pk:
        raise PermissionDenied("不能确认本人提交的认领申请，请由本辖区其他审核人员处理。", code="own_claim")
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    CLAIM.apply(claim, t, actor=actor, update_fields=["decided_by", "decided_at"])
    assignment_grant(actor=actor, user=claim.user, role=Role.OPERATOR, scope=claim.institution.uscc)
    notify_on_commit(kind=NotificationType.CLAIM_CONFIRMED, recipients=[claim.user],
                     title=f"机构认领已确认：{claim.institution.name}",
                     body="您现在可以以举办者/负责人身份办理该机构的备案。", link=reverse("registry:operator_home"))
    return claim


@transaction.atomic
def claim_reject(*, actor: User, claim_id: int, note: str) -> InstitutionClaim:
    note = (note or "").strip()
    if not note:
        raise DomainError("note_required", "驳回认领申请必须说明原因。",
                          fields={"note": [("note_required", "请填写驳回原因。")]})
    claim = _locked_claim(claim_id)
    t = CLAIM.ensure_transition(claim, ClaimAction.REJECT, actor)
    claim.note = note[:300]
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    CLAIM.apply(claim, t, actor=actor, update_fields=["note", "decided_by", "decided_at"], reason=claim.note)
    notify_on_commit(kind=NotificationType.CLAIM_REJECTED, recipients=[claim.user],
                     title=f"机构认领被驳回：{claim.institution.name}",
                     body=f"驳回原因：{claim.note}", link=reverse("registry:claim"))
    return claim


@transaction.atomic
def institution_update_contact(*, actor: User, institution_id: int, data: dict) -> Institution:
    """Update the contact phone (not a filed fact; everything filed changes by a change filing)."""
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, {Role.OPERATOR, Role.DISTRICT_ADMIN}, institution)
    phone = str(data.get("contact_phone") or "").strip()
    if phone and not _LANDLINE_RE.match(phone):
        try:
            phone = validate_mobile(phone)
        except ValidationError:
            raise DomainError("phone_invalid", "联系电话应为 11 位手机号码或带区号的固定电话（如 0571-87654321）。",
                              fields={"contact_phone": [("phone_invalid", "电话号码无效。")]}) from None
    institution.contact_phone = phone
    institution.save(update_fields=["contact_phone", "updated_at"])
    return institution


# --- suspend / resume service (暂停服务) ------------------------------------------------------------

REASON_MAX_LENGTH = 300


def _status_move(*, actor: User, institution_id: int, reason: str, action: str, verb: str, title: str,
                 body: str) -> Institution:
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    t = INSTITUTION.ensure_transition(institution, action, actor)
    label = INSTITUTION.action_label(action)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("reason_required", f"{label}必须说明原因。",
                          fields={"reason": [("reason_required", f"请填写{label}原因。")]})
    if len(reason) > REASON_MAX_LENGTH:
        raise DomainError("reason_too_long", f"原因不能超过 {REASON_MAX_LENGTH} 个字。",
                          fields={"reason": [("reason_too_long", f"不能超过 {REASON_MAX_LENGTH} 个字。")]})
    # The move writes its InstitutionEvent (with the reason); pghistory's row change carries them too.
    with pghistory.context(institution_action=verb, reason=reason):
        INSTITUTION.apply(institution, t, actor=actor, reason=reason)
    notify_on_commit(kind=verb, recipients=lambda: operators_of(institution.pk), title=f"{title}：{institution.name}",
                     body=f"{body}原因：{reason}", link=reverse("registry:operator_home"))
    return institution


@transaction.atomic
def institution_suspend(*, actor: User, institution_id: int, reason: str) -> Institution:
    """The district suspends a filed institution's service (已备案 → 暂停服务), with a reason."""
    return _status_move(actor=actor, institution_id=institution_id, reason=reason,
                        action=InstitutionAction.SUSPEND, verb=NotificationType.INSTITUTION_SUSPENDED,
                        title="机构已被暂停服务",
                        body="所在区县卫生健康部门已暂停本机构的托育服务。")


@transaction.atomic
def institution_resume(*, actor: User, institution_id: int, reason: str) -> Institution:
    """The district lets a suspended institution resume (暂停服务 → 已备案), with a reason."""
    return _status_move(actor=actor, institution_id=institution_id, reason=reason,
                        action=InstitutionAction.RESUME, verb=NotificationType.INSTITUTION_RESUMED,
                        title="机构已恢复服务",
                        body="所在区县卫生健康部门已恢复本机构的托育服务。")


__all__ = ["INSTITUTION_DOOR", "claim_confirm", "claim_reject", "clean_registration", "institution_claim", "institution_resume",
           "institution_suspend", "institution_update_contact", "operator_signup", "registration_push"]
