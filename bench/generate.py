"""National-scale synthetic data for the benchmarks, generated set-based inside PostgreSQL.

    .venv/bin/python bench/generate.py --institutions 126000 \
        --database-url postgres://postgres@127.0.0.1:5432/childcare_bench

Creates the database if missing, runs ``manage.py migrate`` and ``manage.py load_regions`` against
it, then fills institutions, registrations, staff (with deliberately duplicated ID hashes: 挂靠),
挂靠 flags, filings in every status, filing events and receipt sequences with a handful of
``INSERT ... SELECT generate_series`` statements (no ORM row by row).

Shortcuts, on purpose:
* Audit triggers (django-pghistory) and FK triggers are switched off for the load with
  ``SET LOCAL session_replication_role = replica``: the rows are built consistent by construction.
* Encrypted columns hold ONE real ciphertext of a dummy ID number, computed once with
  ``core.crypto.encrypt`` (benchmarks never decrypt; a reveal would show the dummy number). The
  blind indexes are random-looking hex (sha256 of a synthetic person id), not keyed HMACs of real
  numbers. Credit codes are unique but carry no valid check character.
* The data is deterministic for a given ``--seed`` (``setseed``).

``populate(institutions=..., seed=...)`` is the importable core (used by the smoke test): it uses
the current Django connection and whatever tenant districts the region table holds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# Named regions the benchmarks look at (present in the real GB/T 2260 file). The big district gets
# a fixed share of all institutions so "a big district" is big at every scale.
BIG_DISTRICT = "440306"  # 深圳市宝安区
BIG_DISTRICT_SHARE = 0.008  # ~1,000 institutions at national scale
DUMMY_ID_NUMBER = "110101199001011237"

# --- SQL -------------------------------------------------------------------------------------

SQL_DISTRICTS = """
CREATE TEMP TABLE bench_district ON COMMIT DROP AS
SELECT r.code, r.name, COALESCE(r.province_id, r.code) AS province_id, r.city_id,
       CASE WHEN r.code = %(big)s THEN 0 ELSE exp(random() * 2.5) END AS weight
FROM regions_region r WHERE r.tenant_district_id = r.code;
"""

# Institutions per district: proportional to the (log-normal-ish) weight; the big district gets its share.
SQL_DISTRICT_COUNTS = """
CREATE TEMP TABLE bench_district_n ON COMMIT DROP AS
WITH w AS (SELECT sum(weight) AS total, count(*) FILTER (WHERE code = %(big)s) AS has_big FROM bench_district),
rest AS (SELECT %(n)s - CASE WHEN has_big > 0 THEN round(%(n)s * %(share)s)::int ELSE 0 END AS n FROM w),
cum AS (SELECT d.*, sum(d.weight) OVER (ORDER BY d.code) AS upto FROM bench_district d)
SELECT c.code, c.name, c.province_id, c.city_id,
       CASE WHEN c.code = %(big)s THEN round(%(n)s * %(share)s)::int
            ELSE (round(rest.n * c.upto / w.total) - round(rest.n * (c.upto - c.weight) / w.total))::int END AS n
FROM cum c, w, rest;
"""

SQL_TOWNSHIPS = """
CREATE TEMP TABLE bench_town ON COMMIT DROP AS
SELECT r.tenant_district_id AS district, r.code,
       row_number() OVER (PARTITION BY r.tenant_district_id ORDER BY r.code) AS rn,
       count(*) OVER (PARTITION BY r.tenant_district_id) AS cnt
FROM regions_region r
WHERE r.tenant_district_id IS NOT NULL AND (r.level = 'township' OR r.tenant_district_id = r.code)
  AND NOT (r.level <> 'township' AND EXISTS (
      SELECT 1 FROM regions_region t WHERE t.tenant_district_id = r.code AND t.level = 'township'));
CREATE INDEX ON bench_town (district, rn);
"""

# One row per institution with its random draws, so later statements agree on them.
SQL_INST_PLAN = """
CREATE TEMP TABLE bench_inst ON COMMIT DROP AS
WITH slots AS (
  SELECT d.code AS district, d.province_id, d.city_id, d.name AS district_name, g.i
  FROM bench_district_n d CROSS JOIN LATERAL generate_series(1, d.n) AS g(i)
), drawn AS (
  SELECT s.*, row_number() OVER (ORDER BY s.district, s.i) + %(id0)s AS id,
         random() AS r_status, random() AS r_kind, random() AS r_nature, random() AS r_town,
         random() AS r_slots, random() AS r_k, random() AS r_extra, random() AS r_extra_status,
         random() AS r_name
  FROM slots s
)
SELECT d.*,
  CASE WHEN r_status < 0.70 THEN 'filed' WHEN r_status < 0.82 THEN 'registered'
       WHEN r_status < 0.90 THEN 'filing' WHEN r_status < 0.94 THEN 'suspended' ELSE 'terminated' END AS status,
  CASE WHEN r_kind < 0.85 THEN 'institution' ELSE 'home_daycare' END AS kind,
  CASE WHEN r_nature < 0.75 THEN 'enterprise' WHEN r_nature < 0.95 THEN 'social_organisation'
       ELSE 'public_institution' END AS nature,
  t.code AS region_id,
  (ARRAY['小橡树','星河','向日葵','蓝天','运河','暖阳','彩虹','小雨点','启明星','贝贝','童心','禾苗',
         '七色花','萌芽','乐育','爱弥儿'])[1 + floor(r_name * 16)::int]
    || (ARRAY['托育园','托育中心','婴幼儿照护中心','托育点'])[1 + floor(r_k * 4)::int] AS base_name
FROM drawn d
JOIN bench_town t ON t.district = d.district AND t.rn = 1 + floor(d.r_town * (
      SELECT cnt FROM bench_town t2 WHERE t2.district = d.district AND t2.rn = 1))::int;
CREATE UNIQUE INDEX ON bench_inst (id);
ANALYZE bench_inst;
"""

SQL_INSTITUTIONS = """
INSERT INTO registry_institution (
  id, uscc, name, nature, kind, status, address, latitude, longitude, legal_representative, principal_name,
  contact_phone, service_types, total_slots, registered_on, business_scope, filed_on, receipt_no,
  created_at, updated_at, city_id, current_filing_id, district_id, province_id, region_id)
