"""The review work of ``make loadtest``: filings in the review queue that a reviewer can really accept.

``bench/generate.py`` fills the queue with filings that fail the accept checks (no classes, no
documents, staff without certificates), so an accept in the load test was refused ``checks_failed``
and no receipt was ever issued. ``prepare_review_pool`` makes a pool of queue filings acceptable,
set-based like ``generate.py`` (a few statements, not the ORM row by row):

* the queue filings of the chosen districts (initial or change, of childcare institutions), plus one
  new change filing (submitted, with its create/submit events) for each filed institution of those
  districts that has no open filing, so the pool is large enough for a five-minute run;
* on each: owned premises, hygiene passed, meals served, the commitment signed, 15 places in one
  托小班 (15 children, 3 carers, 12–24 months);
* one uploaded document row per required material, each pointing at a small real PDF written under
  ``MEDIA_ROOT/loadtest/`` (the documents page can open it);
* the institution's staff on duty: health certificate and criminal-record check 30 days old, the
  principal a graduate with 10 years' experience, a valid certificate for each carer (保育师),
  health worker (医师/护士) and guard (保安员证).

Then every filing of the pool is checked with the application's own checklist
(``registry.services.filing_checks.filing_run_checks``); only those that pass stay in the pool (the
rest, e.g. an institution with fewer than three carers on duty or a blacklisted person, are counted
by failing check). Audit triggers stay on: the rows are written as any other write would be.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

REQUIRED_DOCS = ("business_licence", "premises_proof", "staff_certificates", "hygiene_report", "fire_safety",
                 "food_licence")
QUEUE = ("submitted", "resubmitted")


def _pdf(title: str) -> bytes:
    """A minimal valid one-page PDF (ASCII title), a few hundred bytes."""
    stream = f"BT /F1 18 Tf 72 720 Td ({title}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def write_documents(media_root: Path) -> dict[str, tuple[str, int, str]]:
    """{doc_type: (stored name, size, sha256)}: one small PDF per material under MEDIA_ROOT/loadtest/."""
    folder = media_root / "loadtest"
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for doc in REQUIRED_DOCS:
        data = _pdf(f"load test {doc}")
        (folder / f"{doc}.pdf").write_bytes(data)
        out[doc] = (f"loadtest/{doc}.pdf", len(data), hashlib.sha256(data).hexdigest())
    return out


SQL_NEW_CHANGE_FILINGS = """
WITH candidates AS (
  SELECT f.*, row_number() OVER (PARTITION BY i.district_id ORDER BY i.id) AS rn
  FROM registry_institution i JOIN registry_filing f ON f.id = i.current_filing_id
  WHERE i.district_id = ANY(%(districts)s) AND i.status = 'filed' AND i.kind = 'institution'
    AND NOT EXISTS (SELECT 1 FROM registry_filing o WHERE o.institution_id = i.id
                    AND o.status IN ('draft', 'submitted', 'returned', 'resubmitted'))
)
INSERT INTO registry_filing (
  kind, status, version, name, institution_kind, address, latitude, longitude, legal_representative,
  principal_name, contact_phone, service_types, total_slots, building_area, outdoor_area, opening_hours, fees,
  meals_served, premises_type, lease_start, lease_end, hygiene_evaluation_passed, termination_date,
  placement_plan, changes, staff_snapshot, check_results, commitment_signer, commitment_accepted_at,
  commitment_ip, submitted_at, due_at, notice_due_at, decided_at, return_reasons, receipt_no, receipt_pdf,
  notice_pdf, created_at, updated_at, city_id, created_by_id, decided_by_id, district_id, province_id,
  region_id, institution_id)
SELECT 'change', 'submitted', 1, c.name, c.institution_kind, c.address, c.latitude, c.longitude,
  c.legal_representative, c.principal_name, c.contact_phone, c.service_types, c.total_slots, c.building_area,
  c.outdoor_area, c.opening_hours, c.fees, c.meals_served, c.premises_type, c.lease_start, c.lease_end,
  c.hygiene_evaluation_passed, NULL, '', '{}'::jsonb, '[]'::jsonb, '[]'::jsonb, c.principal_name,
  now() - interval '1 day', NULL, now() - interval '1 day', now() + interval '19 days',
  now() + interval '9 days', NULL, '[]'::jsonb,
  '', '', '', now() - interval '2 days', now() - interval '1 day', c.city_id, NULL, NULL, c.district_id,
  c.province_id, c.region_id, c.institution_id
FROM candidates c WHERE c.rn <= %(per_district)s
RETURNING id
"""

SQL_NEW_EVENTS = """
INSERT INTO registry_filingevent (action, from_status, to_status, reason, items, created_at, actor_id,
                                  city_id, district_id, filing_id, province_id, region_id)
SELECT e.action, e.from_status, e.to_status, '', '[]'::jsonb, e.at, NULL,
       f.city_id, f.district_id, f.id, f.province_id, f.region_id
FROM registry_filing f
CROSS JOIN LATERAL (VALUES ('create', '', 'draft', f.created_at),
                           ('submit', 'draft', 'submitted', f.submitted_at)) AS e(action, from_status, to_status, at)
WHERE f.id = ANY(%(ids)s)
"""

SQL_FILING_FACTS = """
UPDATE registry_filing SET premises_type = 'owned', lease_start = NULL, lease_end = NULL,
  hygiene_evaluation_passed = true, meals_served = true, total_slots = 15,
  commitment_signer = COALESCE(NULLIF(commitment_signer, ''), NULLIF(principal_name, ''), '负责人'),
  commitment_accepted_at = COALESCE(commitment_accepted_at, submitted_at, now())
