"""API token authentication: a token lives ``API_TOKEN_TTL_HOURS`` from its issue and dies at logout."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_ttl() -> dt.timedelta:
    return dt.timedelta(hours=float(getattr(settings, "API_TOKEN_TTL_HOURS", 12)))


def token_expired(token) -> bool:
    return token.created + token_ttl() <= timezone.now()


def token_expires_at(token) -> dt.datetime:
    return token.created + token_ttl()


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``; an expired token is deleted and refused (401)."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("接口令牌已过期，请重新申请（POST /api/v1/auth/token/）。",
                                                 code="token_expired")
        from .passwords import must_change_password

        if must_change_password(user):
            raise exceptions.PermissionDenied("请先在网页上修改密码，再使用接口。", code="password_change_required")
        return user, token