SELECT b.id,
  'B' || CASE b.nature WHEN 'enterprise' THEN '1' WHEN 'social_organisation' THEN '2' ELSE '3' END
      || lpad(b.id::text, 16, '0'),
  b.district_name || b.base_name || '（' || b.id || '）',
  b.nature, b.kind, b.status,
  b.district_name || '某街道' || (b.id %% 300) || '号', NULL, NULL,
  '法人' || (b.id %% 997), '负责人' || (b.id %% 991), '0' || (20000000 + b.id %% 79999999),
  CASE WHEN b.kind = 'home_daycare' THEN ARRAY['full_day']::varchar(16)[]
       WHEN b.r_slots < 0.5 THEN ARRAY['full_day','half_day']::varchar(16)[]
       ELSE ARRAY['full_day','half_day','hourly']::varchar(16)[] END,
  CASE WHEN b.kind = 'home_daycare' THEN 5 + floor(b.r_slots * 16)::int ELSE 20 + floor(b.r_slots * 81)::int END,
  (now() - interval '1 day' * (200 + floor(b.r_town * 1800)))::date, '', NULL, '',
  now() - interval '1 day' * (200 + floor(b.r_town * 1800)), now(),
  b.city_id, NULL, b.district, b.province_id, b.region_id
FROM bench_inst b;
"""

SQL_REGISTRATIONS = """
INSERT INTO registry_registration (
  uscc, name, nature, legal_representative, address, registered_on, business_scope, push_count, received_at,
  updated_at, city_id, district_id, institution_id, province_id, pushed_by_id, region_id)
SELECT i.uscc, i.name, i.nature, i.legal_representative, i.address, i.registered_on, '托育服务', 1,
       i.created_at, i.created_at, i.city_id, i.district_id, i.id, i.province_id, %(pusher)s, i.region_id
FROM registry_institution i JOIN bench_inst b ON b.id = i.id;
"""

# Filing plan: per institution n filings; the j-th one's kind and status follow the institution status.
#   filed:      initial accepted, k change filings accepted (k in 0..3), 20%% one extra change filing that
#               is open (submitted / resubmitted / returned / draft) or withdrawn
#   registered: 30%% one initial filing: a draft, or (10%% of all) one rejected (不予备案)
#   filing:     one initial in submitted / resubmitted / returned / draft
#   suspended:  initial + k changes, accepted
#   terminated: initial + k changes accepted, then a termination accepted
SQL_FILING_PLAN = """
CREATE TEMP TABLE bench_fplan ON COMMIT DROP AS
WITH inst AS (
  SELECT b.*, floor(b.r_k * 4)::int AS k,
    CASE WHEN b.r_extra_status < 0.40 THEN 'submitted' WHEN b.r_extra_status < 0.55 THEN 'resubmitted'
         WHEN b.r_extra_status < 0.75 THEN 'returned' WHEN b.r_extra_status < 0.87 THEN 'draft'
         ELSE 'withdrawn' END AS open_status
  FROM bench_inst b
), counted AS (
  SELECT inst.*, CASE status
      WHEN 'filed' THEN 1 + k + (r_extra < 0.20)::int
      WHEN 'registered' THEN (r_extra < 0.30)::int
      WHEN 'filing' THEN 1
      WHEN 'suspended' THEN 1 + k
      ELSE 2 + k END AS n
  FROM inst
)
SELECT c.id AS institution_id, c.status AS inst_status, c.n, g.j,
  CASE WHEN g.j = 1 THEN 'initial' WHEN c.status = 'terminated' AND g.j = c.n THEN 'termination'
       ELSE 'change' END AS kind,
  CASE
    WHEN c.status = 'registered' THEN CASE WHEN c.r_extra < 0.10 THEN 'rejected' ELSE 'draft' END
    WHEN c.status = 'filing' THEN CASE WHEN c.open_status = 'withdrawn' THEN 'submitted' ELSE c.open_status END
    WHEN c.status = 'filed' AND g.j = c.n AND c.r_extra < 0.20 THEN c.open_status
    ELSE 'accepted' END AS status,
  random() AS r1, random() AS r2
FROM counted c CROSS JOIN LATERAL generate_series(1, c.n) AS g(j);
"""

SQL_FILINGS = """
INSERT INTO registry_filing (
  id, kind, status, version, name, institution_kind, address, latitude, longitude, legal_representative,
  principal_name, contact_phone, service_types, total_slots, building_area, outdoor_area, opening_hours, fees,
  meals_served, premises_type, lease_start, lease_end, hygiene_evaluation_passed, termination_date,
  placement_plan, changes, staff_snapshot, check_results, commitment_signer, commitment_accepted_at,
  commitment_ip, submitted_at, due_at, notice_due_at, decided_at, return_reasons, receipt_no, receipt_pdf,
  notice_pdf, created_at, updated_at, city_id, created_by_id, decided_by_id, district_id, province_id,
  region_id, institution_id)
WITH t AS (
  SELECT p.*, i.name, i.kind AS ikind, i.address, i.legal_representative, i.principal_name, i.contact_phone,
         i.service_types, i.total_slots, i.city_id, i.district_id, i.province_id, i.region_id,
         row_number() OVER (ORDER BY p.institution_id, p.j) + %(id0)s AS fid,
         -- open filings are recent; earlier ones are spaced ~150 days apart back from now
         CASE WHEN p.status IN ('accepted', 'withdrawn') OR p.j < p.n
              THEN now() - interval '1 day' * ((p.n - p.j) * 150 + 40 + floor(p.r1 * 60))
              ELSE now() - interval '1 day' * (2 + floor(p.r1 * 35)) END AS created
  FROM bench_fplan p JOIN registry_institution i ON i.id = p.institution_id
), s AS (
  SELECT t.*, CASE WHEN t.status = 'draft' THEN NULL ELSE t.created + interval '1 day' END AS submitted
  FROM t
)
SELECT s.fid, s.kind, s.status, 1 + (s.status IN ('resubmitted', 'returned'))::int, s.name, s.ikind, s.address,
  NULL, NULL, s.legal_representative, s.principal_name, s.contact_phone, s.service_types, s.total_slots,
  s.total_slots * 7.5, s.total_slots * 3, '07:30-17:30', '{"full_day": 250000}'::jsonb, true, 'leased',
  (s.created - interval '1 year')::date, (s.created + interval '3 years')::date, true,
  CASE WHEN s.kind = 'termination' THEN s.created::date + 30 END,
  CASE WHEN s.kind = 'termination' THEN '在托婴幼儿已全部妥善安置。' ELSE '' END,
  '{}'::jsonb, '[]'::jsonb, '[]'::jsonb, s.principal_name,
  s.submitted, NULL, s.submitted,
  CASE WHEN s.status = 'draft' THEN NULL ELSE s.submitted + interval '20 days' END,
  NULL,
  CASE WHEN s.status IN ('accepted', 'rejected') THEN s.submitted + interval '1 day' * (1 + floor(s.r2 * 18)) END,
  CASE WHEN s.status = 'returned' THEN '[{"code": "documents", "reason": "材料不全"}]'::jsonb ELSE '[]'::jsonb END,
  '', '', '', s.created, s.created, s.city_id, NULL, NULL, s.district_id, s.province_id, s.region_id,
  s.institution_id
