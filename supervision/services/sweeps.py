"""The nightly blacklist sweep (``supervision.blacklist``, registered in ``supervision/sweeps.py``):
every staff member not ended — principals included — and every institution not terminated, against
every entry in force, nationwide.

Set-based: ONE ``INSERT ... SELECT`` joins the entries in force (``models.in_force_q``: their ids,
read by the ORM, so the doors and the sweep share one definition) to the rosters on the
ID number's blind index (a person, or an organisation's legal representative) and to the
institutions on the credit code, and writes each new match as its pair of hit rows (one per
district concerned; one when they are the same) — never a Python loop over staff or entries.
Idempotent: a match that already has a hit (open or closed as a false match, found at a door or
by an earlier run) is never recorded again, so a second run adds nothing. An entry whose
``banned_until`` has passed, or that was ended, matches no more. ``core.sweeps.run_sweep`` runs it
with scopes disabled under the sweep's lock and writes the run log; listing or correcting an entry
runs it at once for that entry alone (``entry_ids``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.db import connection
from django.utils import timezone

from accounts.selectors import reviewers_by_district
from core.sweeps import NOTIFIED, Notice
from core.tenancy import scopes_disabled
from notifications.models import NotificationType
from notifications.services import notify_each
from registry.models import Institution, InstitutionStatus, Staff

from ..models import (
    BlacklistEntry,
    BlacklistHit,
    EntryKind,
    HitSide,
    HitSource,
    HitStatus,
    MatchedAs,
    in_force_q,
)
from .grades import regrade_on_commit
from .hits import hits_link

# New matches: persons (and legal representatives) on rosters, then listed organisations. Each
# carries a fresh pair id and the tenant columns of both districts concerned.
_MATCHES = """
SELECT gen_random_uuid() AS pair, e.id AS entry_id,
       CASE WHEN e.kind = %(person)s THEN %(as_person)s ELSE %(as_legal)s END AS matched_as,
       s.id AS staff_id, s.name AS person_name, s.id_number_masked AS id_number_masked,
       i.id AS institution_id, i.name AS institution_name,
       e.province_id AS l_province, e.city_id AS l_city, e.district_id AS l_district,
       i.province_id AS i_province, i.city_id AS i_city, i.district_id AS i_district
  FROM {entry} e
  JOIN {staff} s ON s.id_number_hash = e.id_number_hash
  JOIN {institution} i ON i.id = s.institution_id
 WHERE e.id = ANY(%(entries)s) AND e.id_number_hash <> ''
   AND (s.end_date IS NULL OR s.end_date >= %(today)s)  -- registry.models.not_ended_q
   AND i.status <> %(terminated)s
   AND NOT EXISTS (SELECT 1 FROM {hit} h WHERE h.entry_id = e.id AND h.staff_id = s.id)
UNION ALL
SELECT gen_random_uuid(), e.id, %(as_org)s, NULL, '', '', i.id, i.name,
       e.province_id, e.city_id, e.district_id, i.province_id, i.city_id, i.district_id
  FROM {entry} e
  JOIN {institution} i ON i.uscc = e.uscc
 WHERE e.id = ANY(%(entries)s) AND e.kind = %(organisation)s
   AND i.status <> %(terminated)s
   AND NOT EXISTS (SELECT 1 FROM {hit} h WHERE h.entry_id = e.id AND h.institution_id = i.id
                                          AND h.matched_as = %(as_org)s)
"""

# Each match as its rows: the listing district's (``both`` when it is the institution's too) and,
# for another district, the institution's (no entry: it learns only that a match exists).
_INSERT = """
WITH m AS MATERIALIZED ({matches})
INSERT INTO {hit} (pair, seen_by, entry_id, matched_as, source, institution_id, institution_name,
                   institution_district_id, staff_id, filing_id, registration_id, claim_id, person_name,
                   id_number_masked, actor_id, status, close_reason, closed_by_id, closed_at, created_at,
                   region_id, province_id, city_id, district_id)
SELECT m.pair, side.seen_by, CASE WHEN side.seen_by = %(institution_side)s THEN NULL ELSE m.entry_id END,
       m.matched_as, %(source)s, m.institution_id, m.institution_name, m.i_district, m.staff_id, NULL, NULL,
       NULL, m.person_name, m.id_number_masked, NULL, %(open)s, '', NULL, NULL, %(now)s,
       side.district, side.province, side.city, side.district
  FROM m
 CROSS JOIN LATERAL (VALUES
       (CASE WHEN m.l_district = m.i_district THEN %(both)s ELSE %(listing_side)s END,
        m.l_province, m.l_city, m.l_district),
       (%(institution_side)s, m.i_province, m.i_city, m.i_district)
 ) AS side(seen_by, province, city, district)
 WHERE NOT (side.seen_by = %(institution_side)s AND m.l_district = m.i_district)
RETURNING district_id, institution_id
"""


def _insert_matches(entry_ids: list[int], *, today: dt.date, now) -> tuple[Counter, set[int]]:
    """Run the one statement for ``entry_ids``; returns how many hit rows each district got, and the
    institutions concerned."""
    tables = {"entry": BlacklistEntry._meta.db_table, "staff": Staff._meta.db_table,
              "institution": Institution._meta.db_table, "hit": BlacklistHit._meta.db_table}
    sql = _INSERT.format(matches=_MATCHES.format(**tables), **tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, {
            "entries": entry_ids, "today": today, "now": now,
            "person": EntryKind.PERSON.value, "organisation": EntryKind.ORGANISATION.value,
            "as_person": MatchedAs.PERSON.value, "as_legal": MatchedAs.LEGAL_REPRESENTATIVE.value,
            "as_org": MatchedAs.ORGANISATION.value, "terminated": InstitutionStatus.TERMINATED.value,
            "source": HitSource.SWEEP.value, "open": HitStatus.OPEN.value, "both": HitSide.BOTH.value,
            "listing_side": HitSide.LISTING.value, "institution_side": HitSide.INSTITUTION.value,
        })
        rows = cursor.fetchall()
        return Counter(row[0] for row in rows), {row[1] for row in rows}


def blacklist_sweep(*, today: dt.date | None = None, now=None, entry_ids=None) -> dict[str, int]:
    """Record every new match as a hit for both districts and tell each district's reviewers and
    admins once (how many new hits it has). ``entry_ids``: only these entries (a listing or a
    correction just made). Returns ``{"hits": hit rows written, "notified": notifications sent}``."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    with scopes_disabled():
        entries = BlacklistEntry.objects.filter(in_force_q(today))
        if entry_ids is not None:
            entries = entries.filter(pk__in=list(entry_ids))
        # The entries in force, by the ORM's one definition (tens of thousands of ids at most).
        ids = list(entries.order_by("pk").values_list("pk", flat=True))
        districts, institutions = _insert_matches(ids, today=today, now=now) if ids else (Counter(), set())
        notices = []
        if districts:
            people = reviewers_by_district(districts)
            for district_id, count in districts.items():
                title = f"从业禁止名单核查发现 {count} 条新命中"
                body = "全国从业禁止名单与本辖区从业人员、机构比对发现新的命中，请在“从业禁止名单 · 命中记录”中核查处理。"
                notices += [Notice(u, NotificationType.BLACKLIST_HIT, title, body, hits_link())
                            for u in people[district_id]]
        sent = notify_each(notices)
    regrade_on_commit(institutions)  # new open hits weigh on these institutions' grades
    rows = sum(districts.values())
    return {"hits": rows, NOTIFIED: len(sent)}
