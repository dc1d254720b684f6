"""Institution writes: registrations pushed by registration authorities, operator sign-up and claims.

A registration authority (编办/民政/市场监管) pushes each registration by credit code; the push is
idempotent on the code (a second push updates the registration, and the institution's facts
while it has never been filed). An operator signs up, claims the institution by its credit code,
and the district confirms the claim, which grants the ``operator`` assignment.
"""

from __future__ import annotations

import re
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Assignment, User
from accounts.roles import REVIEWERS, Role
from accounts.selectors import role_conflict, scope_of
from accounts.services import assignment_grant
from core.errors import DomainError, FieldError, InvalidTransition, NotFound, PermissionDenied
from core.inputs import check_parsed, raise_if_any
from core.permissions import acting_assignments, require_role
from core.validators import validate_mobile
from regions.models import Region

from ..inputs import (
    CLAIM,
    CLAIM_REJECT,
    CONTACT,
    DISTRICT_INVALID,
    DISTRICT_INVALID_MESSAGE,
    REASON_MAX_LENGTH,
    REGISTRATION,
    REGISTRATION_REQUIRED,
    STATUS_REASON,
)
from ..models import (
    ClaimStatus,
    Institution,
    InstitutionClaim,
    InstitutionNature,
    InstitutionStatus,
    Registration,
)

CHILDCARE_WORD = "托育"


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


def _registration_rules(facts: dict[str, Any]) -> tuple[dict[str, list[FieldError]], Region | None]:
    """The push contract's rules on typed facts (``registry.inputs.REGISTRATION_FACTS`` read them):
    the district exists and is (or lies in) a filing district, the registration is not dated in the
    future, an enterprise's business scope contains 托育. Returns the errors and the region."""
    errors: dict[str, list[FieldError]] = {}
    region = Region.objects.filter(code=facts["district"]).first() if facts.get("district") else None
    if facts.get("district") and (region is None or region.tenant_district_id is None):
        errors["district"] = [FieldError(DISTRICT_INVALID, DISTRICT_INVALID_MESSAGE)]
    if facts.get("registered_on") and facts["registered_on"] > timezone.localdate():
        errors["registered_on"] = [FieldError("date_in_future", "登记日期不能晚于今天。")]
    if (facts.get("nature") == InstitutionNature.ENTERPRISE
            and CHILDCARE_WORD not in (facts.get("business_scope") or "")):
        errors["business_scope"] = [FieldError("business_scope_missing_childcare",
                                               "企业的经营范围必须包含“托育服务”，否则不能作为托育机构登记备案。")]
    return errors, region


def check_registration(data: dict[str, Any]) -> tuple[dict[str, Any], Region]:
    """A push's typed values (as ``registry.inputs.REGISTRATION`` reads them: the API's serializer
    does; anything else — a date string, a lower-case credit code — is refused with the parser's
    code) and the push contract's rules. Returns the registration's columns (``business_scope``
    defaulted; the district becomes the region) and the region."""
    errors = check_parsed(REGISTRATION, data, required=REGISTRATION_REQUIRED)
    rules, region = _registration_rules({k: v for k, v in data.items() if k not in errors})
    raise_if_any({**errors, **rules})
    return {"business_scope": "", **{k: v for k, v in data.items() if k != "district"}}, region


def _authority_covers(actor: User, region: Region) -> bool:
    return any(a.role == Role.REGISTRATION_AUTHORITY and scope_of(a).covers_region(region)
               for a in acting_assignments(actor))


def _reviewers_of(district_id: str) -> list[User]:
    seen: set[int] = set()
    users = []
    for a in (Assignment.objects.filter(role__in=REVIEWERS, region_id=district_id, is_active=True,
                                        user__is_active=True).select_related("user").order_by("id")):
        if a.user_id not in seen:
            seen.add(a.user_id)
            users.append(a.user)
    return users


def _notify_on_commit(*, users, verb: str, title: str, body: str = "", link: str = "") -> None:
    def send():
        from notifications.services import notify

        notify(users=users() if callable(users) else users, verb=verb, title=title, body=body, link=link)

    transaction.on_commit(send)


# --- registration push -----------------------------------------------------------------------------