FROM s;
"""

# A point for every institution (the public map search): each district gets a random centre inside
# mainland China's populated box (the big district its real one, 深圳市宝安区), its institutions scattered
# ±0.15° around it. Not geography, but the density a distance search meets: ~45 institutions per district.
SQL_POINTS = """
WITH centre AS (
  SELECT code, CASE WHEN code = %(big)s THEN 22.5550 ELSE 22 + random() * 18 END AS lat,
               CASE WHEN code = %(big)s THEN 113.8830 ELSE 100 + random() * 21 END AS lng
  FROM bench_district
)
UPDATE registry_institution i
SET latitude = round((c.lat + (random() - 0.5) * 0.3)::numeric, 6),
    longitude = round((c.lng + (random() - 0.5) * 0.3)::numeric, 6)
FROM centre c
WHERE i.district_id = c.code AND i.id > %(id0)s;
"""

# Classes of every institution's filing in force (the public search's age filter): one to three class
# types, sizes within the standards (a home daycare point: one mixed class of 5); fees vary.
SQL_CLASSES = """
INSERT INTO registry_filingclass (filing_id, name, class_type, planned_children, carers, min_age_months,
                                  max_age_months, city_id, district_id, province_id, region_id)
SELECT f.id, c.name, c.class_type, c.children, c.carers, c.lo, c.hi, f.city_id, f.district_id, f.province_id,
       f.region_id
FROM registry_institution i
JOIN registry_filing f ON f.id = i.current_filing_id
CROSS JOIN LATERAL (VALUES
  ('乳儿班', 'infant', 10, 4, 6, 12, i.kind = 'institution' AND i.id %% 3 = 0),
  ('托小班', 'toddler', 15, 3, 12, 24, i.kind = 'institution' AND i.id %% 3 <> 2),
  ('托大班', 'older_toddler', 20, 3, 24, 36, i.kind = 'institution'),
  ('混龄班', 'mixed', 5, 2, 18, 36, i.kind = 'home_daycare')
) AS c(name, class_type, children, carers, lo, hi, wanted)
WHERE i.id > %(id0)s AND c.wanted;
UPDATE registry_filing f SET fees = jsonb_build_object('full_day', 150000 + (f.id %% 30) * 10000)
WHERE f.id > %(id1)s;
"""

# Gap-free receipt numbers per district and year, in decision order (terminations get none).
SQL_RECEIPTS = """
WITH numbered AS (
  SELECT f.id, f.district_id, extract(year FROM f.decided_at AT TIME ZONE 'Asia/Shanghai')::int AS y,
         row_number() OVER (PARTITION BY f.district_id,
                            extract(year FROM f.decided_at AT TIME ZONE 'Asia/Shanghai')
                            ORDER BY f.decided_at, f.id) AS seq
  FROM registry_filing f
  WHERE f.id > %(id0)s AND f.status = 'accepted' AND f.kind <> 'termination'
)
UPDATE registry_filing f SET receipt_no = n.district_id || '-' || n.y || '-' || lpad(n.seq::text, 5, '0')
FROM numbered n WHERE f.id = n.id;
"""

SQL_SEQUENCES = """
INSERT INTO registry_receiptsequence (district_id, year, last_number)
SELECT district_id, split_part(receipt_no, '-', 2)::int, max(split_part(receipt_no, '-', 3)::int)
FROM registry_filing WHERE id > %(id0)s AND receipt_no <> ''
GROUP BY 1, 2
ON CONFLICT (district_id, year) DO UPDATE SET last_number = GREATEST(registry_receiptsequence.last_number,
                                                                     EXCLUDED.last_number);
"""

SQL_CURRENT_FILING = """
WITH latest AS (
  SELECT DISTINCT ON (institution_id) institution_id, id, receipt_no, decided_at
  FROM registry_filing
  WHERE id > %(id0)s AND status = 'accepted' AND receipt_no <> ''
  ORDER BY institution_id, decided_at DESC, id DESC
)
UPDATE registry_institution i SET current_filing_id = l.id, receipt_no = l.receipt_no,
       filed_on = (l.decided_at AT TIME ZONE 'Asia/Shanghai')::date
FROM latest l WHERE i.id = l.institution_id;
"""

# One event per transition the filing went through.
SQL_EVENTS = """
INSERT INTO registry_filingevent (action, from_status, to_status, reason, items, created_at, actor_id,
                                  city_id, district_id, filing_id, province_id, region_id)
SELECT e.action, e.from_status, e.to_status, e.reason, '[]'::jsonb, e.at, NULL,
       f.city_id, f.district_id, f.id, f.province_id, f.region_id
FROM registry_filing f
CROSS JOIN LATERAL (VALUES
  ('create', '', 'draft', '', f.created_at, true),
  ('submit', 'draft', 'submitted', '', f.submitted_at, f.status <> 'draft'),
  ('return', 'submitted', 'returned', '材料不全', f.submitted_at + interval '5 days',
     f.status IN ('returned', 'resubmitted')),
  ('resubmit', 'returned', 'resubmitted', '', f.submitted_at + interval '8 days', f.status = 'resubmitted'),
  ('accept', 'submitted', 'accepted', '备案回执编号 ' || f.receipt_no, f.decided_at, f.status = 'accepted'),
  ('withdraw', 'submitted', 'withdrawn', '', f.submitted_at + interval '2 days', f.status = 'withdrawn'),
  ('reject', 'submitted', 'rejected', '不予备案', f.decided_at, f.status = 'rejected')
) AS e(action, from_status, to_status, reason, at, happened)
WHERE f.id > %(id0)s AND e.happened;
"""

# Staff: ~12 per institution; 10%% have left; 0.5%% share a person (hash) with a random other row: 挂靠.
SQL_STAFF = """
INSERT INTO registry_staff (
  id, name, id_number_encrypted, id_number_hash, id_number_masked, role, education, years_experience,
  health_certificate_date, criminal_record_checked, criminal_record_checked_on, start_date, end_date,
  created_at, updated_at, city_id, district_id, institution_id, province_id, region_id)
