"""Subsidy benchmarks (issue 10): monthly operating claims for a city, the nationwide duplicate sweep.

    .venv/bin/python -m bench.subsidies rules --institutions 5000 --children 40
        the pure per-child rules (subsidies.rules.compute_lines) for a city's month: CPU only.
    (database part) bench.subsidies.populate_lines(n_lines, dup_share) + bench.subsidies.time_sweep()
        synthetic claim lines for one month written in one INSERT … SELECT, then the sweep's one
        statement (subsidies.services.duplicates.duplicates_refresh) timed; run inside a test
        database by tests/bench/test_subsidies_bench.py (figures printed).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import time

from subsidies import rules


def synthetic_children(n: int, period: dt.date, seed: int = 1) -> list[rules.Child]:
    rnd = random.Random(seed)
    out = []
    for key in range(n):
        born = period - dt.timedelta(days=rnd.randint(150, 1130))
        enrolled = period - dt.timedelta(days=rnd.randint(0, 400))
        left = period + dt.timedelta(days=rnd.randint(0, 40)) if rnd.random() < 0.1 else None
        class_type = "older_toddler" if (period - born).days > 730 else "toddler"
        out.append(rules.Child(key, born, class_type, enrolled, left))
    return out


def rules_throughput(institutions: int, children: int, period: dt.date = dt.date(2026, 3, 1)) -> dict:
    """Seconds for ``institutions`` × ``children`` lines of one month (the per-day loop in Python)."""
    kids = synthetic_children(children, period)
    capacity = {"toddler": children // 2, "older_toddler": children // 2}
    sample = min(institutions, 200)
    start = time.perf_counter()
    for _ in range(sample):
        rules.compute_lines(period, kids, capacity, min_eligible_days=15, institution_eligible=True)
    per_institution = (time.perf_counter() - start) / sample
    return {"institutions": institutions, "children_each": children, "sampled": sample,
            "ms_per_institution": round(per_institution * 1000, 2),
            "city_seconds_extrapolated": round(per_institution * institutions, 1)}


def populate_lines(n_lines: int, *, period: dt.date, dup_every: int = 500) -> int:
    """Write ``n_lines`` eligible lines of ``period`` spread over claims of 40 children (line g with
    g % ``dup_every`` = 40 is the child of line g − 40, one claim earlier: a planted duplicate pair),
    in set-based SQL under existing seed rows (one enrolment, policy and institution are reused: the
    sweep reads only the lines and their claims' status)."""
    from django.db import connection

    with connection.cursor() as c:
        c.execute("SELECT id, institution_id, policy_id FROM subsidies_subsidyclaim ORDER BY id LIMIT 1")
        claim_id, institution_id, policy_id = c.fetchone()
        c.execute("""
            INSERT INTO subsidies_enrolment (institution_id, child_name, id_number_encrypted, id_number_hash,
              id_number_masked, birth_date, class_type, enrolled_on, created_at, updated_at, region_id, province_id,
              city_id, district_id)
            SELECT e.institution_id, 'x', 'x', 'x', 'x', e.birth_date, e.class_type, e.enrolled_on, now(), now(),
                   e.region_id, e.province_id, e.city_id, e.district_id
            FROM subsidies_enrolment e, generate_series(1, %s) WHERE e.id = (SELECT min(id) FROM subsidies_enrolment)
            RETURNING id""", [n_lines])
        enrolments = [row[0] for row in c.fetchall()]
        # One statement each, one sequence: the new ids are consecutive (lines address them by offset).
        assert max(enrolments) - min(enrolments) + 1 == len(enrolments)
        c.execute("SELECT region_id, province_id, city_id, district_id FROM subsidies_subsidyclaim WHERE id = %s",
                  [claim_id])
        region, province, city, district = c.fetchone()
        claims = n_lines // 40 + 1
        c.execute("""
            INSERT INTO subsidies_subsidyclaim (institution_id, kind, period, policy_id, status, version, rate_fen,
              units, slots, amount_fen, province_share_fen, city_share_fen, district_share_fen, eligibility,
              return_reasons, budget_year, created_at, updated_at, region_id, province_id, city_id, district_id)
            SELECT %s, 'construction', NULL, %s, 'submitted', 1, 30000, 40, 0, 1200000, 0, 600000, 600000, '[]',
                   '[]', %s, now(), now(), %s, %s, %s, %s FROM generate_series(1, %s)
            RETURNING id""", [institution_id, policy_id, period.year, region, province, city, district, claims])
        ids = [row[0] for row in c.fetchall()]
        assert max(ids) - min(ids) + 1 == len(ids)
        c.execute("""
            INSERT INTO subsidies_claimline (claim_id, enrolment_id, period, child_name, id_number_hash,
              id_number_masked, birth_date, class_type, enrolled_days, eligible_days, excluded_days, eligible,
              duplicate, yielded, counts, reason, region_id, province_id, city_id, district_id)
            SELECT %s + (g / 40), %s + g, %s, 'x',
                   md5((CASE WHEN g %% %s = 40 THEN g - 40 ELSE g END)::text),
                   'x', %s, 'toddler', 30, 30, '{}', true, false, false, true, '', %s, %s, %s, %s
            FROM generate_series(0, %s - 1) g""",
                  [min(ids), min(enrolments), period, dup_every, period, region, province, city, district, n_lines])
    return n_lines


def time_sweep(period: dt.date) -> dict:
    from subsidies.services.duplicates import duplicates_refresh

    start = time.perf_counter()
    summary = duplicates_refresh(period=period)
    return {**summary, "seconds": round(time.perf_counter() - start, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["rules"])
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--children", type=int, default=40)
    args = parser.parse_args()
    print(rules_throughput(args.institutions, args.children))


if __name__ == "__main__":
    main()
