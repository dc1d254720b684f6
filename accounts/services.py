"""Writes for users and role assignments. 三员分立 is enforced here, in one place."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from core.errors import DomainError
from regions.models import Region, RegionLevel

from .models import Assignment, AuthEvent, AuthEventKind, User
from .roles import (
    ADMINISTRATIVE_ROLES,
    ANY_REGION_SCOPED,
    CITY_SCOPED,
    COUNTRY_CODE,
    COUNTRY_SCOPED,
    DISTRICT_SCOPED,
    INSTITUTION_SCOPED,
    PROVINCE_SCOPED,
    Role,
)
from .selectors import role_conflict


def _resolve_scope(role: str, scope: str):
    """Return (region, institution) for a scope code: a region code, 000000, or an institution USCC."""
    from django_scopes import scopes_disabled

    from registry.models import Institution

    scope = (scope or "").strip().upper()
    if role in INSTITUTION_SCOPED:
        with scopes_disabled():
            institution = Institution.objects.filter(uscc=scope).first()
        if institution is None:
            raise DomainError("scope_not_found", f"找不到统一社会信用代码为 {scope} 的机构。",
                              fields={"scope": ["机构不存在。"]})
        return None, institution
    if scope == COUNTRY_CODE:
        if role not in ANY_REGION_SCOPED | COUNTRY_SCOPED:
            raise DomainError("scope_invalid", f"角色“{Role(role).label}”不能授予全国范围。",
                              fields={"scope": ["范围无效。"]})
        return None, None
    if role in COUNTRY_SCOPED:
        raise DomainError("scope_invalid", f"角色“{Role(role).label}”的范围只能是全国（{COUNTRY_CODE}）。",
                          fields={"scope": ["需要全国范围。"]})
    region = Region.objects.filter(code=scope).first()
    if region is None:
        raise DomainError("scope_not_found", f"找不到区划代码 {scope}。", fields={"scope": ["区划不存在。"]})
    if role in DISTRICT_SCOPED and not region.is_tenant:
        raise DomainError("scope_invalid", f"角色“{Role(role).label}”的范围必须是区县级（备案机关）区划。",
                          fields={"scope": ["需要区县级区划。"]})
    # Municipalities (北京、天津、上海、重庆) have no city level: their province code is the city scope.
    is_municipality = region.level == RegionLevel.PROVINCE and not region.children.filter(
        level=RegionLevel.CITY).exists()
    if role in CITY_SCOPED and region.level != RegionLevel.CITY and not is_municipality:
        raise DomainError("scope_invalid", f"角色“{Role(role).label}”的范围必须是地市级区划。",
                          fields={"scope": ["需要地市级区划。"]})
    if role in PROVINCE_SCOPED and region.level != RegionLevel.PROVINCE:
        raise DomainError("scope_invalid", f"角色“{Role(role).label}”的范围必须是省级区划。",
                          fields={"scope": ["需要省级区划。"]})
    if role in ANY_REGION_SCOPED and region.level == RegionLevel.TOWNSHIP and not region.is_tenant:
        raise DomainError("scope_invalid", "该角色的范围不能是乡镇街道。", fields={"scope": ["范围无效。"]})
    return region, None


@transaction.atomic
def assignment_grant(*, actor: User | None, user: User, role: str, scope: str) -> Assignment:
    if role not in Role.values:
        raise DomainError("role_invalid", f"未知角色：{role}。可用角色：{'、'.join(Role.values)}。",
                          fields={"role": ["角色无效。"]})
    # Lock the user row so two concurrent grants cannot both pass the separation check.
    User.objects.select_for_update().get(pk=user.pk)
    if role in ADMINISTRATIVE_ROLES:
        held = (Assignment.objects.filter(user=user, is_active=True, role__in=ADMINISTRATIVE_ROLES)
                .exclude(role=role).values_list("role", flat=True).first())
        if held:
            raise DomainError(
                "separation_of_duties",
                f"三员分立：该用户已担任“{Role(held).label}”，不能再担任“{Role(role).label}”。",
                fields={"role": ["与已有管理角色冲突。"]},
            )
    conflict = role_conflict(user=user, role=role)
    if conflict is not None:
        raise conflict
    region, institution = _resolve_scope(role, scope)
    existing = Assignment.objects.filter(user=user, role=role).filter(
        Q(institution=institution) if institution else Q(region=region, institution__isnull=True)).first()
    if existing:
        if not existing.is_active:
            existing.is_active = True
            existing.save(update_fields=["is_active"])
            api_tokens_revoke(user=user)  # a role change: tokens issued under the old roles die
        return existing
    if role in ADMINISTRATIVE_ROLES and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    assignment = Assignment.objects.create(user=user, role=role, region=region, institution=institution,
                                           granted_by=actor)
    api_tokens_revoke(user=user)  # a role change: tokens issued under the old roles die
    return assignment


# Django's own messages for some validators are not translated (the length one stays English).
_PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符。",
    "password_too_similar": "密码与用户名、姓名或邮箱太相似。",
    "password_too_common": "密码太常见，容易被猜中。",
    "password_entirely_numeric": "密码不能全是数字。",
    "password_too_few_classes": "密码须包含大写字母、小写字母、数字、其他符号中的至少 {min_classes} 类。",
    "password_reused": "不能与最近 {count} 次使用过的密码相同。",
}


def password_problems(password: str, user: User) -> list[str]:
    """What is wrong with ``password`` under AUTH_PASSWORD_VALIDATORS, in Chinese (empty: fine).

    The one password rule for the admin form, ``create_account`` and operator sign-up."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [_PASSWORD_MESSAGES[error.code].format(**(error.params or {}))
                if error.code in _PASSWORD_MESSAGES else " ".join(error.messages) for error in exc.error_list]
    return []