WITH rows AS (
  SELECT b.id AS institution_id, g.j,
         row_number() OVER (ORDER BY b.id, g.j) + %(id0)s AS sid, random() AS r1, random() AS r2
  FROM bench_inst b
  CROSS JOIN LATERAL generate_series(1, CASE WHEN b.kind = 'home_daycare' THEN 3 + floor(b.r_slots * 4)::int
                                             ELSE 8 + floor(b.r_slots * 12)::int END) AS g(j)
), total AS (SELECT max(sid) - %(id0)s AS n FROM rows)
SELECT r.sid,
  (ARRAY['王','李','张','刘','陈','杨','黄','赵','吴','周','徐','孙','马','朱','胡','郭'])[1 + floor(r.r1 * 16)::int]
    || (ARRAY['芳','敏','静','丽','婷','娜','霞','燕','娟','艳','磊','洋','杰','军','勇','红'])[1 + floor(r.r2 * 16)::int],
  %(cipher)s,
  encode(sha256(convert_to('bench-person-' || CASE WHEN r.r1 < 0.005
      THEN 1 + floor(r.r2 * total.n)::bigint + %(id0)s ELSE r.sid END, 'UTF8')), 'hex'),
  %(masked)s,
  CASE r.j WHEN 1 THEN 'principal' WHEN 2 THEN 'health_full_time' WHEN 3 THEN 'security_guard'
           WHEN 4 THEN 'cook' ELSE 'caregiver' END,
  (ARRAY['below_college','college','bachelor','postgraduate'])[1 + floor(r.r2 * 4)::int],
  floor(r.r2 * 20)::int, (now() - interval '1 day' * floor(r.r1 * 300))::date, true,
  (now() - interval '1 day' * floor(r.r2 * 300))::date,
  (now() - interval '1 day' * (400 + floor(r.r1 * 1500)))::date,
  CASE WHEN r.r2 > 0.90 THEN (now() - interval '1 day' * floor(r.r1 * 300))::date END,
  now(), now(), i.city_id, i.district_id, i.id, i.province_id, i.region_id
FROM rows r CROSS JOIN total JOIN registry_institution i ON i.id = r.institution_id
ON CONFLICT DO NOTHING;  -- a shared person drawn twice onto one roster (staff_open_person_uniq): once
"""

# Open 挂靠 flags for every pair of active rows of one person at two institutions (both directions).
SQL_FLAGS = """
INSERT INTO registry_staffconflictflag (other_institution_name, other_district_name, resolved_at, created_at,
                                        city_id, district_id, other_staff_id, province_id, region_id, staff_id)
SELECT oi.name, d.name, NULL, now(), s.city_id, s.district_id, o.id, s.province_id, s.region_id, s.id
FROM registry_staff s
JOIN registry_staff o ON o.id_number_hash = s.id_number_hash AND o.id <> s.id AND o.end_date IS NULL
                      AND o.institution_id <> s.institution_id
JOIN registry_institution oi ON oi.id = o.institution_id
JOIN regions_region d ON d.code = o.district_id
WHERE s.id > %(id0)s AND s.end_date IS NULL
  AND s.id_number_hash IN (SELECT id_number_hash FROM registry_staff WHERE id > %(id0)s AND end_date IS NULL
                           GROUP BY 1 HAVING count(*) > 1)
ON CONFLICT DO NOTHING;
"""

# The nationwide blacklist: %(n)s person entries spread over the tenant districts; one in ten is a
# person on some roster (the hash of a staff row's person), the others match nobody; 5%% ended, 10%%
# banned until a date already passed. Penalties: ~3%% of institutions got a warning or a fine in the
# last two years, ~0.5%% a suspension or a revocation recommendation in force; ~0.2%% have an
# emergency closure in progress. The grade sweep and the blacklist sweep are measured on these.
SQL_BLACKLIST = """
INSERT INTO supervision_blacklistentry (
  kind, name, id_number_encrypted, id_number_hash, id_number_masked, uscc, legal_representative, reason, basis,
  decision_number, banned_until, status, version, change_reason, ended_at, ended_by_id, created_by_id,
  created_at, updated_at, city_id, district_id, province_id, region_id)
WITH g AS (
  SELECT n, random() AS r1, random() AS r2, random() AS r3 FROM generate_series(1, %(n)s) AS n
), staff_span AS (SELECT min(id) AS lo, max(id) AS hi FROM registry_staff),
districts AS (SELECT code, province_id, city_id, row_number() OVER (ORDER BY code) AS rn,
                     count(*) OVER () AS cnt FROM bench_district)
SELECT 'person', '名单人员' || g.n, %(cipher)s,
  encode(sha256(convert_to('bench-person-' || CASE WHEN g.r1 < 0.10
      THEN staff_span.lo + floor(g.r2 * (staff_span.hi - staff_span.lo))::bigint
      ELSE -g.n END, 'UTF8')), 'hex'),
  %(masked)s, '', '', '基准测试列入事由', '基准测试决定书', '基准〔' || g.n || '〕号',
  CASE WHEN g.r3 < 0.10 THEN (now() - interval '10 days')::date
       WHEN g.r3 < 0.40 THEN (now() + interval '3 years')::date END,
  CASE WHEN g.r3 > 0.95 THEN 'ended' ELSE 'active' END, 1, '列入', NULL, NULL, NULL, now(), now(),
  d.city_id, d.code, d.province_id, d.code
FROM g CROSS JOIN staff_span
JOIN districts d ON d.rn = 1 + (g.n %% d.cnt)
ON CONFLICT DO NOTHING;  -- one person listed twice in a district while active: once
"""

SQL_PENALTIES = """
INSERT INTO supervision_penalty (
  kind, decision_number, decided_on, legal_basis, facts, amount_fen, person_name, id_number_encrypted,
  id_number_hash, id_number_masked, banned_until, blacklist_entry_id, status, version, end_reason, ended_at,
  created_by_id, created_at, updated_at, institution_id, city_id, district_id, province_id, region_id)
SELECT p.kind, '基准罚〔' || i.id || '〕号', (now() - interval '1 day' * floor(random() * 700))::date,
  '基准测试法律依据', '', CASE WHEN p.kind = 'fine' THEN 100000 + floor(random() * 900000)::bigint END,
  '', '', '', '', NULL, NULL, 'in_force', 1, '', NULL, NULL, now(), now(),
  i.id, i.city_id, i.district_id, i.province_id, i.region_id