@transaction.atomic
def registration_push(*, actor: User, data: dict) -> tuple[Registration, bool]:
    """Create or update the registration for ``data["uscc"]`` (idempotent on the credit code)."""
    if not any(a.role == Role.REGISTRATION_AUTHORITY for a in acting_assignments(actor)):
        raise PermissionDenied("只有登记机关接口账号可以推送登记信息。")
    clean, region = check_registration(data)
    if not _authority_covers(actor, region):
        raise DomainError("district_out_of_scope", f"区划 {region.code}（{region}）不在本登记机关的管辖范围内。",
                          fields={"district": [("district_out_of_scope", "不在本接口账号的管辖范围内。")]})
    uscc = clean["uscc"]
    # A credit code is unique nationwide: the lookup crosses tenants on purpose.
    with scopes_disabled():
        registration = (Registration.objects.select_for_update(of=("self",)).select_related("institution")
                        .filter(uscc=uscc).first())
        if registration is not None:
            _registration_update(registration, clean, region, actor)
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
            registration = Registration.objects.select_for_update(of=("self",)).select_related(
                "institution").get(uscc=uscc)
            _registration_update(registration, clean, region, actor)
            return registration, False
    _notify_on_commit(users=lambda: _reviewers_of(region.tenant_district_id), verb="registration_received",
                      title=f"收到登记信息：{clean['name']}",
                      body=f"{institution.registration_authority}推送了“{clean['name']}”（{uscc}）的登记信息，"
                           "该机构尚未备案。")
    return registration, True


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
    ``uscc`` and ``facts`` are typed, as ``registry.inputs.CLAIM`` reads them (the API's serializer
    and the claim page do); errors in the facts are named ``facts.<field>``.
    """
    conflict = role_conflict(user=actor, role=Role.OPERATOR)  # commission and machine accounts never claim
    if conflict is not None:
        raise conflict
    raise_if_any(check_parsed(CLAIM, {"uscc": uscc, **({} if facts is None else {"facts": facts})},
                              required=("uscc",)))
    code = uscc
    # The operator has no scope over the institution yet: finding it by code crosses tenants.
    with scopes_disabled():
        institution = Institution.objects.filter(uscc=code).first()
        if institution is None:
            if not facts:
                raise DomainError("institution_not_found",
                                  "尚未收到该统一社会信用代码的登记信息。请核对代码，或填写登记信息后提交认领。",
                                  fields={"uscc": [("institution_not_found", "未找到该机构的登记信息。")]})
            errors, region = _registration_rules(facts)
            raise_if_any({f"facts.{name}": errs for name, errs in errors.items()})
            institution = Institution(uscc=code, status=InstitutionStatus.REGISTERED)
            _apply_institution_facts(institution, {"business_scope": "", **facts}, region, first=True)
            institution.save()
        if Assignment.objects.filter(user=actor, role=Role.OPERATOR, institution=institution,
                                     is_active=True).exists():
            raise DomainError("already_operator", f"您已是“{institution.name}”的举办者/负责人账号。",
                              fields={"uscc": [("already_operator", "已认领。")]})
        existing = InstitutionClaim.objects.filter(institution=institution, user=actor,
                                                   status=ClaimStatus.PENDING).first()
        if existing is not None:
            return existing
        claim = InstitutionClaim(institution=institution, user=actor)
        claim.save()
    district_id = institution.district_id
    _notify_on_commit(users=lambda: _reviewers_of(district_id), verb="claim_submitted",
                      title=f"机构认领待确认：{institution.name}",
                      body=f"{actor}申请认领“{institution.name}”（{code}），请核实后确认或驳回。",
                      link="/registry/claims/")
    return claim


def _locked_claim(claim_id: int) -> InstitutionClaim:
    claim = (InstitutionClaim.objects.locked().select_related("institution", "user")
             .filter(pk=claim_id).first())
    if claim is None:
        raise NotFound("认领申请不存在或不在您的管辖范围内。")
    return claim


@transaction.atomic
def claim_confirm(*, actor: User, claim_id: int) -> InstitutionClaim:
    claim = _locked_claim(claim_id)
    require_role(actor, REVIEWERS, claim)
    if claim.user_id == actor.pk:
        raise PermissionDenied("不能确认本人提交的认领申请，请由本辖区其他审核人员处理。", code="own_claim")
    if claim.status != ClaimStatus.PENDING:
        raise InvalidTransition(f"该认领申请已{claim.get_status_display()}，不能重复处理。")
    claim.status = ClaimStatus.CONFIRMED
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "decided_by", "decided_at"])
    assignment_grant(actor=actor, user=claim.user, role=Role.OPERATOR, scope=claim.institution.uscc)
    _notify_on_commit(users=[claim.user], verb="claim_confirmed", title=f"机构认领已确认：{claim.institution.name}",
                      body="您现在可以以举办者/负责人身份办理该机构的备案。", link="/registry/")
    return claim


@transaction.atomic
def claim_reject(*, actor: User, claim_id: int, note: str) -> InstitutionClaim:
    """Reject a pending claim; ``note`` (typed: ``registry.inputs.CLAIM_REJECT``) is required."""
    raise_if_any(check_parsed(CLAIM_REJECT, {"note": note}), "驳回认领申请必须说明原因。")
    claim = _locked_claim(claim_id)
    require_role(actor, REVIEWERS, claim)
    if claim.status != ClaimStatus.PENDING:
        raise InvalidTransition(f"该认领申请已{claim.get_status_display()}，不能重复处理。")
    claim.status = ClaimStatus.REJECTED
    claim.note = note
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    claim.save(update_fields=["status", "note", "decided_by", "decided_at"])
    _notify_on_commit(users=[claim.user], verb="claim_rejected", title=f"机构认领被驳回：{claim.institution.name}",
                      body=f"驳回原因：{claim.note}", link="/registry/claim/")
    return claim


@transaction.atomic
def institution_update_contact(*, actor: User, institution_id: int, data: dict) -> Institution:
    """Update the contact phone (not a filed fact; everything filed changes by a change filing).
    ``data``: ``{"contact_phone"}`` typed, as ``registry.inputs.CONTACT`` reads it ("" clears it)."""
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, {Role.OPERATOR, Role.DISTRICT_ADMIN}, institution)
    raise_if_any(check_parsed(CONTACT, data, required=("contact_phone",)))
    institution.contact_phone = data["contact_phone"]
    institution.save(update_fields=["contact_phone", "updated_at"])
    return institution


# --- suspend / resume service (暂停服务) ------------------------------------------------------------

def _operators_of(institution_id: int) -> list[User]:
    return [a.user for a in Assignment.objects.filter(role=Role.OPERATOR, institution_id=institution_id,
                                                      is_active=True, user__is_active=True)
            .select_related("user").order_by("id")]


def _status_move(*, actor: User, institution_id: int, reason: str, source: str, target: str, action: str,
                 verb: str, title: str, body: str) -> Institution:
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, REVIEWERS, institution)
    if institution.status != source:
        raise InvalidTransition(
            f"机构当前状态为“{institution.get_status_display()}”，只有“{InstitutionStatus(source).label}”的机构"
            f"可以{action}。")
    raise_if_any(check_parsed(STATUS_REASON, {"reason": reason}),
                 f"{action}必须说明原因（不超过 {REASON_MAX_LENGTH} 字）。")
    # The status change is recorded by pghistory; the reason and the action go into its context.
    with pghistory.context(institution_action=verb, reason=reason):
        institution.status = target
        institution.save(update_fields=["status", "updated_at"])
    _notify_on_commit(users=lambda: _operators_of(institution.pk), verb=verb, title=f"{title}：{institution.name}",
                      body=f"{body}原因：{reason}", link="/registry/")
    return institution


@transaction.atomic
def institution_suspend(*, actor: User, institution_id: int, reason: str) -> Institution:
    """The district suspends a filed institution's service (已备案 → 暂停服务), with a reason
    (typed: ``registry.inputs.STATUS_REASON``)."""
    return _status_move(actor=actor, institution_id=institution_id, reason=reason,
                        source=InstitutionStatus.FILED, target=InstitutionStatus.SUSPENDED, action="暂停服务",
                        verb="institution_suspended", title="机构已被暂停服务",
                        body="所在区县卫生健康部门已暂停本机构的托育服务。")


@transaction.atomic
def institution_resume(*, actor: User, institution_id: int, reason: str) -> Institution:
    """The district lets a suspended institution resume (暂停服务 → 已备案), with a reason."""
    return _status_move(actor=actor, institution_id=institution_id, reason=reason,
                        source=InstitutionStatus.SUSPENDED, target=InstitutionStatus.FILED, action="恢复服务",
                        verb="institution_resumed", title="机构已恢复服务",
                        body="所在区县卫生健康部门已恢复本机构的托育服务。")


__all__ = ["check_registration", "claim_confirm", "claim_reject", "institution_claim", "institution_resume",
           "institution_suspend", "institution_update_contact", "operator_signup", "registration_push"]
