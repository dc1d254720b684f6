"""Test data shared by the page tests and the browser journeys: a complete roster, real small files."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from django.utils import timezone

from tests.factories import REQUIRED_DOCS, make_roster

# Re-exported for the browser tests: one roster and one document list for every test.
__all__ = ["REQUIRED_DOCS", "lease_dates", "make_roster", "pdf_bytes", "png_bytes"]


def pdf_bytes(title: str = "scan") -> bytes:
    """A real one-page PDF (fpdf2)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=14)
    pdf.cell(0, 10, f"Test document: {title}")
    return bytes(pdf.output())


def png_bytes(width: int = 24, height: int = 16, rgb: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    """A real PNG image (solid colour), built by hand: signature, IHDR, IDAT, IEND."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes(rgb) * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def lease_dates() -> tuple[str, str]:
    start = timezone.localdate() - dt.timedelta(days=30)
    return start.isoformat(), (start + dt.timedelta(days=365 * 4)).isoformat()