FROM registry_institution i
-- by a hash of the id (a per-row draw: an uncorrelated random() would be drawn once for all rows)
CROSS JOIN LATERAL (SELECT CASE WHEN h < 15 THEN 'warning' WHEN h < 30 THEN 'fine' WHEN h < 33 THEN 'suspension'
                                WHEN h < 35 THEN 'revocation' END AS kind
                    FROM (SELECT abs(hashtext('penalty-' || i.id)) %% 1000 AS h) AS x) AS p
WHERE i.id > %(id0)s AND p.kind IS NOT NULL AND i.status <> 'terminated';
"""

SQL_CLOSURES = """
INSERT INTO supervision_closure (
  reason, started_on, children_enrolled, children_placed, status, version, end_reason, ended_at, created_by_id,
  created_at, updated_at, institution_id, city_id, district_id, province_id, region_id)
SELECT '基准测试关停', (now() - interval '5 days')::date, 20, 5, 'open', 1, '', NULL, NULL, now(), now(),
  i.id, i.city_id, i.district_id, i.province_id, i.region_id
FROM registry_institution i
WHERE i.id > %(id0)s AND i.status IN ('suspended', 'filed') AND random() < 0.002;
"""

TABLES = ["registry_institution", "registry_registration", "registry_staff", "registry_staffconflictflag",
          "registry_filing", "registry_filingevent", "registry_receiptsequence", "supervision_blacklistentry",
          "supervision_penalty", "supervision_closure"]
BLACKLIST_ENTRIES = 20_000
TABLES = ["registry_institution", "registry_filingclass", "registry_registration", "registry_staff",
          "registry_staffconflictflag", "registry_filing", "registry_filingevent", "registry_receiptsequence"]


def _setup_django(database_url: str | None = None) -> None:
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")
    import django

    django.setup()


# --- supervision: two years of random inspections (opt-in: --supervision) ---------------------------
# Additive and idempotent: every row is marked (plans named "基准抽查 …", inspectors "基准检查员 …",
# complaints with tracking codes starting "BENCH"); a second run finds the marker and adds nothing.
SUPERVISION_MARKER = "基准抽查"
SUPERVISION_HALVES = 4  # half-year plans: 2025-H1 … 2026-H2
SUPERVISION_ITEMS_RECORDED = 12  # findings recorded per inspection (the first items of the checklist)

SQL_SUP_DISTRICTS = """
CREATE TEMP TABLE bench_sup_district ON COMMIT DROP AS
SELECT district_id AS code, min(province_id) AS province_id, min(city_id) AS city_id
FROM registry_institution GROUP BY district_id;
"""

# The national default checklist, version 1, for each district that has none yet.
SQL_SUP_TEMPLATES = """
INSERT INTO supervision_checklisttemplate (name, version, national_version, current, change_reason, created_at,
  based_on_id, city_id, created_by_id, district_id, province_id, region_id)
SELECT %(name)s, 1, %(national)s, true, '复制国家默认清单（基准数据）', now(), NULL, d.city_id, NULL, d.code,
  d.province_id, d.code
FROM bench_sup_district d
WHERE NOT EXISTS (SELECT 1 FROM supervision_checklisttemplate t WHERE t.district_id = d.code);
"""

SQL_SUP_ITEMS = """
INSERT INTO supervision_checklistitem (code, dimension, text, basis, severity, position, city_id, district_id,
  province_id, region_id, template_id)
SELECT it.code, it.dimension, it.text, it.basis, it.severity, it.pos, t.city_id, t.district_id, t.province_id,
  t.region_id, t.id
FROM supervision_checklisttemplate t
CROSS JOIN unnest(%(codes)s::text[], %(dims)s::text[], %(texts)s::text[], %(bases)s::text[], %(sevs)s::text[])
     WITH ORDINALITY AS it(code, dimension, text, basis, severity, pos)
WHERE t.current AND NOT EXISTS (SELECT 1 FROM supervision_checklistitem x WHERE x.template_id = t.id);
"""

# Six inspectors per district, from the five departments.
SQL_SUP_INSPECTORS = """
INSERT INTO supervision_inspector (name, department, active, created_at, city_id, district_id, province_id,
  region_id, user_id)
SELECT '基准检查员' || d.code || '-' || k,
  (ARRAY['health', 'police', 'market', 'housing', 'fire', 'health'])[k], true, now(), d.city_id, d.code,
  d.province_id, d.code, NULL
FROM bench_sup_district d CROSS JOIN generate_series(1, 6) AS k;
"""

SQL_SUP_PLANS = """
INSERT INTO supervision_inspectionplan (name, period_start, period_end, departments, rates,
  inspectors_per_inspection, seed, status, version, created_at, updated_at, city_id, created_by_id, district_id,
  province_id, region_id)
SELECT %(marker)s || ' ' || (2025 + (h - 1) / 2) || '年' || CASE WHEN h %% 2 = 1 THEN '上半年' ELSE '下半年' END,
  make_date(2025 + (h - 1) / 2, CASE WHEN h %% 2 = 1 THEN 1 ELSE 7 END, 1),
  make_date(2025 + (h - 1) / 2, CASE WHEN h %% 2 = 1 THEN 6 ELSE 12 END, CASE WHEN h %% 2 = 1 THEN 30 ELSE 31 END),
  ARRAY['health', 'fire']::varchar[], '{"A": 5, "B": 10, "C": 30, "D": 100}'::jsonb, 2, abs(hashtext(d.code || h)),
  'drawn', 2, make_date(2025 + (h - 1) / 2, CASE WHEN h %% 2 = 1 THEN 1 ELSE 7 END, 1)::timestamptz,
  make_date(2025 + (h - 1) / 2, CASE WHEN h %% 2 = 1 THEN 1 ELSE 7 END, 1)::timestamptz,
  d.city_id, NULL, d.code, d.province_id, d.code
FROM bench_sup_district d CROSS JOIN generate_series(1, %(halves)s) AS h;
"""

SQL_SUP_DRAWS = """
INSERT INTO supervision_plandraw (number, seed, reason, population, by_grade, created_at, city_id, district_id,
  drawn_by_id, plan_id, province_id, region_id)
