"""Test data shared by the page tests and the browser journeys: a complete roster, real small files."""

from __future__ import annotations

import datetime as dt
import struct
import zlib

from django.utils import timezone

from registry.models import StaffQualification, StaffRole
from tests.factories import StaffFactory

# The five documents every filing needs (no meals served).
REQUIRED_DOCS = ["business_licence", "premises_proof", "staff_certificates", "hygiene_report", "fire_safety"]


def make_roster(institution) -> None:
    """Principal (bachelor, 5 years), 4 caregivers, part-time health staff, licensed guard. Unscoped."""
    StaffFactory(institution=institution, role=StaffRole.PRINCIPAL, education="bachelor", years_experience=5)
    for _ in range(4):
        StaffFactory(institution=institution, role=StaffRole.CAREGIVER)
    StaffFactory(institution=institution, role=StaffRole.HEALTH_PART_TIME)
    guard = StaffFactory(institution=institution, role=StaffRole.SECURITY_GUARD)
    q = StaffQualification(staff=guard, type="security", number="BA-0001",
                           expires_on=timezone.localdate() + dt.timedelta(days=700))
    q.region_id, q.province_id, q.city_id, q.district_id = (guard.region_id, guard.province_id, guard.city_id,
                                                           guard.district_id)
    q.save()


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
