"""Fixed-window request limits kept in the shared Redis cache (one counter per key and window).

``hit("verify", client_ip(request), limits=((20, 60), (300, 86400)))`` counts one request in every
window and says whether it is allowed, and if not, after how many seconds it will be. The counters
are atomic (``INCR``), shared by every web process, and expire with their window. When the cache
cannot be reached the request is allowed (a limit must never take the page down) and a warning is
logged (without the client's address).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from django.core.cache import cache

log = logging.getLogger(__name__)
PREFIX = "ratelimit"


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the fullest window resets (0 when allowed)


def _count(key: str, window: int) -> int:
    if cache.add(key, 1, timeout=window + 1):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr: this request starts the new window
        cache.add(key, 1, timeout=window + 1)
        return 1


def hit(name: str, who: str | None, *, limits: tuple[tuple[int, int], ...]) -> Verdict:
    """Count one request of ``who`` (e.g. a client IP) against each ``(max requests, window seconds)``."""
    now = int(time.time())
    retry_after = 0
    try:
        for limit, window in limits:
            bucket = now // window
            if _count(f"{PREFIX}:{name}:{who or '-'}:{window}:{bucket}", window) > limit:
                retry_after = max(retry_after, window - now % window)
    except Exception:  # the cache is down: allow, and say so
        log.warning("rate limit %s not applied: the cache is unavailable", name, exc_info=True)
        return Verdict(True)
    return Verdict(retry_after == 0, retry_after)


def clear(name: str = "*") -> int:
    """Remove every counter of ``name`` (all limits by default): lifts them at once (tests, operators)."""
    client = cache._cache.get_client(write=True)  # django.core.cache.backends.redis.RedisCacheClient
    keys = list(client.scan_iter(match=cache.make_key(f"{PREFIX}:{name}:*"), count=500))
    if keys:
        client.delete(*keys)
    return len(keys)