SELECT 1, p.seed, '', 0, '{}'::jsonb, p.created_at, p.city_id, p.district_id, NULL, p.id, p.province_id, p.region_id
FROM supervision_inspectionplan p
WHERE p.name LIKE %(marker_like)s AND NOT EXISTS (SELECT 1 FROM supervision_plandraw x WHERE x.plan_id = p.id);
"""

# About 12 %% of the filed institutions per half year (a per-row hash, not random(): reproducible).
# Past plans: inspected and published (a few completed, not yet published); the current half: some still
# planned.
SQL_SUP_INSPECTIONS = """
INSERT INTO supervision_inspection (origin, reference, grade, status, version, inspected_on, conclusion,
  completed_at, publish_due_at, published_at, created_at, updated_at, city_id, created_by_id, district_id,
  institution_id, province_id, region_id, template_id, plan_id, draw_id)
SELECT 'random', '', 'B', st.status, 3,
  CASE WHEN st.status <> 'planned' THEN p.period_start + (abs(hashtext('day' || i.id || p.id)) %% 150) END,
  CASE WHEN st.status <> 'planned' THEN '基准检查结论' ELSE '' END,
  CASE WHEN st.status <> 'planned' THEN (p.period_start + (abs(hashtext('day' || i.id || p.id)) %% 150))::timestamptz END,
  CASE WHEN st.status <> 'planned' THEN (p.period_start + (abs(hashtext('day' || i.id || p.id)) %% 150) + 28)::timestamptz END,
  CASE WHEN st.status = 'published' THEN (p.period_start + (abs(hashtext('day' || i.id || p.id)) %% 150) + 10)::timestamptz END,
  p.created_at, p.created_at, i.city_id, NULL, i.district_id, i.id, i.province_id, i.region_id, t.id, p.id, dr.id
FROM supervision_inspectionplan p
JOIN supervision_plandraw dr ON dr.plan_id = p.id
JOIN supervision_checklisttemplate t ON t.district_id = p.district_id AND t.current
JOIN registry_institution i ON i.district_id = p.district_id AND i.status IN ('filed', 'suspended')
CROSS JOIN LATERAL (SELECT CASE
    WHEN p.period_end < current_date THEN CASE WHEN abs(hashtext('st' || i.id || p.id)) %% 20 = 0 THEN 'completed'
                                               ELSE 'published' END
    WHEN abs(hashtext('st' || i.id || p.id)) %% 2 = 0 THEN 'planned' ELSE 'completed' END AS status) st
WHERE p.name LIKE %(marker_like)s AND abs(hashtext('pick' || i.id || p.id)) %% 100 < 12
  AND NOT EXISTS (SELECT 1 FROM supervision_inspection x WHERE x.draw_id = dr.id);
"""

SQL_SUP_ASSIGN = """
INSERT INTO supervision_inspectioninspector (signed_at, city_id, district_id, inspection_id, province_id, region_id,
  signed_by_id, inspector_id)
SELECT CASE WHEN n.status <> 'planned' THEN n.completed_at END, n.city_id, n.district_id, n.id, n.province_id,
  n.region_id, NULL, r.id
FROM supervision_inspection n
JOIN supervision_plandraw dr ON dr.id = n.draw_id
JOIN supervision_inspectionplan p ON p.id = dr.plan_id AND p.name LIKE %(marker_like)s
CROSS JOIN LATERAL (SELECT ins.id FROM supervision_inspector ins
                    WHERE ins.district_id = n.district_id AND ins.name LIKE '基准检查员%%'
                    ORDER BY hashtext(ins.id || '-' || n.id) LIMIT 2) r
WHERE NOT EXISTS (SELECT 1 FROM supervision_inspectioninspector x WHERE x.inspection_id = n.id);
"""

# The first items of the checklist recorded per inspected inspection; about 4 %% do not conform.
SQL_SUP_FINDINGS = """
INSERT INTO supervision_inspectionfinding (result, note, updated_at, city_id, district_id, inspection_id, item_id,
  province_id, recorded_by_id, region_id)
SELECT CASE WHEN abs(hashtext('f' || n.id || it.id)) %% 100 < 4 THEN 'nonconforming' ELSE 'conforms' END,
  CASE WHEN abs(hashtext('f' || n.id || it.id)) %% 100 < 4 THEN '基准：发现问题' ELSE '' END,
  n.completed_at, n.city_id, n.district_id, n.id, it.id, n.province_id, NULL, n.region_id
FROM supervision_inspection n
JOIN supervision_plandraw dr ON dr.id = n.draw_id
JOIN supervision_inspectionplan p ON p.id = dr.plan_id AND p.name LIKE %(marker_like)s
JOIN supervision_checklistitem it ON it.template_id = n.template_id AND it.position <= %(recorded)s
WHERE n.status <> 'planned'
  AND NOT EXISTS (SELECT 1 FROM supervision_inspectionfinding x WHERE x.inspection_id = n.id);
"""

# One rectification order per inspection with a non-conformity: closed for the older ones, replied or
# open for the recent ones; some open ones past their due date (overdue).
SQL_SUP_ORDERS = """
INSERT INTO supervision_rectificationorder (status, version, due_at, due_set_at, closed_at, created_at, updated_at,
  city_id, district_id, inspection_id, institution_id, province_id, region_id)
SELECT o.status, 1, n.completed_at + interval '28 days', n.completed_at,
  CASE WHEN o.status = 'closed' THEN n.completed_at + interval '20 days' END, n.completed_at, n.completed_at,
  n.city_id, n.district_id, n.id, n.institution_id, n.province_id, n.region_id
FROM supervision_inspection n
CROSS JOIN LATERAL (SELECT CASE
    WHEN n.completed_at < now() - interval '120 days' AND abs(hashtext('o' || n.id)) %% 10 > 0 THEN 'closed'
    WHEN abs(hashtext('o' || n.id)) %% 3 = 0 THEN 'replied' ELSE 'open' END AS status) o
WHERE EXISTS (SELECT 1 FROM supervision_inspectionfinding f WHERE f.inspection_id = n.id AND f.result = 'nonconforming')
  AND NOT EXISTS (SELECT 1 FROM supervision_rectificationorder x WHERE x.inspection_id = n.id)
  AND n.draw_id IN (SELECT dr.id FROM supervision_plandraw dr JOIN supervision_inspectionplan p ON p.id = dr.plan_id
                    WHERE p.name LIKE %(marker_like)s);
"""

SQL_SUP_ORDER_ITEMS = """
INSERT INTO supervision_rectificationitem (code, text, basis, severity, note, due_at, city_id, district_id, finding_id,
  province_id, region_id, order_id)
SELECT it.code, it.text, it.basis, it.severity, f.note, o.due_at, o.city_id, o.district_id, f.id, o.province_id,
  o.region_id, o.id
