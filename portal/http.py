"""What every public answer of the portal shares: the per-IP limit (``core.ratelimit``: 429 with
``Retry-After``) and the cache headers (``Cache-Control: public``, so a CDN may serve it)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control

from core.audit import client_ip
from core.ratelimit import Verdict, hit


def over_limit(request, name: str, limits) -> Verdict | None:
    """The verdict when this client is over ``limits`` for ``name``, else ``None`` (counted)."""
    verdict = hit(name, client_ip(request), limits=limits)
    return None if verdict.allowed else verdict


def rate_limited_page(request, verdict: Verdict, *, title: str = "公众服务"):
    minutes = max(1, -(-verdict.retry_after // 60))
    response = render(request, "portal/public_rate_limited.html", {"minutes": minutes, "title": title}, status=429)
    response["Retry-After"] = str(verdict.retry_after)
    patch_cache_control(response, no_store=True)
    return response


def cacheable(response, seconds: int | None = None):
    """Public, for ``PUBLIC_CACHE_SECONDS``: browsers and a CDN keep it (no cookie, no personal data)."""
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_CACHE_SECONDS if seconds is None else seconds)
    return response
