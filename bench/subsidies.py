"""Subsidy benchmarks (issue 10): monthly operating claims for a city, the nationwide duplicate sweep.

    .venv/bin/python -m bench.subsidies rules --institutions 5000 --children 40
        the pure per-child rules (subsidies.rules.compute_lines) for a city's month: CPU only.
    (database part) bench.subsidies.populate_lines(n_lines, dup_share) + bench.subsidies.time_sweep()
        synthetic claim lines for one month written in one INSERT … SELECT, then the sweep's one
        statement (subsidies.services.duplicates.duplicates_refresh) timed; run inside a test
        database by tests/bench/test_subsidies_bench.py (figures printed).
    .venv/bin/python -m bench.subsidies claims --institutions 5000 [--app-role] [--database-url URL]
        a month of operating claims for 5,000 filed institutions (biggest province first) by the task's
        batch path, rolled back; wall and CPU, lines, the hand-written SQL beside it (national_claims).
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


# --- national scale (bench/generate.py --subsidies; python -m bench.subsidies national) -----------------

NATIONAL_PERIOD = dt.date(2026, 10, 1)  # the month the sweep is measured on (the last of the year)
DUP_EVERY = 1000  # one child in a thousand is also enrolled at an institution of another province


def _step(log, timings, name, cur, sql, params=None):
    started = time.monotonic()
    cur.execute(sql, params or {})
    timings[name] = round(time.monotonic() - started, 1)
    log(f"  {name:<26} {timings[name]:7.1f} s  {cur.rowcount if cur.rowcount >= 0 else '':>10}")


def populate_national(*, enrolments: int = 5_000_000, months: int = 12, line_months: int = 1,
                      period: dt.date = NATIONAL_PERIOD, log=print) -> dict:
    """ADD subsidy rows to a generated national data set (only subsidies tables; idempotent: a step
    whose rows exist is skipped; nothing dropped): a policy per city, ``enrolments`` children spread
    over the filed institutions (one in ``DUP_EVERY`` also enrolled in another province: the
    duplicates the sweep must find), an operating claim per institution and month for ``months``
    months up to ``period``, and one line per child for the last ``line_months`` of them. Set-based
    SQL with the triggers off (as ``bench.generate.populate``); the blind index is md5 of a child key."""
    from django.db import connection, transaction

    timings: dict[str, float] = {}
    first = dt.date(period.year + (period.month - months) // 12, (period.month - months) % 12 + 1, 1)
    line_first = dt.date(period.year + (period.month - line_months) // 12, (period.month - line_months) % 12 + 1, 1)
    # The filed institutions copied once into a temporary table (a short read of registry_institution:
    # the long inserts below lock no table of another app), then one transaction per step, so a step
    # done stays done (a re-run skips it) and others' DDL on the registry is never held up.
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS pg_temp.bench_inst")
        cur.execute("""CREATE TEMP TABLE bench_inst AS
                       SELECT id, region_id, province_id, city_id, district_id, row_number() OVER (ORDER BY id) AS n
                       FROM registry_institution WHERE status = 'filed'""")
        cur.execute("SELECT count(*) FROM bench_inst")
        filed = cur.fetchone()[0]
    if not filed:
        raise SystemExit("no filed institutions: generate the national data set first")
    per = max(1, enrolments // filed)

    def begin(cur):
        cur.execute("SET LOCAL session_replication_role = replica")
        cur.execute("SET LOCAL work_mem = '256MB'")

    with transaction.atomic(), connection.cursor() as cur:
        begin(cur)
        cur.execute("SELECT count(*) FROM subsidies_subsidypolicy")
        if not cur.fetchone()[0]:
            _step(log, timings, "policies (one per city)", cur, """
                INSERT INTO subsidies_subsidypolicy (region_id, version, valid_from, construction_rate_min_fen,
                  construction_rate_max_fen, construction_rate_fen, operating_rate_fen, min_eligible_days,
                  requires_inclusive, requires_filed, requires_fee_within_band, min_occupancy_bp,
                  province_share_bp, city_share_bp, district_share_bp, requires_city_approval, basis, created_at)
                SELECT DISTINCT city_id, 1, DATE '2020-01-01', 40000, 60000, 50000, 30000, 15, true, true, true, 0,
                       0, 5000, 5000, false, 'bench', now()
                FROM bench_inst WHERE city_id IS NOT NULL""")
    with transaction.atomic(), connection.cursor() as cur:
        begin(cur)
        cur.execute("SELECT count(*) FROM subsidies_enrolment")
        if not cur.fetchone()[0]:
            # Child k of institution n: key n*per+k; every DUP_EVERY-th child of the second half of the
            # institutions is the same child (same blind index) as one of the first half.
            _step(log, timings, f"enrolments ({per} per institution)", cur, """
                INSERT INTO subsidies_enrolment (institution_id, child_name, id_number_encrypted, id_number_hash,
                  id_number_masked, birth_date, class_type, enrolled_on, created_at, updated_at, region_id,
                  province_id, city_id, district_id)
                SELECT i.id, 'bench', 'x',
                       md5(CASE WHEN k %% %(dup)s = 0 AND i.n > %(half)s THEN ((i.n - %(half)s) * %(per)s + k)
                                ELSE i.n * %(per)s + k END::text),
                       '110***********1237', DATE '2024-06-01' - (k * 7), 'toddler', DATE '2025-09-01', now(), now(),
                       i.region_id, i.province_id, i.city_id, i.district_id
                FROM bench_inst i, generate_series(1, %(per)s) k""",
                  {"per": per, "dup": DUP_EVERY, "half": filed // 2})
    with transaction.atomic(), connection.cursor() as cur:
        begin(cur)
        cur.execute("SELECT count(*) FROM subsidies_subsidyclaim WHERE kind = 'operating'")
        if not cur.fetchone()[0]:
            _step(log, timings, f"claims ({months} months)", cur, """
                INSERT INTO subsidies_subsidyclaim (institution_id, kind, period, policy_id, status, version,
                  rate_fen, units, slots, amount_fen, province_share_fen, city_share_fen, district_share_fen,
                  eligibility, return_reasons, budget_year, created_at, updated_at, region_id, province_id, city_id,
                  district_id)
                SELECT i.id, 'operating', m::date, p.id, CASE WHEN m::date < %(line_first)s THEN 'paid' ELSE 'submitted' END,
                       1, 30000, %(per)s, 0, %(per)s * 30000, 0, %(per)s * 15000, %(per)s * 15000, '[]', '[]',
                       extract(year FROM m)::int, now(), now(), i.region_id, i.province_id, i.city_id, i.district_id
                FROM bench_inst i JOIN subsidies_subsidypolicy p ON p.region_id = i.city_id AND p.version = 1,
                     generate_series(%(first)s::date, %(last)s::date, interval '1 month') m""",
                  {"per": per, "first": first, "last": period, "line_first": line_first})
    with transaction.atomic(), connection.cursor() as cur:
        begin(cur)
        cur.execute("SELECT count(*) FROM subsidies_claimline")
        if not cur.fetchone()[0]:
            _step(log, timings, f"lines ({line_months} month(s))", cur, """
                INSERT INTO subsidies_claimline (claim_id, enrolment_id, period, child_name, id_number_hash,
                  id_number_masked, birth_date, class_type, enrolled_days, eligible_days, excluded_days, eligible,
                  duplicate, yielded, counts, reason, region_id, province_id, city_id, district_id)
                SELECT c.id, e.id, c.period, e.child_name, e.id_number_hash, e.id_number_masked, e.birth_date,
                       e.class_type, 30, 30, '{}', true, false, false, true, '', e.region_id, e.province_id,
                       e.city_id, e.district_id
                FROM subsidies_subsidyclaim c JOIN subsidies_enrolment e ON e.institution_id = c.institution_id
                WHERE c.kind = 'operating' AND c.period >= %(line_first)s""", {"line_first": line_first})
    with connection.cursor() as cur:
        for table in ("subsidies_enrolment", "subsidies_subsidyclaim", "subsidies_claimline"):
            started = time.monotonic()
            cur.execute(f"VACUUM ANALYZE {table}")
            timings[f"vacuum analyze {table}"] = round(time.monotonic() - started, 1)
        out = {}
        for table in ("subsidies_enrolment", "subsidies_subsidyclaim", "subsidies_claimline"):
            cur.execute(f"SELECT count(*) FROM {table}")  # noqa: S608
            out[table] = cur.fetchone()[0]
    return {"timings": timings, "counts": out}


HAND_SWEEP_SQL = """
SELECT count(*) FROM (
  SELECT id_number_hash FROM subsidies_claimline
  WHERE period = %(period)s AND eligible AND NOT yielded
  GROUP BY id_number_hash HAVING min(claim_id) <> max(claim_id)) d"""


def national_sweep(*, period: dt.date = NATIONAL_PERIOD, log=print) -> dict:
    """The duplicate sweep over one month of the national data set, as the nightly job runs it (its
    body under ``core.sweeps.run_body``: scopes off, one bulk audit event), then again with nothing
    left to change, the hand-written GROUP BY beside it, and the EXPLAIN ANALYZE of the statement.
    Every write is rolled back: the data set keeps only the rows ``populate_national`` added."""
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from core.sweeps import get_sweep, run_body
    from subsidies.services.duplicates import _SQL
    from subsidies.sweeps import DUPLICATES

    out: dict = {}
    sweep = get_sweep(DUPLICATES)
    with scopes_disabled(), transaction.atomic():
        started = time.monotonic()
        out["sweep_first_run"] = dict(run_body(sweep, None, period=period))
        out["sweep_first_run_s"] = round(time.monotonic() - started, 2)
        started = time.monotonic()
        out["sweep_again"] = dict(run_body(sweep, None, period=period))
        out["sweep_again_s"] = round(time.monotonic() - started, 2)
        transaction.set_rollback(True)
    with connection.cursor() as cur:
        started = time.monotonic()
        cur.execute(HAND_SWEEP_SQL, {"period": period})
        out["hand_sql_duplicates"] = cur.fetchone()[0]
        out["hand_sql_s"] = round(time.monotonic() - started, 2)
        cur.execute("SELECT count(*) FROM subsidies_claimline WHERE period = %s", [period])
        out["lines_in_month"] = cur.fetchone()[0]
    where = " AND period = %(period)s"
    sql = _SQL.format(where=where, where_l=where.replace(" period", " l.period"))
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, {"period": period, "open": ["draft", "submitted", "returned"]})
        out["explain"] = "\n".join(row[0] for row in cur.fetchall())
        transaction.set_rollback(True)
    log(out["explain"])
    return out


def claim_institutions(n: int) -> tuple[list[int], list[tuple[str, int]]]:
    """``n`` filed institutions with enrolments, the province with the most first, then the next ones
    (广东 alone has 8,896 of the national set's): their ids, and (province, how many taken) per province."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("""
            SELECT i.id, i.province_id FROM registry_institution i
            JOIN (SELECT province_id, count(*) AS n FROM registry_institution WHERE status = 'filed'
                  GROUP BY province_id) p ON p.province_id = i.province_id
            WHERE i.status = 'filed' AND EXISTS (SELECT 1 FROM subsidies_enrolment e WHERE e.institution_id = i.id)
            ORDER BY p.n DESC, i.province_id, i.id LIMIT %s""", [n])
        rows = cur.fetchall()
    taken: dict[str, int] = {}
    for _, province in rows:
        taken[province] = taken.get(province, 0) + 1
    return sorted(row[0] for row in rows), list(taken.items())


HAND_LINES_SQL = """
CREATE TEMP TABLE bench_hand_lines ON COMMIT DROP AS
SELECT e.institution_id, e.id AS enrolment_id, e.child_name, e.id_number_hash, e.id_number_masked, e.birth_date,
       e.class_type, d.enrolled_days,
       GREATEST(0, LEAST(d.last, (e.birth_date + interval '36 months')::date - 1)
                   - GREATEST(d.first, (e.birth_date + interval '6 months')::date) + 1) AS age_days
FROM subsidies_enrolment e
CROSS JOIN LATERAL (SELECT GREATEST(e.enrolled_on, %(start)s) AS first,
                           LEAST(COALESCE(e.left_on, %(end)s), %(end)s) AS last,
                           LEAST(COALESCE(e.left_on, %(end)s), %(end)s) - GREATEST(e.enrolled_on, %(start)s) + 1
                             AS enrolled_days) d
WHERE e.institution_id = ANY(%(ids)s) AND e.enrolled_on <= %(end)s AND (e.left_on IS NULL OR e.left_on >= %(start)s)"""


def national_claims(*, sample: int = 20, institutions: int = 5000, period: dt.date = dt.date(2025, 10, 1),
                    log=print) -> dict:
    """Monthly operating claims for ``institutions`` filed institutions (the biggest province first:
    ``claim_institutions``), the way the task of the 1st makes them (``operating_claims_batch`` per
    ``BATCH_SIZE`` institutions: set-based reads, one INSERT for the lines, one duplicate check per
    batch, the task's scope: every region), for a month before the generated ones (no claim exists
    yet); rolled back. Beside it: ``sample`` institutions one at a time (``operating_claim_create``,
    the on-demand path) and the hand-written SQL for the same child-months (``HAND_LINES_SQL``: each
    line's enrolled and age-claimable days in one statement, written to a temporary table; no
    capacity ranking, no claims, no duplicate check: a lower bound). Wall and CPU seconds of this
    process are reported (the rest is PostgreSQL's); ``rls`` says whether row security bound the
    connection (run with the app role's URL: ``--app-role``)."""
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from subsidies.services.claims import BATCH_SIZE, operating_claim_create, operating_claims_batch

    ids, provinces = claim_institutions(institutions)
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        rls = not cur.fetchone()[0]
    made = lines = 0
    with scopes_disabled(), transaction.atomic():
        started, cpu = time.monotonic(), time.process_time()
        for i in range(0, len(ids), BATCH_SIZE):
            got = operating_claims_batch(period=period, institution_ids=ids[i:i + BATCH_SIZE])
            made, lines = made + got["created"], lines + got["lines"]
            with connection.cursor() as cur:  # the foreign keys are checked at COMMIT (deferred), which the
                cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # rollback skips: check them here, as the task's
                cur.execute("SET CONSTRAINTS ALL DEFERRED")  # commit of each batch does
        batch_s, batch_cpu = time.monotonic() - started, time.process_time() - cpu
        transaction.set_rollback(True)
    with scopes_disabled(), transaction.atomic():
        started = time.monotonic()
        for institution_id in ids[:sample]:
            operating_claim_create(actor=None, institution_id=institution_id, period=period)
        one_s = time.monotonic() - started
        transaction.set_rollback(True)
    with scopes_disabled(), transaction.atomic(), connection.cursor() as cur:
        started = time.monotonic()
        cur.execute(HAND_LINES_SQL, {"ids": ids, "start": period, "end": rules.month_end(period)})
        hand_rows = cur.rowcount
        hand_s = time.monotonic() - started
        transaction.set_rollback(True)
    out = {"provinces": provinces, "institutions": len(ids), "claims": made, "lines": lines, "rls": rls,
           "batch_s": round(batch_s, 1), "batch_cpu_s": round(batch_cpu, 1),
           "batch_ms_per_institution": round(batch_s / max(len(ids), 1) * 1000, 2),
           "one_at_a_time_ms_per_institution": round(one_s / max(min(sample, len(ids)), 1) * 1000, 1),
           "hand_sql_lines": hand_rows, "hand_sql_s": round(hand_s, 2)}
    log(out)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["rules", "national", "claims"])
    parser.add_argument("--institutions", type=int, default=5000)
    parser.add_argument("--children", type=int, default=40)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_bench")
    parser.add_argument("--enrolments", type=int, default=5_000_000)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--line-months", type=int, default=1)
    parser.add_argument("--app-role", action="store_true",
                        help="claims: run as the app role (manage.py db_app_role; row security binds it)")
    args = parser.parse_args()
    if args.what == "rules":
        print(rules_throughput(args.institutions, args.children))
        return
    from bench.generate import _setup_django

    if args.what == "claims" and args.app_role:
        from bench.load import ensure_app_role

        args.database_url = ensure_app_role(args.database_url)
    _setup_django(args.database_url)
    if args.what == "claims":  # one month of claims only, on the national set as generated
        national_claims(institutions=args.institutions)
        return
    print(populate_national(enrolments=args.enrolments, months=args.months, line_months=args.line_months))
    result = national_sweep()
    print({k: v for k, v in result.items() if k != "explain"})
    national_claims()


if __name__ == "__main__":
    main()