FROM supervision_rectificationorder o
JOIN supervision_inspectionfinding f ON f.inspection_id = o.inspection_id AND f.result = 'nonconforming'
JOIN supervision_checklistitem it ON it.id = f.item_id
WHERE NOT EXISTS (SELECT 1 FROM supervision_rectificationitem x WHERE x.finding_id = f.id);
"""

# Complaints: about one for every four filed institutions over two years; most closed, the recent ones
# open (some past their handling deadline).
SQL_SUP_COMPLAINTS = """
INSERT INTO supervision_complaint (tracking_code, institution_name, text, contact_name, contact_phone_encrypted,
  contact_phone_masked, status, version, received_at, due_at, public_reply, replied_at, outcome, closed_at,
  followup_reference, followup_inspection_id, created_at, updated_at, assignee_id, city_id, district_id,
  institution_id, province_id, region_id)
SELECT 'BENCH' || lpad(i.id::text, 11, '0'), i.name, '基准测试投诉内容：午睡时无人看护。', '', '', '', c.status, 1,
  c.received_at, c.received_at + interval '21 days', CASE WHEN c.status = 'closed' THEN '已核查。' ELSE '' END,
  CASE WHEN c.status = 'closed' THEN c.received_at + interval '10 days' END,
  CASE WHEN c.status = 'closed' THEN 'not_substantiated' ELSE '' END,
  CASE WHEN c.status = 'closed' THEN c.received_at + interval '10 days' END, '', NULL, c.received_at, c.received_at,
  NULL, i.city_id, i.district_id, i.id, i.province_id, i.region_id
FROM registry_institution i
CROSS JOIN LATERAL (SELECT now() - interval '1 day' * (abs(hashtext('cr' || i.id)) %% 730) AS received_at) r
CROSS JOIN LATERAL (SELECT r.received_at, CASE WHEN r.received_at < now() - interval '60 days' THEN 'closed'
                           WHEN abs(hashtext('cs' || i.id)) %% 2 = 0 THEN 'in_progress' ELSE 'received' END AS status) c
