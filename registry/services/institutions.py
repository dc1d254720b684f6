"""Institution writes: registrations pushed by registration authorities, operator sign-up and claims.

A registration authority (编办/民政/市场监管) pushes each registration by credit code; the push is
idempotent on the code (a second push updates the registration, and the institution's facts
while it has never been filed). An operator signs up, claims the institution by its credit code,
and the district confirms the claim, which grants the ``operator`` assignment.
"""

from __future__ import annotations

import re
import uuid
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
from core.errors import DomainError, FieldError, InvalidTransition, NotFound, PermissionDenied
from core.inputs import check_parsed, raise_if_any
from core.permissions import acting_assignments, require_role
from core.validators import validate_mobile
from notifications.models import NotificationType
from notifications.services import notify_on_commit
from regions.models import Region

from ..inputs import (
    CLAIM as CLAIM_INPUT,
)
from ..inputs import (
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
    ClaimEvidenceKind,
    ClaimStatus,
    Institution,
    InstitutionClaim,
    InstitutionNature,
    InstitutionStatus,
    Registration,
)
from ..workflow import CLAIM, INSTITUTION, ClaimAction, InstitutionAction

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


def _clean_evidence(kind: str | None, uploaded_file) -> tuple[str, str, str]:
    """(kind, content type, extension) of a claim's evidence, or DomainError on field ``evidence``."""
    from .documents import validate_upload

    if kind not in ClaimEvidenceKind.values:
        raise DomainError("evidence_kind_invalid", "请选择证明材料类型：授权委托书，或法定代表人确认书。",
                          fields={"evidence_kind": [("evidence_kind_invalid", "请选择证明材料类型。")]})
    if uploaded_file is None:
        raise DomainError("evidence_required", "请上传证明材料：授权委托书或法定代表人确认书的扫描件（PDF、JPG 或 PNG）。",
                          fields={"evidence": [("evidence_required", "请上传证明材料。")]})
    try:
        content_type, ext = validate_upload(uploaded_file)
    except DomainError as exc:  # the same checks as filing documents, reported on this field
        raise DomainError(exc.code, exc.message, fields={"evidence": [(exc.code, exc.message)]}) from None
    return kind, content_type, ext


def _store_evidence(claim: InstitutionClaim, kind: str, content_type: str, ext: str, uploaded_file) -> None:
    """Put the evidence on the (unsaved or locked) claim; the file under a random name, never the user's."""
    from .documents import sha256_of, upload_name

    claim.evidence_kind, claim.evidence_content_type = kind, content_type
    claim.evidence_name, claim.evidence_size = upload_name(uploaded_file, ext), uploaded_file.size
    claim.evidence_sha256 = sha256_of(uploaded_file)
    claim.evidence_file.save(f"{uuid.uuid4().hex}.{ext}", uploaded_file, save=False)


EVIDENCE_FIELDS = ["evidence_kind", "evidence_file", "evidence_name", "evidence_content_type", "evidence_size",
                   "evidence_sha256"]


@transaction.atomic
def institution_claim(*, actor: User, uscc: str, facts: dict | None = None, evidence_kind: str | None = None,
                      evidence=None) -> InstitutionClaim:
    """Claim the institution with this credit code (pending until the district confirms).

    When no institution exists yet (no registration pushed), ``facts`` — the registration facts of
    the push contract (name, nature, legal_representative, address, district, registered_on,
    business_scope) — create it in status "registered"; without them the claim is refused.
    ``uscc`` and ``facts`` are typed, as ``registry.inputs.CLAIM`` reads them (the API's serializer
    and the claim page do); errors in the facts are named ``facts.<field>``.
    ``evidence`` (with ``evidence_kind``): the scan that shows the claimant may act for the
    institution; the district confirms only a claim that carries it (given here or attached later
    with ``claim_attach_evidence``).
    """
    conflict = role_conflict(user=actor, role=Role.OPERATOR)  # commission and machine accounts never claim
    if conflict is not None:
        raise conflict
    raise_if_any(check_parsed(CLAIM_INPUT, {"uscc": uscc, **({} if facts is None else {"facts": facts})},
                              required=("uscc",)))
    code = uscc
    checked = _clean_evidence(evidence_kind, evidence) if evidence is not None or evidence_kind else None
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
            screening.screen(INSTITUTION_DOOR, actor=actor, institution=institution, action="claim", claim=existing)
            if checked is not None and not existing.evidence_file:
                return claim_attach_evidence(actor=actor, claim_id=existing.pk, evidence_kind=evidence_kind,
                                             evidence=evidence)
            return existing
        claim = InstitutionClaim(institution=institution, user=actor)
        if checked is not None:
            _store_evidence(claim, *checked, evidence)
        try:
            claim.save()
        except Exception:
            if claim.evidence_file:
                claim.evidence_file.storage.delete(claim.evidence_file.name)
            raise
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
def claim_attach_evidence(*, actor: User, claim_id: int, evidence_kind: str, evidence) -> InstitutionClaim:
    """The claimant adds (or replaces) the evidence of their own pending claim."""
    with scopes_disabled():  # the claimant holds no scope over the institution yet
        claim = (InstitutionClaim.objects.select_for_update(of=("self",)).select_related("institution")
                 .filter(pk=claim_id, user=actor).first())
        if claim is None:
            raise NotFound("认领申请不存在。")
        if claim.status != ClaimStatus.PENDING:
            raise InvalidTransition(f"该认领申请已{claim.get_status_display()}，不能再更换证明材料。")
        checked = _clean_evidence(evidence_kind, evidence)
        old_name, storage = claim.evidence_file.name, claim.evidence_file.storage
        _store_evidence(claim, *checked, evidence)
        try:
            claim.save(update_fields=EVIDENCE_FIELDS)
        except Exception:
            storage.delete(claim.evidence_file.name)
            raise
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name) if storage.exists(old_name) else None)
    return claim


