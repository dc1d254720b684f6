"""Two nightly sweeps that tell people, once, about something coming due or overdue:

- ``certificate_sweep`` (``supervision.health_certificates``): staff members not ended whose health
  certificate (健康合格证明, valid ``staff.health_certificate_valid_months`` months — the staff row's
  region's value, as ``regions.policy.policy_value`` resolves it: its own region, district, city,
  province, else the national 12) expires within 30 days, or has expired: the institution's operators and its district's
  reviewers and admins are told once per certificate (staff member and certificate date) and
  threshold — a renewed certificate (a new date) is told afresh;
- ``not_filed_sweep`` (``supervision.not_filed``): institutions registered 30 days or more ago and
  still not filed (status registered): the district's reviewers and admins are told once per
  institution and registration date.

Each is ONE ``INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING`` into ``SweepAlert`` (the marker:
unique per kind, institution, staff member and date), so a second run, or two at once, adds
nothing; notifications are written for the rows it returned (one per district or institution and
kind, counting them), in the sweep's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.selectors import operators_by_institution, reviewers_by_district
from core.sweeps import NOTIFIED, Notice
from notifications.models import NotificationType
from notifications.services import notify_each
from regions.policy_defaults import NATIONAL_DEFAULTS
from registry.models import Institution, InstitutionStatus, Staff

from ..grading import NOT_FILED_DAYS
from ..models import AlertKind, SweepAlert

EXPIRY_WARNING_DAYS = 30
VALID_MONTHS = NATIONAL_DEFAULTS["staff.health_certificate_valid_months"]

# The validity per staff row: the most specific region's override (the tiny policy table, hashed), else
# the national value.
_CERTIFICATES = """
WITH p AS (SELECT region_id, (value #>> '{{}}')::int AS months FROM {policy} WHERE key = %(key)s)
INSERT INTO {alert} (kind, institution_id, staff_id, subject_date, created_at,
                     region_id, province_id, city_id, district_id)
SELECT CASE WHEN s.health_certificate_date + make_interval(months => m.months) < %(today)s
            THEN %(expired)s ELSE %(expiring)s END,
       s.institution_id, s.id, s.health_certificate_date, %(now)s,
       s.region_id, s.province_id, s.city_id, s.district_id
  FROM {staff} s JOIN {institution} i ON i.id = s.institution_id
  LEFT JOIN p pr ON pr.region_id = s.region_id
  LEFT JOIN p pd ON pd.region_id = s.district_id
  LEFT JOIN p pc ON pc.region_id = s.city_id
  LEFT JOIN p pp ON pp.region_id = s.province_id
  CROSS JOIN LATERAL (SELECT COALESCE(pr.months, pd.months, pc.months, pp.months, %(months)s) AS months) m
 WHERE s.health_certificate_date IS NOT NULL
   AND s.health_certificate_date + make_interval(months => m.months) < %(horizon)s
   AND (s.end_date IS NULL OR s.end_date >= %(today)s)  -- registry.models.not_ended_q
   AND i.status <> %(terminated)s
ON CONFLICT (kind, institution_id, staff_id, subject_date) DO NOTHING
RETURNING kind, institution_id, district_id
"""

_NOT_FILED = """
INSERT INTO {alert} (kind, institution_id, staff_id, subject_date, created_at,
                     region_id, province_id, city_id, district_id)
SELECT %(kind)s, i.id, NULL, i.registered_on, %(now)s, i.region_id, i.province_id, i.city_id, i.district_id
  FROM {institution} i
 WHERE i.status = %(registered)s AND i.registered_on <= %(cutoff)s
ON CONFLICT (kind, institution_id, staff_id, subject_date) DO NOTHING
RETURNING kind, institution_id, district_id
"""


def _tables() -> dict[str, str]:
    from regions.models import PolicyParameter

    return {"alert": SweepAlert._meta.db_table, "staff": Staff._meta.db_table,
            "institution": Institution._meta.db_table, "policy": PolicyParameter._meta.db_table}


def certificate_sweep(*, today: dt.date | None = None, now=None) -> dict[str, int]:
    """Mark and tell each certificate newly expiring within 30 days or expired. Returns counts."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_CERTIFICATES.format(**_tables()), {
            "months": VALID_MONTHS, "key": "staff.health_certificate_valid_months", "today": today, "horizon": today + dt.timedelta(days=EXPIRY_WARNING_DAYS + 1),
            "now": now, "expired": AlertKind.CERTIFICATE_EXPIRED.value,
            "expiring": AlertKind.CERTIFICATE_EXPIRING.value, "terminated": InstitutionStatus.TERMINATED.value})
        rows = cursor.fetchall()
    by_institution = Counter((kind, inst) for kind, inst, _ in rows)
    by_district = Counter((kind, district) for kind, _, district in rows)
    notices: list[Notice] = []
    if rows:
        operators = operators_by_institution({inst for _, inst, _ in rows})
        reviewers = reviewers_by_district({district for _, _, district in rows})
        texts = {
            AlertKind.CERTIFICATE_EXPIRING: (NotificationType.CERTIFICATE_EXPIRING, "名从业人员健康合格证明 30 日内到期",
                                             "请督促相关人员及时体检，取得新的健康合格证明后在人员名册中更新日期。"),
            AlertKind.CERTIFICATE_EXPIRED: (NotificationType.CERTIFICATE_EXPIRED, "名从业人员健康合格证明已过期",
                                            "健康合格证明过期的人员不得从事保育照护工作，请立即安排体检并更新人员名册。"),
        }
        for (kind, inst), count in sorted(by_institution.items()):
            ntype, title, body = texts[kind]
            notices += [Notice(u, ntype, f"{count} {title}", body, reverse("registry:staff_list"))
                        for u in operators[inst]]
        for (kind, district), count in sorted(by_district.items()):
            ntype, title, body = texts[kind]
            notices += [Notice(u, ntype, f"辖区内 {count} {title}", "已同时提醒机构举办者。",
                               reverse("supervision:grade_list")) for u in reviewers[district]]
    sent = notify_each(notices)
    counts = Counter(kind for kind, _, _ in rows)
    return {"expiring": counts[AlertKind.CERTIFICATE_EXPIRING], "expired": counts[AlertKind.CERTIFICATE_EXPIRED],
            NOTIFIED: len(sent)}


def not_filed_sweep(*, today: dt.date | None = None, now=None) -> dict[str, int]:
    """Mark and tell each institution registered 30 days or more ago and still not filed."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_NOT_FILED.format(**_tables()), {
            "kind": AlertKind.NOT_FILED.value, "now": now, "registered": InstitutionStatus.REGISTERED.value,
            "cutoff": today - dt.timedelta(days=NOT_FILED_DAYS)})
        rows = cursor.fetchall()
    by_district = Counter(district for _, _, district in rows)
    notices: list[Notice] = []
    if rows:
        reviewers = reviewers_by_district(by_district)
        for district, count in sorted(by_district.items()):
            notices += [Notice(u, NotificationType.INSTITUTION_NOT_FILED,
                               f"{count} 家机构登记满 {NOT_FILED_DAYS} 日仍未备案",
                               "请核实其是否已开展托育服务，督促其依法备案。", reverse("supervision:grade_list"))
                        for u in reviewers[district]]
    sent = notify_each(notices)
    return {"not_filed": len(rows), NOTIFIED: len(sent)}


__all__ = ["EXPIRY_WARNING_DAYS", "certificate_sweep", "not_filed_sweep"]
