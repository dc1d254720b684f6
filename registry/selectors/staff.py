"""Reads of staff rosters as the pages show them: certificates (expired marked), the criminal-record
check, health-certificate expiry by the region's policy, open 挂靠 flags. Everything is prefetched:
a roster costs the same few queries however long it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db.models import Q
from django.utils import timezone

from regions.policy import policy_value

from ..models import Staff, StaffStatus
from ..rules import add_months
from .institutions import _staff_qs, institution_get

HEALTH_MONTHS_KEY = "staff.health_certificate_valid_months"


def health_certificate_valid_months(region) -> int:
    return int(policy_value(region, HEALTH_MONTHS_KEY))


def health_certificate_cutoff(today: dt.date, months: int) -> dt.date:
    """The earliest issue date still valid today: a certificate issued on ``d`` is valid until
    ``add_months(d, months)`` (as ``rules.check_health_certificates`` counts it), so it has expired
    when that day is before today, i.e. when ``d`` is before this cut-off."""
    cutoff = add_months(today, -months)
    while add_months(cutoff, months) < today:  # month ends: 31 March - 1 month is 28 February
        cutoff += dt.timedelta(days=1)
    return cutoff


def health_certificate_expired_q(*, regions: Iterable, today: dt.date | None = None) -> Q:
    """Staff rows whose health certificate is missing or expired, by each region's policy."""
    today = today or timezone.localdate()
    q = Q(health_certificate_date__isnull=True)
    for region in regions:
        cutoff = health_certificate_cutoff(today, health_certificate_valid_months(region))
        q |= Q(region_id=region.code, health_certificate_date__lt=cutoff)
    return q


def staff_roster(*, institution_id: int, status: str | None = None, institution=None) -> list[Staff]:
    """An institution's roster for the pages: every row, or those with one ``StaffStatus`` today
    (``on_duty``, ``upcoming``, ``ended``; ``Staff.objects.on_duty`` defines them). Each row comes
    with ``duty_status`` and ``duty_label``, ``health_expires_on``, ``health_expired``,
    ``qualification_rows`` (each with ``expired``) and ``has_conflict``.
    ``institution``: the row when the caller has already read it in scope (saves the lookup)."""
    if institution is None or institution.pk != institution_id:
        institution = institution_get(institution_id=institution_id)  # 404 outside scope
    today = timezone.localdate()
    months = health_certificate_valid_months(institution.region)
    qs = _staff_qs().select_related(None).filter(institution_id=institution_id)  # the institution: read above
    if status is not None:
        qs = qs.with_status(status, today)
    rows = list(qs.order_by("role", "name", "id"))
    for s in rows:
        s.institution = institution
        s.duty_status = s.status_on(today)
        s.duty_label = StaffStatus(s.duty_status).label
        s.health_expires_on = add_months(s.health_certificate_date, months) if s.health_certificate_date else None
        s.health_expired = s.health_expires_on is None or s.health_expires_on < today
        s.qualification_rows = s.qualification_items()
        for q in s.qualification_rows:
            q.expired = q.expires_on is not None and q.expires_on < today
        s.has_conflict = bool(s.open_conflicts)
    return rows


__all__ = ["health_certificate_cutoff", "health_certificate_expired_q",
           "health_certificate_valid_months", "staff_roster"]