WHERE i.status IN ('filed', 'suspended') AND abs(hashtext('c' || i.id)) %% 4 = 0
ON CONFLICT (tracking_code) DO NOTHING;
"""

SUPERVISION_TABLES = ["supervision_checklisttemplate", "supervision_checklistitem", "supervision_inspector",
                      "supervision_inspectionplan", "supervision_plandraw", "supervision_inspection",
                      "supervision_inspectioninspector", "supervision_inspectionfinding",
                      "supervision_rectificationorder", "supervision_rectificationitem", "supervision_complaint",
                      "supervision_blacklistentry"]


def populate_supervision(*, log=print) -> dict:
    """Two years of inspection plans, draws, inspections (assignments, findings, rectification orders,
    some overdue) and complaints, on an existing data set, set-based; idempotent (skips when the
    marker plans exist). Writes into supervision tables only."""
    from django.db import connection, transaction

    from supervision import checklist_default

    timings: dict[str, float] = {}

    def step(name: str, sql: str, params: dict | None = None) -> None:
        started = time.monotonic()
        with connection.cursor() as cur:
            cur.execute(sql, params or {})
            rows = cur.rowcount
        timings[name] = time.monotonic() - started
        log(f"  {name:<22} {timings[name]:7.1f} s  {rows if rows >= 0 else '':>10}")

    marker = {"marker": SUPERVISION_MARKER, "marker_like": SUPERVISION_MARKER + "%"}
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('app.tenant', '*', false)")
        cur.execute("SELECT count(*) FROM supervision_inspectionplan WHERE name LIKE %s", [marker["marker_like"]])
        if cur.fetchone()[0]:
            log("  supervision rows already generated (marker plans found): nothing added")
            return {"timings": timings, "counts": supervision_counts()}
    items = checklist_default.ITEMS
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL work_mem = '64MB'")
        step("sup districts", SQL_SUP_DISTRICTS)
        step("checklist templates", SQL_SUP_TEMPLATES,
             {"name": checklist_default.NAME, "national": checklist_default.NATIONAL_VERSION})
        step("checklist items", SQL_SUP_ITEMS, {"codes": [i[0] for i in items], "dims": [i[1] for i in items],
                                                "texts": [i[2] for i in items], "bases": [i[3] for i in items],
                                                "sevs": [i[4] for i in items]})
        step("inspectors", SQL_SUP_INSPECTORS)
        step("plans", SQL_SUP_PLANS, {**marker, "halves": SUPERVISION_HALVES})
        step("draws", SQL_SUP_DRAWS, marker)
        step("inspections", SQL_SUP_INSPECTIONS, marker)
        step("assignments", SQL_SUP_ASSIGN, marker)
        step("findings", SQL_SUP_FINDINGS, {**marker, "recorded": SUPERVISION_ITEMS_RECORDED})
        step("rectification orders", SQL_SUP_ORDERS, marker)
        step("rectification items", SQL_SUP_ORDER_ITEMS)
        step("complaints", SQL_SUP_COMPLAINTS)
    started = time.monotonic()
    with connection.cursor() as cur:
        for table in SUPERVISION_TABLES:
            cur.execute(f"ANALYZE {table}")
    timings["analyze"] = time.monotonic() - started
    return {"timings": timings, "counts": supervision_counts()}


def supervision_counts() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        cur.execute("SELECT set_config('app.tenant', '*', false)")
        for table in SUPERVISION_TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            out[table] = cur.fetchone()[0]
        cur.execute("SELECT count(*) FROM supervision_rectificationorder WHERE status = 'open' AND due_at < now()")
        out["overdue rectification orders"] = cur.fetchone()[0]
    return out


def _max_id(cursor, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(max(id), 0) FROM {table}")  # noqa: S608 (fixed table names)
    return cursor.fetchone()[0]


def _bump_identity(cursor, table: str) -> None:
    cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST(max(id), 1)) FROM {table}")  # noqa: S608


def _pusher_id() -> int:
    from accounts.models import User

    user, _ = User.objects.get_or_create(username="bench_registration_authority",
                                         defaults={"display_name": "基准测试登记机关（接口）", "is_machine": True})
    return user.pk


def populate(*, institutions: int, seed: float = 0.42, log=print, blacklist_entries: int = BLACKLIST_ENTRIES) -> dict:
    """Generate ``institutions`` institutions and everything hanging off them; returns timings and counts.

    Runs in one transaction on the default connection (triggers off for that transaction only).
    """
    from django.db import connection, transaction

    from core import crypto
    from core.validators import mask_id_number

    cipher = crypto.encrypt(DUMMY_ID_NUMBER)
    masked = mask_id_number(DUMMY_ID_NUMBER)
    timings: dict[str, float] = {}
    pusher = _pusher_id()

    def step(name: str, sql: str, params: dict | None = None) -> None:
        started = time.monotonic()
        with connection.cursor() as cur:
            cur.execute(sql, params or {})
            rows = cur.rowcount
        timings[name] = time.monotonic() - started
        log(f"  {name:<22} {timings[name]:7.1f} s  {rows if rows >= 0 else '':>10}")

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SELECT setseed(%s)", [seed])
        inst0, filing0, staff0 = (_max_id(cur, "registry_institution"), _max_id(cur, "registry_filing"),
                                  _max_id(cur, "registry_staff"))
        cur.execute("SELECT count(*) FROM regions_region WHERE tenant_district_id = code")
        if not cur.fetchone()[0]:
            raise SystemExit("no tenant districts: run manage.py load_regions first")
        big = {"big": BIG_DISTRICT, "n": institutions, "share": BIG_DISTRICT_SHARE}
        step("districts", SQL_DISTRICTS, big)
        step("district counts", SQL_DISTRICT_COUNTS, big)
        step("townships", SQL_TOWNSHIPS)
        step("institution plan", SQL_INST_PLAN, {"id0": inst0})
        step("institutions", SQL_INSTITUTIONS)
        step("points", SQL_POINTS, {"big": BIG_DISTRICT, "id0": inst0})
        step("registrations", SQL_REGISTRATIONS, {"pusher": pusher})
        step("filing plan", SQL_FILING_PLAN)
        step("filings", SQL_FILINGS, {"id0": filing0})
        step("receipt numbers", SQL_RECEIPTS, {"id0": filing0})
        step("receipt sequences", SQL_SEQUENCES, {"id0": filing0})
        step("current filings", SQL_CURRENT_FILING, {"id0": filing0})
        step("classes, fees", SQL_CLASSES, {"id0": inst0, "id1": filing0})
        step("filing events", SQL_EVENTS, {"id0": filing0})
        step("staff", SQL_STAFF, {"id0": staff0, "cipher": cipher, "masked": masked})
        step("conflict flags", SQL_FLAGS, {"id0": staff0})
        step("blacklist entries", SQL_BLACKLIST, {"n": blacklist_entries, "cipher": cipher, "masked": masked})
        step("penalties", SQL_PENALTIES, {"id0": inst0})
        step("closures", SQL_CLOSURES, {"id0": inst0})
        for table in ("registry_institution", "registry_filing", "registry_staff"):
            _bump_identity(cur, table)
    started = time.monotonic()
    with connection.cursor() as cur:
        for table in [*TABLES, "regions_region"]:  # regions too: load_regions just filled it
            cur.execute(f"ANALYZE {table}")
    timings["analyze"] = time.monotonic() - started
    log(f"  {'analyze':<22} {timings['analyze']:7.1f} s")
    return {"timings": timings, "counts": counts()}


def counts() -> dict:
    from django.db import connection

    out = {}
    with connection.cursor() as cur:
        for table in TABLES:
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            out[table] = cur.fetchone()[0]
        cur.execute("SELECT COALESCE(sum(total_slots), 0) FROM registry_institution")
        out["sum(total_slots)"] = cur.fetchone()[0]
        cur.execute("SELECT count(DISTINCT district_id) FROM registry_institution")
        out["districts with institutions"] = cur.fetchone()[0]
    return out


def _ensure_database(database_url: str) -> None:
    from urllib.parse import urlparse, urlunparse

    import psycopg
    from psycopg import sql

    parsed = urlparse(database_url)
    name = parsed.path.lstrip("/")
    admin_url = urlunparse(parsed._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def _manage(database_url: str, *args: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], check=True, env=env, cwd=ROOT)  # noqa: S603


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--institutions", type=int, default=126_000)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_bench")
    parser.add_argument("--seed", type=float, default=0.42, help="setseed() value in [-1, 1]")
    parser.add_argument("--skip-setup", action="store_true", help="do not create/migrate/load regions")
    parser.add_argument("--blacklist-entries", type=int, default=BLACKLIST_ENTRIES)
    parser.add_argument("--supervision", action="store_true",
                        help="also add two years of inspection plans, inspections, rectification orders and "
                             "complaints (supervision tables only; idempotent)")
    parser.add_argument("--supervision-only", action="store_true",
                        help="only the supervision rows, on an existing data set (implies --skip-setup)")
    parser.add_argument("--subsidies", action="store_true",
                        help="only ADD subsidy rows (bench.subsidies.populate_national) to an existing data set")
    parser.add_argument("--enrolments", type=int, default=5_000_000, help="with --subsidies")
    parser.add_argument("--subsidy-months", type=int, default=12, help="with --subsidies: months of claims")
    parser.add_argument("--subsidy-line-months", type=int, default=1,
                        help="with --subsidies: the last N months also get their per-child lines")
    args = parser.parse_args(argv)
    if args.supervision_only:
        _setup_django(args.database_url)
        started = time.monotonic()
        print("adding supervision rows ...")
        result = populate_supervision()
        print(f"total {time.monotonic() - started:.1f} s")
        for table, n in result["counts"].items():
            print(f"  {table:<34} {n:>12,}")
        return
    started = time.monotonic()
    if args.subsidies:
        _setup_django(args.database_url)
        from bench.subsidies import populate_national

        print(f"adding subsidy rows ({args.enrolments} enrolments, {args.subsidy_months} months) ...")
        result = populate_national(enrolments=args.enrolments, months=args.subsidy_months,
                                   line_months=args.subsidy_line_months)
        print(f"total {time.monotonic() - started:.1f} s", result)
        return
    if not args.skip_setup:
        t = time.monotonic()
        _ensure_database(args.database_url)
        _manage(args.database_url, "migrate", "--noinput", "-v", "0")
        _manage(args.database_url, "load_regions")
        print(f"setup (database, migrate, load_regions): {time.monotonic() - t:.1f} s")
    _setup_django(args.database_url)
    print(f"generating {args.institutions} institutions ...")
    result = populate(institutions=args.institutions, seed=args.seed, blacklist_entries=args.blacklist_entries)
    if args.supervision:
        result["counts"].update(populate_supervision()["counts"])
    print(f"total {time.monotonic() - started:.1f} s")
    print("row counts:")
    for table, n in result["counts"].items():
        print(f"  {table:<30} {n:>12,}")


if __name__ == "__main__":
    main()
