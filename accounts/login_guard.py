"""Login throttle: too many failed logins for one username from one address are refused for a while.

Counters live in the cache (Redis), keyed by a hash of username and client IP, in a fixed window
that starts at the first failure. The page login (``accounts.forms.LoginForm``) and the API token
endpoint (``accounts.api.ObtainTokenView``) both ask ``login_is_locked`` before authenticating;
failures are counted from Django's ``user_login_failed`` signal (``accounts.signals``), so every
path through ``authenticate()`` is covered.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

# Overridable in settings; national security guidance (等保) expects a lockout after a few failures.
LOGIN_FAILURE_LIMIT = getattr(settings, "LOGIN_FAILURE_LIMIT", 5)
LOGIN_FAILURE_WINDOW_SECONDS = getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", 15 * 60)
LOCKED_MESSAGE = f"登录失败次数过多，该账号在本地址已被暂时锁定，请 {LOGIN_FAILURE_WINDOW_SECONDS // 60} 分钟后再试。"


def _key(username: str, ip: str | None) -> str:
    digest = hashlib.sha256(f"{username.strip().lower()}|{ip or '-'}".encode()).hexdigest()
    return f"login-failures:{digest}"


def login_failures(username: str, ip: str | None) -> int:
    return int(cache.get(_key(username, ip)) or 0)


def login_is_locked(username: str, ip: str | None) -> bool:
    return login_failures(username, ip) >= LOGIN_FAILURE_LIMIT


def login_failure_register(username: str, ip: str | None) -> int:
    """Count one failure; the window starts with the first failure. Returns the count."""
    key = _key(username, ip)
    cache.add(key, 0, timeout=LOGIN_FAILURE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=LOGIN_FAILURE_WINDOW_SECONDS)
        return 1


def login_failures_reset(username: str, ip: str | None) -> None:
    cache.delete(_key(username, ip))
