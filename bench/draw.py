"""Measure the random-inspection draw (``supervision.services.inspections.plan_draw``) over a large
population: N filed institutions in one filing district (default 10,000 — a whole province's worth
drawn at once), a roster of inspectors with declared conflicts, every grade's default rate.

    .venv/bin/python bench/draw.py --database-url postgres://postgres@127.0.0.1:5432/<a migrated db>

Everything it writes happens inside one transaction that is rolled back at the end (the database is
left as it was); each timed draw runs in its own savepoint, rolled back too. Prints the median and
p95 wall clock of the whole service (population read, grades, roster and conflicts, the draw,
inserting the inspections, their assignments and events) and of the pure draw alone.
Budget (issue 9 §7): < 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import _setup_django  # noqa: E402

DISTRICT = "330106"
BUDGET_S = 5.0


class Rollback(Exception):
    pass


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--inspectors", type=int, default=300)
    parser.add_argument("--conflicts", type=int, default=600)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    _setup_django(args.database_url)

    from django.db import transaction

    service_s: list[float] = []
    pure_s: list[float] = []
    drawn = 0
    try:
        with transaction.atomic():  # everything below is rolled back (Rollback)
            _run(args, service_s, pure_s)
    except Rollback as done:
        drawn = done.args[0]
    print_results(args, service_s, pure_s, drawn)


def _run(args, service_s: list[float], pure_s: list[float]) -> None:
    """Populate, then time ``args.runs`` draws; raises ``Rollback(drawn)`` to undo it all."""
    from django.db import transaction
    from django_scopes import scopes_disabled

    from accounts.services import account_create_or_grant
    from core.tenancy import TenantScope, tenant_scope
    from regions.models import Region
    from registry.models import Institution, InstitutionStatus
    from supervision.models import Inspector, InspectorConflict
    from supervision.selectors import inspections as selectors
    from supervision.services.inspections import draw, plan_create, plan_draw
    from tests.factories import make_uscc

    drawn = 0
    with scopes_disabled():
        if not Region.objects.filter(code=DISTRICT).exists():
            from tests.regions_fixture import load_test_regions

            load_test_regions()
        district = Region.objects.get(code=DISTRICT)
        township = Region.objects.filter(tenant_district_id=DISTRICT).exclude(code=DISTRICT).first() or district
        institutions = []
        for n in range(args.institutions):
            i = Institution(uscc=make_uscc("330106", seed=900_000 + n), name=f"基准托育园{n}", nature="enterprise",
                            status=InstitutionStatus.FILED)
            i.set_region(township)
            institutions.append(i)
        Institution.objects.bulk_create(institutions, batch_size=2000)
        roster = []
        for n in range(args.inspectors):
            r = Inspector(name=f"基准检查员{n}", department=["health", "police", "market", "housing", "fire"][n % 5])
            r.set_region(district)
            roster.append(r)
        Inspector.objects.bulk_create(roster)
        InspectorConflict.objects.bulk_create([
            InspectorConflict(inspector=roster[n % len(roster)], institution=institutions[(n * 7919) % len(institutions)])
            for n in range(args.conflicts)])
        admin, _, _ = account_create_or_grant(actor=None, username="bench_draw_admin", password="Bench#Draw2026x",
                                              role="district_admin", scope=DISTRICT)
    with tenant_scope(TenantScope.for_region(district)):
        plan = plan_create(actor=admin, data={"name": "基准抽查", "period_start": dt.date(2026, 1, 1),
                                              "period_end": dt.date(2026, 12, 31),
                                              "inspectors_per_inspection": 2, "seed": 1})
        population = selectors.draw_population(district_id=DISTRICT)
        grades = selectors.institution_grades([pk for pk, _ in population])
        ids = [i.pk for i in selectors.draw_roster(district_id=DISTRICT, departments=[])]
        conflicts = selectors.conflicts_of(ids)
        for run in range(args.runs + 1):  # one warm-up
            start = time.perf_counter()
            draw(seed=run, population=population, grades=grades, rates=plan.rates, roster=ids,
                 conflicts=conflicts, per_inspection=2)
            if run:
                pure_s.append(time.perf_counter() - start)
            sid = transaction.savepoint()
            start = time.perf_counter()
            record = plan_draw(actor=admin, plan_id=plan.pk)
            elapsed = time.perf_counter() - start
            drawn = sum(v[1] for v in record.by_grade.values())
            transaction.savepoint_rollback(sid)
            if run:
                service_s.append(elapsed)
        raise Rollback(drawn)


def print_results(args, service_s, pure_s, drawn) -> None:
    def p95(values):
        return sorted(values)[max(0, round(0.95 * len(values)) - 1)]

    print(f"population {args.institutions} filed institutions, roster {args.inspectors}, "
          f"conflicts {args.conflicts}, drawn {drawn} per run, {args.runs} runs")
    print(f"plan_draw (service, all writes): median {statistics.median(service_s):.2f} s, p95 {p95(service_s):.2f} s "
          f"(budget {BUDGET_S:.0f} s: {'PASS' if p95(service_s) < BUDGET_S else 'FAIL'})")
    print(f"draw (pure, in memory):          median {statistics.median(pure_s) * 1000:.0f} ms, "
          f"p95 {p95(pure_s) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
