"""Login success, failure and logout go to the security log (AuthEvent)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuthEventKind


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from .services import auth_event_record

    previous = _previous_logins(user)
    auth_event_record(kind=AuthEventKind.LOGIN, user=user, request=request)
    if request is not None:
        import time

        from django.contrib import messages

        from .middleware import AUTH_AT, SEEN_AT

        if hasattr(request, "session"):
            from .otp import SESSION_HAS_DEVICE, has_device

            request.session[AUTH_AT] = request.session[SEEN_AT] = int(time.time())
            # Read once here, where the session is written anyway, not on the first page after.
            request.session[SESSION_HAS_DEVICE] = has_device(user)
        if previous and hasattr(request, "_messages"):
            messages.info(request, previous, extra_tags="last-login")
        from core.audit import client_ip

        from .login_guard import login_failures_reset

        login_failures_reset(user.get_username(), client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    from .services import auth_event_record

    # Never the password: only the name that was tried.
    username = str(credentials.get("username", ""))[:150]
    auth_event_record(kind=AuthEventKind.LOGIN_FAILED, username=username, request=request)
    if request is not None:
        from core.audit import client_ip

        from .login_guard import login_failure_register

        login_failure_register(username, client_ip(request))


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    from .services import auth_event_record

    if user is not None:
        auth_event_record(kind=AuthEventKind.LOGOUT, user=user, request=request)
        from .services import api_tokens_revoke

        api_tokens_revoke(user=user)  # signing out of the pages ends the API tokens too


def _previous_logins(user) -> str:
    """上次登录 (time and address) and the failed attempts since, for the page after sign-in."""
    from django.utils import timezone

    from .models import AuthEvent

    last = (AuthEvent.objects.filter(user=user, kind=AuthEventKind.LOGIN).order_by("-created_at", "-id")
            .values("created_at", "ip").first())
    failures = AuthEvent.objects.filter(user=user, kind__in=(AuthEventKind.LOGIN_FAILED, AuthEventKind.LOGIN_LOCKED))
    if last is not None:
        failures = failures.filter(created_at__gt=last["created_at"])
    failed = list(failures.order_by("-created_at").values("created_at", "ip")[:1])
    count = failures.count()
    parts = []
    if last is not None:
        parts.append(f"上次登录：{timezone.localtime(last['created_at']):%Y-%m-%d %H:%M}（{last['ip'] or '未知地址'}）")
    else:
        parts.append("这是该账号的首次登录")
    if count:
        when = timezone.localtime(failed[0]["created_at"])
        parts.append(f"此后有 {count} 次失败的登录尝试，最近一次：{when:%Y-%m-%d %H:%M}（{failed[0]['ip'] or '未知地址'}）")
    else:
        parts.append("此后没有失败的登录尝试")
    return "；".join(parts) + "。"
