"""The one authentication backend: Django's model backend behind the login guard."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

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

    def get_user(self, user_id):
        """The session's user, with their active assignments read in the same query
        (``accounts.selectors.user_with_assignments``): Django's backend reads the user alone and every
        page then read the assignments."""
        from .selectors import user_with_assignments

        try:
            user = user_with_assignments(user_id)
        except (ValueError, TypeError, ValidationError):  # a session holding a malformed id
            return None
        return user if user is not None and self.user_can_authenticate(user) else None

    @staticmethod
    def _username_field() -> str:
        from django.contrib.auth import get_user_model

        return get_user_model().USERNAME_FIELD
