"""The one authentication backend: Django's model backend behind the login guard."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

from .login_guard import login_is_locked


class GuardedModelBackend(ModelBackend):
    """Refuses a locked account or address by itself (``accounts.login_guard``), whichever entry
    point called ``authenticate()``; the entry points ask first to show why."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(self._username_field())
        if request is not None:
            from core.audit import client_ip

            if login_is_locked(str(username or ""), client_ip(request)):
                return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
