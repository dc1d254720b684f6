"""A signed-in page session passes, in this order: the timeouts, the second factor, the password policy.

Page sessions end after ``SESSION_IDLE_TIMEOUT_SECONDS`` without a request and
``SESSION_ABSOLUTE_TIMEOUT_SECONDS`` after sign-in, whatever happens; a user who must change the
password (first sign-in of an administrator-created account, or an expired staff password) reaches
nothing but the password-change page until it is done; an account that must present a second factor
(``accounts.otp``) reaches nothing but enrolment or verification until it has (needs django-otp's
``OTPMiddleware`` before this one).

The last-seen stamp is written at most once a minute, so an active session costs no session write
per request. API calls with a token are not page sessions: tokens expire on their own
(``API_TOKEN_TTL_HOURS``) and are neither issued nor accepted while the password must change
(``accounts.authentication``, ``accounts.api``).
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

AUTH_AT = "_auth_at"
SEEN_AT = "_seen_at"
SEEN_WRITE_EVERY = 60


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._apply(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _apply(self, request, user):
        session = request.session
        now = int(time.time())
        auth_at = session.get(AUTH_AT)
        seen_at = session.get(SEEN_AT, auth_at)
        if auth_at is None:  # a session from before this policy: starts counting now
            session[AUTH_AT] = session[SEEN_AT] = now
            return None
        idle = now - (seen_at or auth_at) > settings.SESSION_IDLE_TIMEOUT_SECONDS
        if idle or now - auth_at > settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS:
            from .models import AuthEventKind
            from .services import auth_event_record

            auth_event_record(kind=AuthEventKind.SESSION_EXPIRED, user=user, request=request,
                              target="idle" if idle else "absolute")
            logout(request)  # a new, empty session; request.user is anonymous from here on
            messages.info(request, "长时间未操作，会话已超时，请重新登录。" if idle
                          else "登录时间已达上限，请重新登录。")
            return None
        if now - (seen_at or 0) >= SEEN_WRITE_EVERY:
            session[SEEN_AT] = now
        from .otp import otp_required

        if otp_required(user, request.session) and not user.is_verified() and not self._allowed_before_otp(request.path_info):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"code": "otp_required", "message": "请先完成双因素认证。", "fields": {}},
                                    status=403)
            target = request.get_full_path()
            query = "" if target == "/" else "?" + urlencode({"next": target})
            return redirect(reverse("accounts:otp_verify") + query)
        from .passwords import must_change_password

        if must_change_password(user) and not self._allowed_while_changing(request.path_info):
            if request.path_info.startswith("/api/"):
                return JsonResponse({"code": "password_change_required", "message": "请先修改密码。", "fields": {}},
                                    status=403)
            return redirect(reverse("accounts:password_change"))
        return None

    @staticmethod
    def _allowed_before_otp(path: str) -> bool:
        allowed = (reverse("accounts:otp_verify"), reverse("accounts:otp_setup"), reverse("accounts:logout"),
                   settings.STATIC_URL, "/healthz")
        return any(path.startswith(prefix) for prefix in allowed)

    @staticmethod
    def _allowed_while_changing(path: str) -> bool:
        allowed = (reverse("accounts:password_change"), reverse("accounts:logout"), settings.STATIC_URL,
                   "/healthz")
        return any(path.startswith(prefix) for prefix in allowed)
