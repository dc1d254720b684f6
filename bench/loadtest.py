"""``make loadtest``: a bounded load test on loopback (not in CI). Locust drives gunicorn with
reviewers working the review queue (accept / return), operators submitting filings and the public
searching and verifying receipts; 100 concurrent users for 5 minutes by default.

    .venv/bin/python bench/loadtest.py --database-url postgres://postgres@127.0.0.1:5432/childcare_load

Set-up as ``bench/load.py`` (whose helpers it reuses): the data set from ``bench/generate.py``
(``--institutions N`` generates it when the database is empty), gunicorn as the row-security app role
(``manage.py db_app_role``), real accounts logged in over HTTP (page session and API token). The
public's per-IP rate limits are raised for the run: every simulated citizen comes from 127.0.0.1.

After the run it checks in SQL that no receipt number was lost or issued twice: every receipt
sequence that moved during the run is matched, number for number, by exactly one accepted filing,
and the number of accepts the clients saw answered 200 equals the filings the database decided.
It writes ``bench/results-<date>-loadtest.md`` and exits non-zero on any error or receipt fault.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import load  # noqa: E402

REVIEW_DISTRICTS = int(os.environ.get("LOADTEST_REVIEWERS", "3"))
OPERATORS = int(os.environ.get("LOADTEST_OPERATORS", "6"))


def prepare(args) -> dict:
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from accounts.models import User
    from accounts.services import account_create_or_grant
    from registry.models import Filing, Institution
    from registry.workflow import REVIEW_QUEUE_STATES

    def account(username: str, role: str, scope: str) -> load.ScopeUser:
        password = "Load#" + secrets.token_urlsafe(12)
        with scopes_disabled(), transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is not None:
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
            account_create_or_grant(actor=None, username=username, password=password, role=role, scope=scope)
        return load.ScopeUser(role, scope, role, username, password)

    config: dict = {"reviewers": [], "operators": []}
    with scopes_disabled():
        with connection.cursor() as cur:
            cur.execute("SELECT district_id, count(*) FROM registry_filing WHERE status = ANY(%s) GROUP BY 1 "
                        "ORDER BY 2 DESC LIMIT %s", [list(REVIEW_QUEUE_STATES), REVIEW_DISTRICTS])
            districts = [row[0] for row in cur.fetchall()]
        for district in districts:
            user = account(f"load_reviewer_{district}", "district_reviewer", district)
            filings = list(Filing.objects.filter(district_id=district, status__in=REVIEW_QUEUE_STATES)
                           .values_list("id", flat=True))
            config["reviewers"].append({"user": user, "filings": filings})
        waiting = (Filing.objects.filter(status__in=("draft", "returned"))
                   .values_list("institution_id", flat=True).order_by("institution_id").distinct()[:OPERATORS])
        for institution in Institution.objects.filter(id__in=list(waiting)):
            user = account(f"load_operator_{institution.id}", "operator", institution.uscc)
            filings = list(Filing.objects.filter(institution=institution, status__in=("draft", "returned"))
                           .values_list("id", flat=True))
            config["operators"].append({"user": user, "filings": filings})
        config["receipts"] = list(Filing.objects.filter(status="accepted").exclude(receipt_no="")
                                  .order_by("?").values_list("receipt_no", flat=True)[:300])
        config["points"] = [(f"{lat:.6f}", f"{lng:.6f}") for lat, lng in
                            Institution.objects.exclude(latitude=None).order_by("?")
                            .values_list("latitude", "longitude")[:200]]
    return config


def sequences() -> dict[tuple[str, int], int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT district_id, year, last_number FROM registry_receiptsequence")
        return {(d, y): n for d, y, n in cur.fetchall()}


def receipt_checks(before: dict, started: dt.datetime, accepted_200: int) -> dict:
    """Lost and duplicate receipt numbers, in SQL, after the run."""
    from django.db import connection

    after = sequences()
    out = {"issued": 0, "missing": [], "duplicates": [], "orphans": []}
    with connection.cursor() as cur:
        cur.execute("SELECT receipt_no, count(*) FROM registry_filing WHERE receipt_no <> '' "
                    "GROUP BY 1 HAVING count(*) > 1")
        out["duplicates"] = [r[0] for r in cur.fetchall()]
        for (district, year), last in after.items():
            first = before.get((district, year), 0)
            if last == first:
                continue
            wanted = {f"{district}-{year}-{n:05d}" for n in range(first + 1, last + 1)}
            out["issued"] += len(wanted)
            cur.execute("SELECT receipt_no FROM registry_filing WHERE receipt_no = ANY(%s) AND status = 'accepted'",
                        [sorted(wanted)])
            found = {r[0] for r in cur.fetchall()}
            out["missing"] += sorted(wanted - found)
        cur.execute("SELECT count(*), count(*) FILTER (WHERE kind <> 'termination') FROM registry_filing "
                    "WHERE status = 'accepted' AND decided_at >= %s", [started])
        out["decided_accepted"], out["decided_with_receipt"] = cur.fetchone()
    out["accepted_200"] = accepted_200
    out["ok"] = (not out["duplicates"] and not out["missing"] and out["decided_accepted"] == accepted_200
                 and out["decided_with_receipt"] == out["issued"])
    return out


def read_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def report(args, stats, outcomes, checks, load_before, load_after, shape, config, server) -> str:
    total = next(r for r in stats if r["Name"] == "Aggregated")
    lines = [
        f"# Load test {dt.datetime.now(dt.UTC).date():%Y-%m-%d}: {args.users} users for {args.run_time} (locust, loopback)",
        "",
        "Command: `make loadtest` (`.venv/bin/python bench/loadtest.py " + " ".join(sys.argv[1:]) + "`)",
        "",
        "## Conditions",
        "",
        f"- data set: {', '.join(f'{k} {v:,}' for k, v in shape.items())}",
        f"- gunicorn {args.workers} workers × {args.threads} threads (gthread), as the row-security app role; "
        f"`{' '.join(server.command[1:3])}`",
        f"- {args.users} locust users (spawn {args.spawn_rate}/s), think time 1–3 s; reviewers 20 %, operators 20 %, "
        "public 60 % (by weight)",
        f"- accounts: {len(config['reviewers'])} district reviewers (the busiest review queues), "
        f"{len(config['operators'])} operators (institutions with a draft or returned filing); the public "
        "anonymous, per-IP limits raised for the run (all clients are 127.0.0.1)",
        f"- machine: {os.cpu_count()} cores shared with other work; load average before "
        f"{' / '.join(f'{x:.2f}' for x in load_before)}, after {' / '.join(f'{x:.2f}' for x in load_after)}; "
        "locust itself runs on the same cores",
        "",
        "## Result",
        "",
        f"- requests {int(total['Request Count']):,}, failures **{int(total['Failure Count'])}**, "
        f"{float(total['Requests/s']):.1f} req/s; p50 {total['50%']} ms, p95 {total['95%']} ms, "
        f"p99 {total['99%']} ms",
        f"- receipts: {checks['issued']} issued during the run; duplicates **{len(checks['duplicates'])}**, "
        f"lost (a sequence number without its accepted filing) **{len(checks['missing'])}**; accepts answered "
        f"200: {checks['accepted_200']}, filings the database decided accepted: {checks['decided_accepted']} "
        f"(with a receipt: {checks['decided_with_receipt']}) → {'OK' if checks['ok'] else 'FAULT'}",
        f"- outcomes: {', '.join(f'{k} {v}' for k, v in sorted(outcomes.items())) or 'none'}",
        "",
        "## Per page",
        "",
        "| page | requests | failures | median ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in stats:
        if row["Name"] == "Aggregated":
            continue
        lines.append(f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
                     f"{row['50%']} | {row['95%']} | {row['99%']} | {float(row['Max Response Time']):.0f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_load")
    parser.add_argument("--institutions", type=int, default=10_000, help="generate this many when empty")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--redis-url", default=os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/5"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)

    from bench import generate

    generate._ensure_database(args.database_url)
    load.setup_django(args.database_url)
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass('registry_institution') IS NOT NULL "
                    "AND EXISTS (SELECT 1 FROM registry_institution)")
        present = cur.fetchone()[0]
    if not present:
        print(f"generating {args.institutions} institutions ...", flush=True)
        generate._manage(args.database_url, "migrate", "--noinput", "-v", "0")
        generate._manage(args.database_url, "load_regions")
        generate.populate(institutions=args.institutions, log=lambda *a: None)
    config = prepare(args)
    shape = load.data_shape()
    before = sequences()
    connection.close()
    app_url = load.ensure_app_role(args.database_url)
    for name in ("PUBLIC_RATE_PER_MINUTE", "PUBLIC_RATE_PER_DAY", "VERIFY_RATE_PER_MINUTE", "VERIFY_RATE_PER_DAY"):
        os.environ[name] = "10000000"
    server = load.start_gunicorn(app_url, workers=args.workers, threads=args.threads, worker_class="gthread",
                                 redis_url=args.redis_url, log=Path(tempfile.gettempdir()) / "loadtest-gunicorn.log")
    tmp = Path(tempfile.mkdtemp(prefix="loadtest-"))
    load_before = os.getloadavg()
    started = dt.datetime.now(dt.UTC)
    try:
        for group in ("reviewers", "operators"):
            for entry in config[group]:
                load.login(server.port, entry["user"])
                entry["token"], entry["cookie"] = entry["user"].token, entry["user"].cookie
                del entry["user"]
        config["outcomes_path"] = str(tmp / "outcomes.json")
        (tmp / "config.json").write_text(json.dumps(config, ensure_ascii=False))
        started = dt.datetime.now(dt.UTC)
        print(f"locust: {args.users} users for {args.run_time} against 127.0.0.1:{server.port} ...", flush=True)
        subprocess.run([str(Path(sys.executable).parent / "locust"), "-f", str(ROOT / "bench/locustfile.py"),  # noqa: S603
                        "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time,
                        "--host", f"http://127.0.0.1:{server.port}", "--csv", str(tmp / "run"), "--only-summary",
                        "--stop-timeout", "30", "--loglevel", "WARNING"],
                       env={**os.environ, "LOADTEST_CONFIG": str(tmp / "config.json")}, cwd=ROOT, check=False)
    finally:
        server.stop()
    load_after = os.getloadavg()
    time.sleep(0.5)
    stats = read_stats(str(tmp / "run"))
    outcomes = json.loads((tmp / "outcomes.json").read_text())
    load.setup_django(args.database_url)
    checks = receipt_checks(before, started, outcomes.get("accepted", 0))
    text = report(args, stats, outcomes, checks, load_before, load_after, shape, config, server)
    out = args.out or ROOT / "bench" / f"results-{dt.datetime.now(dt.UTC).date():%Y-%m-%d}-loadtest.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out}")
    failures = int(next(r for r in stats if r["Name"] == "Aggregated")["Failure Count"])
    return 0 if failures == 0 and checks["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
