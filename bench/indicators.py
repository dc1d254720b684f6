"""Indicator dashboards at scale: time the national and a province dashboard computed live (the
set-based statements) and the summaries sweep, on a database built by ``bench/generate.py``.

    .venv/bin/python bench/generate.py --institutions 126000 --database-url postgres://postgres@127.0.0.1:5432/childcare_bench_ind
    .venv/bin/python bench/indicators.py --database-url postgres://postgres@127.0.0.1:5432/childcare_bench_ind

Budgets (issue 11): province < 1 s, national < 2 s p95, or served from summaries refreshed in < 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _p95(samples: list[float]) -> float:
    return sorted(samples)[max(0, round(0.95 * len(samples)) - 1)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_bench_ind")
    parser.add_argument("--province", default="330000")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django_scopes import scopes_disabled

    from indicators import selectors, services
    from regions.models import Region
    from registry.models import Institution

    call_command("migrate", "indicators", verbosity=0)
    with scopes_disabled():
        n = Institution.objects.count()
        province = Region.objects.get(code=args.province)
        today = selectors.today()
        print(f"institutions: {n}")
        for label, region in (("province " + args.province, province), ("national", None)):
            selectors.compute(region=region, as_of=today)  # warm
            samples = []
            for _ in range(args.runs):
                t = time.perf_counter()
                selectors.compute(region=region, as_of=today)
                samples.append((time.perf_counter() - t) * 1000)
            print(f"{label} live: median {statistics.median(samples):.0f} ms, p95 {_p95(samples):.0f} ms")
            t = time.perf_counter()
            board = selectors.dashboard(region=region)
            print(f"{label} page read ({board.source}): {(time.perf_counter() - t) * 1000:.0f} ms")
        t = time.perf_counter()
        result = services.summaries_sweep()
        print(f"summaries sweep {result}: {time.perf_counter() - t:.1f} s")
        for label, region in (("province " + args.province, province), ("national", None)):
            samples = []
            for _ in range(args.runs):
                t = time.perf_counter()
                board = selectors.dashboard(region=region)
                samples.append((time.perf_counter() - t) * 1000)
            print(f"{label} from summary ({board.source}): p95 {_p95(samples):.0f} ms")


if __name__ == "__main__":
    main()
