"""Second factor (TOTP, RFC 6238) with django-otp: mandatory for every commission, administrative and
auditor role when ``settings.OTP_REQUIRED`` (on in production), optional for operators, never for
machine accounts (they have no pages; their tokens are bound to their registrations).

- Enrolment: an unconfirmed TOTP device, shown as a QR code (and its secret for manual entry); it is
  confirmed by the first code it produces, and ten single-use recovery codes are shown once.
- Every sign-in of such an account then needs a code (or a recovery code) before any page or API call;
  the API token endpoint asks for it as ``otp``.
- Only the security admin resets a user's devices (``otp_reset``: audited); the user enrols again.
- Wrong codes are throttled by django-otp per device and recorded in the security log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.errors import DomainError, NotFound, PermissionDenied
from core.roles import Role

from .models import AuthEventKind, User
from .selectors import scope_of, user_scope_q
from .services import auth_event_record

RECOVERY_CODES = 10
# Roles whose accounts must use a second factor (every role with pages but the operator's).
OTP_ROLES = frozenset(Role.values) - {Role.OPERATOR, Role.REGISTRATION_AUTHORITY}


def has_device(user) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


SESSION_HAS_DEVICE = "_otp_has_device"


def otp_required(user, session=None) -> bool:
    """This account must present a second factor: a role in ``OTP_ROLES`` (when OTP_REQUIRED), or an
    operator who opted in (has a confirmed device). With ``session``, whether the user has a device is
    read from it (set at sign-in, enrolment and opt-out) instead of a query per request."""
    if user.is_machine:
        return False
    if settings.OTP_REQUIRED and any(a.role in OTP_ROLES for a in user.active_assignments):
        return True
    if session is not None:
        if SESSION_HAS_DEVICE not in session:
            session[SESSION_HAS_DEVICE] = has_device(user)
        return bool(session[SESSION_HAS_DEVICE])
    return has_device(user)


def otp_may_opt_out(user) -> bool:
    return not (settings.OTP_REQUIRED and any(a.role in OTP_ROLES for a in user.active_assignments))


@transaction.atomic
def otp_enrol_start(*, user: User) -> TOTPDevice:
    """A fresh unconfirmed authenticator for ``user`` (earlier unconfirmed ones are discarded)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name="身份验证器", confirmed=False)


def otp_enrol_confirm(*, user: User, token: str, request=None) -> list[str]:
    """Confirm the pending authenticator with its first code; answers the recovery codes (shown once).
    A wrong code is recorded (outside the confirming transaction, so the record stays)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise DomainError("otp_no_pending_device", "没有待绑定的身份验证器，请重新开始绑定。")
    if not _clean(token) or not device.verify_token(_clean(token)):
        auth_event_record(kind=AuthEventKind.OTP_FAILED, user=user, request=request, target="enrol")
        raise DomainError("otp_invalid", "验证码不正确或已过期，请输入身份验证器上当前显示的 6 位数字。",
                          fields={"otp": ["验证码不正确。"]})
    return _enrol_commit(user=user, device_id=device.pk, request=request)


@transaction.atomic
def _enrol_commit(*, user: User, device_id: int, request=None) -> list[str]:
    device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=user, confirmed=False).first()
    if device is None:
        raise DomainError("otp_no_pending_device", "没有待绑定的身份验证器，请重新开始绑定。")
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    StaticDevice.objects.filter(user=user).delete()
    recovery = StaticDevice.objects.create(user=user, name="恢复码", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    auth_event_record(kind=AuthEventKind.OTP_ENROLLED, user=user, request=request)
    if request is not None:
        otp_login(request, device)
        request.session[SESSION_HAS_DEVICE] = True
    return codes


def otp_check(*, user: User, token: str, request=None):
    """The device that accepts ``token`` (a TOTP code or an unused recovery code, which is consumed),
    else a ``DomainError`` (recorded). With ``request``, the session is marked verified."""
    device = match_token(user, _clean(token)) if _clean(token) else None
    if device is None:
        auth_event_record(kind=AuthEventKind.OTP_FAILED, user=user, request=request)
        raise DomainError("otp_invalid", "验证码不正确或已过期。", fields={"otp": ["验证码不正确。"]})
    if request is not None:
        otp_login(request, device)
    return device


@transaction.atomic
def otp_reset(*, actor: User, user_id: int, scope=None, request=None) -> int:
    """The security admin (acting in ``scope``) removes a user's authenticator and recovery codes (a
    lost phone): the user enrols again at the next sign-in. Audited; answers how many devices went."""
    held = next((a for a in actor.active_assignments if a.role == Role.SECURITY_ADMIN), None)
    if held is None:
        raise PermissionDenied("只有安全管理员可以重置双因素认证。")
    users = User.objects.filter(pk=user_id)
    within = user_scope_q(scope or scope_of(held))
    if within is not None:
        users = users.filter(within)
    user = users.first()
    if user is None:
        raise NotFound()
    removed = TOTPDevice.objects.filter(user=user).delete()[0]
    StaticDevice.objects.filter(user=user).delete()
    auth_event_record(kind=AuthEventKind.OTP_RESET, user=actor, request=request, target=user.username)
    return removed


@transaction.atomic
def otp_disable(*, user: User, request=None) -> None:
    """An operator who opted in turns the second factor off again (never a role that must use it)."""
    if not otp_may_opt_out(user):
        raise DomainError("otp_mandatory", "您的角色必须使用双因素认证，不能关闭。")
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    auth_event_record(kind=AuthEventKind.OTP_RESET, user=user, request=request, target=user.username)
    if request is not None:
        request.session[SESSION_HAS_DEVICE] = False


def _clean(token) -> str:
    return "".join(str(token or "").split())[:16]
