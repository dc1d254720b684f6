"""Login guard: one gate for every way in — the page login, the admin login and the API token.

Two counters in the cache (Redis), each in a fixed window that starts at its first failure:

- **per account**: ``LOGIN_FAILURE_LIMIT`` failed logins for one username, from any address, lock
  that account for the window (an attacker rotating addresses gains nothing);
- **per address**: ``LOGIN_ADDRESS_FAILURE_LIMIT`` failed logins from one client address, for any
  usernames, refuse every login from that address for the window (spraying many usernames from
  one address is throttled).

A successful login resets its account's counter, never the address's (an attacker's own account
must not wash out the failures of a spray). The client address is ``core.audit.client_ip``:
``X-Forwarded-For`` counts only when the request comes from a trusted proxy.

Every entry point asks ``login_refusal`` before authenticating (``accounts.forms`` for the page and
the admin login, ``accounts.api.ObtainTokenView`` for tokens); it records the refusal in the
security log. Failures are counted from Django's ``user_login_failed`` signal
(``accounts.signals``), so every path through ``authenticate()`` counts. And the authentication
backend (``accounts.backends.GuardedModelBackend``) refuses a locked login by itself, so an entry
point that forgets to ask still cannot let one in.
"""

from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from core.cache import DOWN as CACHE_DOWN

log = logging.getLogger(__name__)

# Defaults; settings override them (national security guidance, 等保, expects a lockout after a few failures).
LOGIN_FAILURE_LIMIT = 5
LOGIN_ADDRESS_FAILURE_LIMIT = 20
LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60


def failure_limit() -> int:
    return int(getattr(settings, "LOGIN_FAILURE_LIMIT", LOGIN_FAILURE_LIMIT))


def address_failure_limit() -> int:
    return int(getattr(settings, "LOGIN_ADDRESS_FAILURE_LIMIT", LOGIN_ADDRESS_FAILURE_LIMIT))


def window_seconds() -> int:
    return int(getattr(settings, "LOGIN_FAILURE_WINDOW_SECONDS", LOGIN_FAILURE_WINDOW_SECONDS))


def locked_message() -> str:
    return f"登录失败次数过多，该账号已被暂时锁定，请 {window_seconds() // 60} 分钟后再试。"


def address_locked_message() -> str:
    return f"登录失败次数过多，本地址已被暂时限制登录，请 {window_seconds() // 60} 分钟后再试。"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _account_key(username: str) -> str:
    return f"login-failures:account:{_digest((username or '').strip().lower())}"


def _address_key(ip: str | None) -> str:
    return f"login-failures:address:{_digest(ip or '-')}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _incr(key: str) -> int:
    cache.add(key, 0, timeout=window_seconds())
    try:
        return cache.incr(key)
    except CACHE_DOWN:  # Redis down: the failure is in the security log only
        log.warning("login failure not counted: the cache is unavailable")
        return 0
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window_seconds())
        return 1


def login_failures(username: str, ip: str | None = None) -> int:
    """Failures counted against the account ``username`` in the current window."""
    return _count(_account_key(username))


def address_failures(ip: str | None) -> int:
    return _count(_address_key(ip))


def locked_reason(username: str, ip: str | None) -> str | None:
    """The refusal message when ``username`` may not log in from ``ip`` now, else None."""
    if _count(_account_key(username)) >= failure_limit():
        return locked_message()
    if _count(_address_key(ip)) >= address_failure_limit():
        return address_locked_message()
    return None


def login_is_locked(username: str, ip: str | None) -> bool:
    return locked_reason(username, ip) is not None


def login_refusal(request, username: str) -> str | None:
    """Ask before authenticating: the message to show when this login is refused (recorded in
    the security log as ``login_locked``), None when it may go ahead."""
    from core.audit import client_ip

    reason = locked_reason(username, client_ip(request))
    if reason is not None:
        from .models import AuthEventKind
        from .services import auth_event_record

        auth_event_record(kind=AuthEventKind.LOGIN_LOCKED, username=(username or "")[:150], request=request)
    return reason


def login_failure_register(username: str, ip: str | None) -> int:
    """Count one failure against the account and the address. Returns the account's count."""
    _incr(_address_key(ip))
    return _incr(_account_key(username))


def login_failures_reset(username: str, ip: str | None = None) -> None:
    """After a successful login: the account's counter only (see the module docstring)."""
    cache.delete(_account_key(username))
