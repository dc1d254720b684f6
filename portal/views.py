"""Public pages (no login). Receipt verification: what a receipt's QR code links to."""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.http import require_GET

from registry.selectors.filings import public_receipt_lookup


@require_GET
def verify_receipt(request, receipt_no: str):
    result = public_receipt_lookup(receipt_no=receipt_no[:32])
    if result is None:
        return render(request, "portal/verify_not_found.html", {"receipt_no": receipt_no[:32]}, status=404)
    return render(request, "portal/verify.html", {"r": result})