@transaction.atomic
def claim_confirm(*, actor: User, claim_id: int) -> InstitutionClaim:
    """pending → confirmed (``registry.workflow.CLAIM``): the claimant becomes the institution's operator."""
    claim = _locked_claim(claim_id)
    t = CLAIM.ensure_transition(claim, ClaimAction.CONFIRM, actor)
    if claim.user_id == actor.pk:
        raise PermissionDenied("不能确认本人提交的认领申请，请由本辖区其他审核人员处理。", code="own_claim")
    if not claim.evidence_file:
        raise DomainError("evidence_required", "申请人尚未上传授权委托书或法定代表人确认书，不能确认认领；"
                                               "可驳回并说明需补充的材料。", status_code=409)
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
    """Reject a pending claim; ``note`` (typed: ``registry.inputs.CLAIM_REJECT``) is required."""
    raise_if_any(check_parsed(CLAIM_REJECT, {"note": note}), "驳回认领申请必须说明原因。")
    claim = _locked_claim(claim_id)
    t = CLAIM.ensure_transition(claim, ClaimAction.REJECT, actor)
    claim.note = note
    claim.decided_by = actor
    claim.decided_at = timezone.now()
    CLAIM.apply(claim, t, actor=actor, update_fields=["note", "decided_by", "decided_at"], reason=claim.note)
    notify_on_commit(kind=NotificationType.CLAIM_REJECTED, recipients=[claim.user],
                     title=f"机构认领被驳回：{claim.institution.name}",
                     body=f"驳回原因：{claim.note}", link=reverse("registry:claim"))
    return claim


CONTACT_EDITORS = frozenset({Role.OPERATOR, Role.DISTRICT_ADMIN})  # the contact phone: the operator and the district


@transaction.atomic
def institution_update_contact(*, actor: User, institution_id: int, data: dict) -> Institution:
    """Update the contact phone (not a filed fact; everything filed changes by a change filing).
    ``data``: ``{"contact_phone"}`` typed, as ``registry.inputs.CONTACT`` reads it ("" clears it)."""
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, CONTACT_EDITORS, institution)
    raise_if_any(check_parsed(CONTACT, data, required=("contact_phone",)))
    institution.contact_phone = data["contact_phone"]
    institution.save(update_fields=["contact_phone", "updated_at"])
    return institution


# --- suspend / resume service (暂停服务) ------------------------------------------------------------

def _status_move(*, actor: User, institution_id: int, reason: str, action: str, verb: str, title: str,
                 body: str) -> Institution:
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    t = INSTITUTION.ensure_transition(institution, action, actor)
    label = INSTITUTION.action_label(action)
    raise_if_any(check_parsed(STATUS_REASON, {"reason": reason}), f"{label}必须说明原因（不超过 {REASON_MAX_LENGTH} 字）。")
    # The move writes its InstitutionEvent (with the reason); pghistory's row change carries them too.
    with pghistory.context(institution_action=verb, reason=reason):
        INSTITUTION.apply(institution, t, actor=actor, reason=reason)
    notify_on_commit(kind=verb, recipients=lambda: operators_of(institution.pk), title=f"{title}：{institution.name}",
                     body=f"{body}原因：{reason}", link=reverse("registry:operator_home"))
    return institution


@transaction.atomic
def institution_suspend(*, actor: User, institution_id: int, reason: str) -> Institution:
    """The district suspends a filed institution's service (已备案 → 暂停服务), with a reason
    (typed: ``registry.inputs.STATUS_REASON``)."""
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


__all__ = ["INSTITUTION_DOOR", "check_registration", "claim_attach_evidence", "claim_confirm", "claim_reject",
           "institution_claim", "institution_resume",
           "institution_suspend", "institution_update_contact", "operator_signup", "registration_push"]
