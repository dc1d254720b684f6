"""Public pages (no login). Receipt verification: what a receipt's QR code links to.

Receipt numbers are sequential per district and year, so the page is limited per client IP
(``settings.VERIFY_RATE_LIMITS``, counted in Redis): past the limit it answers 429 with a Chinese
page and ``Retry-After``. It shows only what the public registry publishes (the selector decides).
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_GET

from core.audit import client_ip
from core.public import public_sections
from core.ratelimit import hit
from registry.selectors.filings import public_receipt_lookup
from registry.selectors.public import public_institution


@require_GET
def verify_receipt(request, receipt_no: str):
    verdict = hit("verify", client_ip(request), limits=settings.VERIFY_RATE_LIMITS)
    if not verdict.allowed:
        minutes = max(1, -(-verdict.retry_after // 60))
        response = render(request, "portal/rate_limited.html", {"minutes": minutes}, status=429)
        response["Retry-After"] = str(verdict.retry_after)
        return response
    result = public_receipt_lookup(receipt_no=receipt_no[:32])
    if result is None:
        return render(request, "portal/verify_not_found.html", {"receipt_no": receipt_no[:32]}, status=404)
    return render(request, "portal/verify.html", {"r": result})


@require_GET
def institution_detail(request, pk: int):
    """A filed institution's public page: the registry's filed facts, then every section another app
    registered (``core.public``: inspection results, inclusive certification, ...). Public, cacheable."""
    facts = public_institution(institution_id=pk)
    if facts is None:
        return render(request, "portal/institution_not_found.html", status=404)
    response = render(request, "portal/institution.html",
                      {"i": facts, "sections": public_sections(pk)})
    patch_cache_control(response, public=True, max_age=300)
    return response
