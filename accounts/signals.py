"""Login success, failure and logout go to the security log (AuthEvent)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .models import AuthEventKind


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    from .services import auth_event_record

    auth_event_record(kind=AuthEventKind.LOGIN, user=user, request=request)
    if request is not None:
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
