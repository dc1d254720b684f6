"""App CPU per request, in process: the load test's mix through Django's test client, no HTTP, no gunicorn.

    .venv/bin/python bench/cpu.py --database-url postgres://postgres@127.0.0.1:5432/childcare_bench_perf
    .venv/bin/python bench/cpu.py ... --against /tmp/perf-before   # A B A B against another tree

For each scope's user (made as ``bench/load.py`` makes them) it logs in through the login form (a
session, as a browser) and asks for an API token, then requests every page of the scope's mix
(``bench.load.MIX``) ``--requests`` times per round, ``--rounds`` rounds, and reports per page the
median over rounds of the mean **CPU ms per request** of this thread (``time.thread_time``: waiting
for PostgreSQL is not counted, so the machine's load moves it far less than wall time), and the
queries per request. It also reports the load average at the start and the end.

``--against DIR`` runs the same measurement in a child process from another checkout of the project
(e.g. ``git worktree add /tmp/perf-before <commit>``), alternating A B A B ``--pairs`` times so that a
change of the machine's load hits both trees alike, and prints both columns side by side.

It connects as the database owner (row security not applied: the pages' SQL is the same, the tenant
setting still sent), with DEBUG off; the figures are for comparing trees, not for capacity.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def measure(database_url: str, scopes: list[str], *, rounds: int, requests: int) -> dict:
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("DJANGO_ENV", "development")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    from bench import load

    load.setup_django(database_url)
    try:  # as childcare.wsgi does in production (a tree from before core.runtime has nothing to tune)
        from core.runtime import tune_gc
    except ImportError:
        pass
    else:
        tune_gc()
    import random

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    codes = {"district": load.BIG_DISTRICT, "city": load.CITY, "province": load.PROVINCE, "country": load.COUNTRY}
    users = load.prepare_users({s: codes[s] for s in scopes})
    out: dict = {"load_start": os.getloadavg(), "pages": {}}
    for scope, user in users.items():
        client = Client(HTTP_HOST="127.0.0.1")
        if not client.login(username=user.username, password=user.password):
            raise SystemExit(f"login of {user.username} failed")
        token = client.post("/api/v1/auth/token/", {"username": user.username, "password": user.password},
                            content_type="application/json").json()["token"]
        api_headers = {"HTTP_AUTHORIZATION": f"Token {token}"}
        rnd = random.Random(7)
        pages = load.mix_for(user.role)
        cpu: dict[str, list[float]] = {p.kind: [] for p in pages}
        queries: dict[str, int] = {}
        for round_no in range(rounds + 1):  # round 0 warms caches up and is not recorded
            for page in pages:
                paths = [page.path.format(institution=rnd.choice(user.institutions),
                                          filing=rnd.choice(user.filings) if user.filings else 0)
                         for _ in range(requests)]
                headers = api_headers if page.api else {}
                c = Client(HTTP_HOST="127.0.0.1") if page.api else client
                total = 0.0
                for path in paths:
                    with CaptureQueriesContext(connection) as captured:
                        started = time.thread_time()
                        response = c.get(path, **headers)
                        total += time.thread_time() - started
                    if response.status_code != 200:
                        raise SystemExit(f"{scope} {path}: HTTP {response.status_code}")
                    queries[page.kind] = len(captured)
                if round_no:
                    cpu[page.kind].append(total / requests * 1000)
        for kind, values in cpu.items():
            out["pages"][f"{scope} | {kind}"] = {"cpu_ms": statistics.median(values), "queries": queries[kind]}
    out["load_end"] = os.getloadavg()
    return out


def child(tree: Path, args) -> dict:
    command = [str(Path(sys.executable)), str(Path(__file__).resolve()), "--json-only", "--tree", str(tree),
               "--database-url", args.database_url, "--scopes", args.scopes,
               "--rounds", str(args.rounds), "--requests", str(args.requests)]
    env = {**os.environ, "PYTHONPATH": str(tree)}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(command, cwd=tree, env=env, check=True, capture_output=True, text=True)  # noqa: S603
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_bench_perf")
    parser.add_argument("--scopes", default="district", help="comma-separated: district,city,province,country")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=8, help="requests per page per round")
    parser.add_argument("--against", type=Path, default=None, help="another checkout: A B A B comparison")
    parser.add_argument("--pairs", type=int, default=2)
    parser.add_argument("--json-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, default=None, help=argparse.SUPPRESS)  # the code to import
    args = parser.parse_args(argv)
    if args.tree is not None:
        sys.path.remove(str(ROOT))
        sys.path.insert(0, str(args.tree))
        os.chdir(args.tree)
    if args.json_only:
        print(json.dumps(measure(args.database_url, args.scopes.split(","), rounds=args.rounds,
                                 requests=args.requests)))
        return 0
    if args.against is None:
        result = measure(args.database_url, args.scopes.split(","), rounds=args.rounds, requests=args.requests)
        print(f"load average {result['load_start'][0]:.2f} -> {result['load_end'][0]:.2f}")
        print(f"| page | app CPU ms/req (median of {args.rounds} rounds) | queries |\n|---|---:|---:|")
        for page, row in result["pages"].items():
            print(f"| {page} | {row['cpu_ms']:.1f} | {row['queries']} |")
        return 0
    runs: dict[str, list[dict]] = {"A": [], "B": []}
    for _ in range(args.pairs):
        runs["A"].append(child(args.against.resolve(), args))
        runs["B"].append(child(ROOT, args))
    loads = [r["load_start"][0] for rs in runs.values() for r in rs] + [
        r["load_end"][0] for rs in runs.values() for r in rs]
    print(f"A = {args.against}, B = {ROOT}; {args.pairs} pairs A B; load average {min(loads):.2f}-{max(loads):.2f}")
    print("| page | A CPU ms | B CPU ms | A queries | B queries |\n|---|---:|---:|---:|---:|")
    for page in runs["B"][0]["pages"]:
        a = [r["pages"][page]["cpu_ms"] for r in runs["A"] if page in r["pages"]]
        b = [r["pages"][page]["cpu_ms"] for r in runs["B"]]
        qa = runs["A"][0]["pages"].get(page, {}).get("queries", "—")
        qb = runs["B"][0]["pages"][page]["queries"]
        print(f"| {page} | {min(a) if a else float('nan'):.1f} | {min(b):.1f} | {qa} | {qb} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