WHERE id = ANY(%(ids)s);
DELETE FROM registry_filingclass WHERE filing_id = ANY(%(ids)s);
INSERT INTO registry_filingclass (filing_id, name, class_type, planned_children, carers, min_age_months,
                                  max_age_months, city_id, district_id, province_id, region_id)
SELECT f.id, '托小班', 'toddler', 15, 3, 12, 24, f.city_id, f.district_id, f.province_id, f.region_id
FROM registry_filing f WHERE f.id = ANY(%(ids)s);
"""

SQL_DOCUMENTS = """
DELETE FROM registry_filingdocument WHERE filing_id = ANY(%(ids)s);
INSERT INTO registry_filingdocument (filing_id, doc_type, file, original_name, content_type, size, sha256,
                                     uploaded_at, uploaded_by_id, carried_from_id, city_id, district_id,
                                     province_id, region_id)
SELECT f.id, d.doc_type, d.file, d.doc_type || '.pdf', 'application/pdf', d.size, d.sha256, now(), NULL, NULL,
       f.city_id, f.district_id, f.province_id, f.region_id
FROM registry_filing f
CROSS JOIN (SELECT * FROM unnest(%(doc_types)s::text[], %(files)s::text[], %(sizes)s::int[], %(hashes)s::text[]))
  AS d(doc_type, file, size, sha256)
WHERE f.id = ANY(%(ids)s);
"""

SQL_STAFF = """
UPDATE registry_staff s SET health_certificate_date = current_date - 30, criminal_record_checked = true,
  criminal_record_checked_on = current_date - 30,
  education = CASE WHEN s.role = 'principal' THEN 'bachelor' ELSE s.education END,
  years_experience = CASE WHEN s.role = 'principal' THEN GREATEST(s.years_experience, 10) ELSE s.years_experience END
WHERE s.institution_id IN (SELECT institution_id FROM registry_filing WHERE id = ANY(%(ids)s)) AND s.end_date IS NULL;
INSERT INTO registry_staffqualification (staff_id, type, number, expires_on, city_id, district_id, province_id,
                                         region_id)
SELECT s.id, q.type, 'LOAD-' || s.id, current_date + 1095, s.city_id, s.district_id, s.province_id, s.region_id
FROM registry_staff s
JOIN (VALUES ('caregiver', 'childcare'), ('health_full_time', 'health'), ('health_part_time', 'health'),
             ('security_guard', 'security')) AS q(role, type) ON q.role = s.role
WHERE s.institution_id IN (SELECT institution_id FROM registry_filing WHERE id = ANY(%(ids)s))
  AND s.end_date IS NULL
  AND NOT EXISTS (SELECT 1 FROM registry_staffqualification x WHERE x.staff_id = s.id AND x.type = q.type
                  AND (x.expires_on IS NULL OR x.expires_on > current_date + 365));
"""


def make_acceptable(ids: list[int], docs: dict[str, tuple[str, int, str]]) -> tuple[list[int], Counter]:
    """Make these filings (and their institutions' staff on duty) meet the accept checks, then check
    each with the application's own checklist: (the ids that pass, failing check codes of the rest)."""
    from django.db import connection, transaction

    from registry.models import Filing, FilingKind
    from registry.selectors.filings import compute_changes
    from registry.services.filing_checks import filing_run_checks

    params = {"ids": list(ids), "doc_types": list(docs), "files": [d[0] for d in docs.values()],
              "sizes": [d[1] for d in docs.values()], "hashes": [d[2] for d in docs.values()]}
    with transaction.atomic(), connection.cursor() as cur:
        for sql in (SQL_FILING_FACTS, SQL_DOCUMENTS, SQL_STAFF):
            cur.execute(sql, params)
    failing: Counter = Counter()
    passing = []
    for filing in Filing.objects.filter(id__in=ids).select_related("institution", "region").order_by("id"):
        if filing.kind == FilingKind.CHANGE:
            # What submission records and the checklist and the reviewer's diff then read: the changed
            # items against the filing in force (the facts set above changed some).
            filing.changes = compute_changes(filing)
            Filing.objects.filter(pk=filing.pk).update(changes=filing.changes)
        bad = [c["code"] for c in filing_run_checks(filing=filing) if not c["passed"]]
        if bad:
            failing.update(bad)
        else:
            passing.append(filing.id)
    return passing, failing


def prepare_review_pool(districts: list[str], *, media_root: Path, new_per_district: int = 40) -> dict:
    """Make the review pool of ``districts`` acceptable; returns ``{"filings": {district: [ids]},
    "created": n, "made_ready": n, "failing": Counter(check code)}``. Uses the current (owner)
    connection; call with scopes disabled."""
    from django.db import connection, transaction

    from registry.models import Filing

    docs = write_documents(media_root)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(SQL_NEW_CHANGE_FILINGS, {"districts": list(districts), "per_district": new_per_district})
        created = [r[0] for r in cur.fetchall()]
        if created:
            cur.execute(SQL_NEW_EVENTS, {"ids": created})
        cur.execute("SELECT f.id FROM registry_filing f JOIN registry_institution i ON i.id = f.institution_id "
                    "WHERE f.district_id = ANY(%s) AND f.status = ANY(%s) AND f.kind IN ('initial', 'change') "
                    "AND i.kind = 'institution'", [list(districts), list(QUEUE)])
        ids = [r[0] for r in cur.fetchall()]
    passing, failing = make_acceptable(ids, docs)
    pool: dict[str, list[int]] = {d: [] for d in districts}
    for filing_id, district in Filing.objects.filter(id__in=passing).values_list("id", "district_id"):
        pool[district].append(filing_id)
    return {"filings": pool, "created": len(created), "made_ready": len(ids), "failing": failing}