def _password_check(password: str, user: User) -> None:
    messages = password_problems(password, user)
    if messages:
        raise DomainError("password_invalid", "密码不符合要求：" + "".join(messages), fields={"password": messages})


@transaction.atomic
def account_create_or_grant(*, actor: User | None, username: str, password: str | None, role: str,
                            scope: str, display_name: str = "", phone: str = "",
                            email: str = "") -> tuple[User, Assignment, bool]:
    """Create the user with the assignment, or add the assignment to an existing user."""
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        if not password:
            raise DomainError("password_required", "新建账号必须设置密码。", fields={"password": ["必填。"]})
        # An account an administrator creates changes its password at the first sign-in (the
        # administrator knows it); a machine account has no pages to do it on.
        user = User(username=username, display_name=display_name or username, email=email,
                    is_machine=role == Role.REGISTRATION_AUTHORITY,
                    must_change_password=actor is not None and role != Role.REGISTRATION_AUTHORITY)
        if phone:
            user.set_phone(phone)
        _password_check(password, user)
        user.set_password(password)
        user.save()
    elif password and not user.check_password(password):  # the same password again (a re-run): nothing to do
        _password_check(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
    assignment = assignment_grant(actor=actor, user=user, role=role, scope=scope)
    return user, assignment, created


def auth_event_record(*, kind: str, user: User | None = None, username: str = "", request=None,
                      target: str = "", district_id: str | None = None) -> AuthEvent:
    """Append one security-log row.

    Events that carry only the name that was tried (failed or refused logins) are linked to the
    account that name belongs to, if any, so the auditors of that account's scope see them;
    names of no account stay unlinked (visible to country-level auditors only).
    """
    from core.audit import client_ip

    if (user is None or not user.pk) and username:
        user = User.objects.filter(username=username).first()
    return AuthEvent.objects.create(
        kind=kind, user=user if user is not None and user.pk else None,
        username=username or (user.username if user is not None else ""),
        ip=client_ip(request) if request is not None else None,
        path=request.path[:300] if request is not None else "",
        target=target, district_id=district_id,
    )




@transaction.atomic
def api_token_issue(*, user: User, request=None):
    """The user's API token: the current one while it lives, a new one once it has expired
    (``accounts.authentication``). Recorded in the security log."""
    from rest_framework.authtoken.models import Token

    from .authentication import token_expired

    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and token_expired(token):
        token.delete()
        token = None
    if token is None:
        token = Token.objects.create(user=user)
    auth_event_record(kind=AuthEventKind.TOKEN_ISSUED, user=user, request=request)
    return token


@transaction.atomic
def api_tokens_revoke(*, user: User) -> int:
    """Delete the user's API tokens (at logout, page or API). Returns how many."""
    from rest_framework.authtoken.models import Token

    deleted, _ = Token.objects.filter(user=user).delete()
    return deleted


def assignment_scope_code(assignment: Assignment) -> str:
    """The scope code an assignment was granted with: institution USCC, region code or 000000."""
    if assignment.institution_id:
        return assignment.institution.uscc
    return assignment.region_id or COUNTRY_CODE


@transaction.atomic
def assignment_set_active(*, actor: User | None, assignment_id: int, active: bool) -> Assignment:
    """Revoke or restore an assignment; restoring re-runs the 三员分立 check of ``assignment_grant``."""
    assignment = Assignment.objects.select_for_update(of=("self",)).select_related("user", "institution").get(
        pk=assignment_id)
    if assignment.is_active == active:
        return assignment
    if active:
        return assignment_grant(actor=actor, user=assignment.user, role=assignment.role,
                                scope=assignment_scope_code(assignment))
    assignment.is_active = False
    assignment.save(update_fields=["is_active"])
    api_tokens_revoke(user=assignment.user)  # a role change: tokens issued under the old roles die
    return assignment


@transaction.atomic
def user_update(*, actor: User | None, user_id: int, display_name: str, email: str, is_active: bool) -> User:
    user = User.objects.select_for_update().get(pk=user_id)
    if actor is not None and actor.pk == user.pk and not is_active:
        raise DomainError("cannot_deactivate_self", "不能停用自己的账号。", fields={"is_active": ["不能停用自己。"]})
    user.display_name, user.email, user.is_active = display_name, email, is_active
    user.save(update_fields=["display_name", "email", "is_active"])
    if not is_active:
        api_tokens_revoke(user=user)
    return user


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str, request=None) -> User:
    """The user's own password change (the policy of ``accounts.passwords``); clears a forced change,
    ends the API tokens, records the event. Errors name the field (``old_password`` / ``new_password``)."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.check_password(old_password):
        raise DomainError("old_password_wrong", "原密码不正确。", fields={"old_password": ["原密码不正确。"]})
    if old_password == new_password:
        raise DomainError("password_invalid", "新密码不能与原密码相同。", fields={"new_password": ["新密码不能与原密码相同。"]})
    problems = password_problems(new_password, user)
    if problems:
        raise DomainError("password_invalid", "密码不符合要求：" + "".join(problems), fields={"new_password": problems})
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    api_tokens_revoke(user=user)
    auth_event_record(kind=AuthEventKind.PASSWORD_CHANGED, user=user, request=request)
    return user


__all__ = ["AuthEventKind", "account_create_or_grant", "api_token_issue", "api_tokens_revoke", "assignment_grant",
           "assignment_scope_code",
           "assignment_set_active", "auth_event_record", "password_change", "user_update"]
