"""``make loadtest``: a bounded load test on loopback (not in CI). Locust drives gunicorn with
reviewers working the review queue (accept / return), operators editing and submitting filings and
changing staff, and the public searching and verifying receipts; 100 concurrent users for 5 minutes
by default, with think times like people's (bench/locustfile.py).

    .venv/bin/python bench/loadtest.py --database-url postgres://postgres@127.0.0.1:5432/childcare_load

Set-up: the data set from ``bench/generate.py`` (``--institutions N`` generates it when the database
is empty); the review pool made acceptable (``bench/loadtest_data.py``: classes, a document per
required material with a small real PDF, staff certificates, then every filing checked with the
app's own checklist); real accounts logged in over HTTP (page session and API token). gunicorn runs
as in production on 2 cores (docs/operations.md: 3 sync workers) as the row-security app role, and a
real Celery worker renders the receipts. Locust runs at ``nice 10`` (FastHttpUser) so it does not
starve the server it measures. The public keep the production rate limits: each simulated citizen
sends its own address in ``X-Forwarded-For`` and gunicorn trusts one proxy hop from 127.0.0.1.

After the run (and once the worker has rendered every receipt) it checks in SQL that no receipt
was lost or issued twice: every filing accepted during the run holds a number, no number is held
twice, every district-year sequence the run moved is gap-free from 1 to its last number, every
receipt is rendered (status ready, the PDF on disk), and the accepts the clients saw answered 200
are the filings the database accepted. Errors are reported by kind (5xx, other 4xx, 429, no HTTP
answer). It prints a one-screen summary, writes ``bench/results-<date>-loadtest.md`` and exits
non-zero on any error or receipt fault.
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

REVIEW_DISTRICTS = int(os.environ.get("LOADTEST_REVIEWERS", "30"))
OPERATORS = int(os.environ.get("LOADTEST_OPERATORS", "20"))
NEW_PER_DISTRICT = int(os.environ.get("LOADTEST_NEW_PER_DISTRICT", "40"))


def prepare(args) -> dict:
    """Accounts, the acceptable review pool (``bench.loadtest_data``) and the public's sample data."""
    from django.conf import settings
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from accounts.models import User
    from accounts.services import account_create_or_grant
    from bench.loadtest_data import make_acceptable, prepare_review_pool, write_documents
    from registry.models import Filing, Institution, Staff

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
            # The districts with the most childcare institutions: their queues plus a new change
            # filing of each filed institution make the review pool.
            cur.execute("SELECT district_id FROM registry_institution WHERE kind = 'institution' "
                        "AND status IN ('filed', 'filing') GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT %s",
                        [REVIEW_DISTRICTS])
            districts = [row[0] for row in cur.fetchall()]
        pool = prepare_review_pool(districts, media_root=Path(settings.MEDIA_ROOT), new_per_district=NEW_PER_DISTRICT)
        config["pool"] = {"created": pool["created"], "made_ready": pool["made_ready"],
                          "acceptable": sum(len(v) for v in pool["filings"].values()),
                          "failing": dict(pool["failing"])}
        for district, filings in pool["filings"].items():
            if filings:
                user = account(f"load_reviewer_{district}", "district_reviewer", district)
                config["reviewers"].append({"user": user, "filings": filings})
        # Operators: childcare institutions with a draft or returned filing, made acceptable too, so
        # edit → sign → submit goes through (a refusal would be a set-up fault, reported as such).
        waiting = list(Filing.objects.filter(status__in=("draft", "returned"), kind__in=("initial", "change"),
                                             institution__kind="institution")
                       .exclude(district_id__in=districts)
                       .values_list("id", flat=True).order_by("institution_id")[:OPERATORS * 3])
        ready, _ = make_acceptable(waiting, write_documents(Path(settings.MEDIA_ROOT)))
        for filing in Filing.objects.filter(id__in=ready).select_related("institution").order_by("id")[:OPERATORS]:
            institution = filing.institution
            user = account(f"load_operator_{institution.id}", "operator", institution.uscc)
            staff = list(Staff.objects.filter(institution=institution, role="caregiver", end_date=None)
                         .values_list("id", flat=True))
            config["operators"].append({"user": user, "institution": institution.id, "filings": [filing.id],
                                        "signer": filing.principal_name or "负责人", "staff": staff})
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


def wait_for_renders(started: dt.datetime, timeout: float) -> float:
    """Until no filing accepted during the run waits for its receipt PDF (the worker catches up);
    the seconds it took."""
    from django.db import connection

    t0 = time.monotonic()
    while time.monotonic() < t0 + timeout:
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM registry_filing WHERE decided_at >= %s AND receipt_status = 'pending'",
                        [started])
            pending = cur.fetchone()[0]
        if pending == 0:
            break
        print(f"  {pending} receipts still rendering ...", flush=True)
        time.sleep(10)
    return time.monotonic() - t0


def receipt_checks(before: dict, started: dt.datetime, accepted_200: int) -> dict:
    """Lost and duplicate receipt numbers, in SQL, after the run: every filing accepted during the
    run holds a receipt number, no number is held twice, the numbers of every district-year the run
    touched run 1..last without a gap, every receipt issued in the run is rendered (status ready and
    the PDF on disk), and the accepts the clients saw answered 200 are the filings the database decided."""
    from django.conf import settings
    from django.db import connection

    after = sequences()
    out: dict = {"issued": 0, "missing": [], "duplicates": [], "without_number": 0, "not_rendered": [],
                 "sequences_touched": 0}
    with connection.cursor() as cur:
        cur.execute("SELECT receipt_no, count(*) FROM registry_filing WHERE receipt_no <> '' "
                    "GROUP BY 1 HAVING count(*) > 1")
        out["duplicates"] = [r[0] for r in cur.fetchall()]
        for (district, year), last in after.items():
            first = before.get((district, year), 0)
            if last == first:
                continue
            out["sequences_touched"] += 1
            out["issued"] += last - first
            wanted = {f"{district}-{year}-{n:05d}" for n in range(1, last + 1)}
            cur.execute("SELECT receipt_no FROM registry_filing WHERE receipt_no LIKE %s AND status = 'accepted'",
                        [f"{district}-{year}-%"])
            found = {r[0] for r in cur.fetchall()}
            out["missing"] += sorted(wanted - found)
            out["missing"] += sorted(f"{n} (beyond the sequence)" for n in found - wanted)
        cur.execute("SELECT count(*), count(*) FILTER (WHERE kind <> 'termination'), "
                    "count(*) FILTER (WHERE kind <> 'termination' AND receipt_no = '') FROM registry_filing "
                    "WHERE status = 'accepted' AND decided_at >= %s", [started])
        out["decided_accepted"], out["decided_with_receipt"], out["without_number"] = cur.fetchone()
        cur.execute("SELECT receipt_no, receipt_status, receipt_pdf FROM registry_filing "
                    "WHERE status = 'accepted' AND decided_at >= %s AND kind <> 'termination'", [started])
        media = Path(settings.MEDIA_ROOT)
        for number, status, pdf in cur.fetchall():
            if status != "ready" or not pdf or not (media / pdf).is_file():
                out["not_rendered"].append(f"{number} ({status})")
    out["accepted_200"] = accepted_200
    out["ok"] = (not out["duplicates"] and not out["missing"] and not out["without_number"]
                 and not out["not_rendered"] and out["decided_accepted"] == accepted_200
                 and out["decided_with_receipt"] == out["issued"])
    return out


def read_stats(prefix: str) -> list[dict]:
    with open(f"{prefix}_stats.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def start_worker(app_url: str, redis_url: str, log: Path) -> subprocess.Popen:
    """A real Celery worker (one process) rendering the receipts, as in production."""
    env = {**os.environ, "DATABASE_URL": app_url, "DEBUG": "0", "DJANGO_ENV": "development",
           "DJANGO_SETTINGS_MODULE": "childcare.settings", "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT)}
    for name in ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDBEAT_REDIS_URL"):
        env.pop(name, None)
    out = open(log, "ab")  # noqa: SIM115 - the child keeps it open
    return subprocess.Popen([str(Path(sys.executable).parent / "celery"), "-A", "childcare", "worker",  # noqa: S603
                             "--concurrency", "1", "--loglevel", "WARNING", "--hostname",
                             f"loadtest-{os.getpid()}@%h"], cwd=ROOT, env=env, stdout=out, stderr=out,
                            start_new_session=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _loads(values) -> str:
    return " / ".join(f"{x:.2f}" for x in values)


def report(args, stats, errors, outcomes, checks, load_before, load_after, shape, config, server, cpu) -> str:
    total = next(r for r in stats if r["Name"] == "Aggregated")
    kinds = errors.get("by_kind", {})
    pool = config["pool"]
    verdict = "PASS" if not sum(kinds.values()) and checks["ok"] else "FAIL"
    lines = [
        f"# Load test {dt.datetime.now(dt.UTC).date():%Y-%m-%d}: {args.users} users for {args.run_time} "
        f"(locust, loopback) — {verdict}",
        "",
        "Command: `make loadtest` (`.venv/bin/python bench/loadtest.py " + " ".join(sys.argv[1:]) + "`)",
        "",
        "## Conditions",
        "",
        f"- data set: {', '.join(f'{k} {v:,}' for k, v in shape.items())}",
        f"- gunicorn {args.workers} {args.worker_class} workers"
        + (f" × {args.threads} threads" if args.worker_class == "gthread" else "")
        + " (docs/operations.md: 2 cores), as the row-security app role; one Celery worker renders the receipts",
        f"- {args.users} locust users (spawn {args.spawn_rate}/s, FastHttpUser, `nice -n {args.locust_nice}`), "
        "think time 2–10 s (reviewers read a filing 10–30 s); by weight reviewers 15 %, operators 15 %, public 70 %",
        f"- review pool: {pool['made_ready']} queue filings in {len(config['reviewers'])} districts made acceptable "
        f"({pool['created']} of them new change filings), {pool['acceptable']} pass every check"
        + (f"; still failing: {', '.join(f'{k} {v}' for k, v in pool['failing'].items())}" if pool["failing"] else ""),
        f"- {len(config['operators'])} operators (an acceptable draft or returned filing each: edit, sign, submit; "
        "staff edits); the public anonymous, each simulated citizen with its own address in `X-Forwarded-For` "
        "(gunicorn trusts one proxy hop from 127.0.0.1, `TRUSTED_PROXY_HOPS=1`): production rate limits unchanged",
        f"- machine: {os.cpu_count()} cores shared with other work; load average before {_loads(load_before)}, "
        f"after {_loads(load_after)}; CPU used: gunicorn+worker+locust children {cpu:.0f} s",
        "",
        "## Result",
        "",
        f"- requests {int(total['Request Count']):,}, {float(total['Requests/s']):.1f} req/s; "
        f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms",
        f"- errors **{sum(kinds.values())}**: server (5xx) {kinds.get('server', 0)}, client (4xx other than a "
        f"business refusal) {kinds.get('client', 0)}, rate-limited (429) {kinds.get('rate_limited', 0)}, "
        f"connection failures {kinds.get('connection', 0)}"
        + (f" — {', '.join(f'{k} {v}' for k, v in sorted(errors.get('detail', {}).items()))}" if kinds and sum(kinds.values()) else ""),
        f"- receipts: {checks['issued']} issued in {checks['sequences_touched']} district-years; duplicates "
        f"**{len(checks['duplicates'])}**, gaps or strays **{len(checks['missing'])}**, accepted without a number "
        f"**{checks['without_number']}**, not rendered **{len(checks['not_rendered'])}**; accepts answered 200: "
        f"{checks['accepted_200']}, accepted in the database: {checks['decided_accepted']}; the worker finished "
        f"rendering {checks.get('render_lag', 0):.0f} s after the run → "
        f"{'OK' if checks['ok'] else 'FAULT'}",
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
    for name, items in (("duplicates", checks["duplicates"]), ("gaps", checks["missing"]),
                        ("not rendered", checks["not_rendered"])):
        if items:
            lines += ["", f"{name}: " + ", ".join(items[:50])]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_load")
    parser.add_argument("--institutions", type=int, default=10_000, help="generate this many when empty")
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--run-time", default="5m")
    parser.add_argument("--workers", type=int, default=3, help="docs/operations.md: 3 sync workers on 2 cores")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--locust-nice", type=int, default=10, help="locust's CPU priority (nice)")
    parser.add_argument("--render-wait", type=float, default=900,
                        help="at most this many seconds after the run for the worker to render the receipts")
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
    print("preparing accounts and the review pool ...", flush=True)
    config = prepare(args)
    pool = config["pool"]
    print(f"review pool: {pool['acceptable']} acceptable filings of {pool['made_ready']} "
          f"({len(config['reviewers'])} reviewers), {len(config['operators'])} operators", flush=True)
    shape = load.data_shape()
    before = sequences()
    connection.close()
    app_url = load.ensure_app_role(args.database_url)
    # The public reach gunicorn through a "proxy" (locust on 127.0.0.1) that names each citizen's
    # address in X-Forwarded-For: per-client rate limits apply as in production, unchanged.
    os.environ["TRUSTED_PROXY_HOPS"] = "1"
    os.environ["TRUSTED_PROXIES"] = "127.0.0.1,::1"
    tmp = Path(tempfile.mkdtemp(prefix="loadtest-"))
    server = load.start_gunicorn(app_url, workers=args.workers, threads=args.threads, worker_class=args.worker_class,
                                 redis_url=args.redis_url, log=tmp / "gunicorn.log")
    worker = start_worker(app_url, args.redis_url, tmp / "worker.log")
    load_before = os.getloadavg()
    cpu_before = os.times()
    started = dt.datetime.now(dt.UTC)
    try:
        for group in ("reviewers", "operators"):
            for entry in config[group]:
                load.login(server.port, entry["user"])
                entry["token"], entry["cookie"] = entry["user"].token, entry["user"].cookie
                del entry["user"]
        config["outcomes_path"] = str(tmp / "outcomes.json")
        config["errors_path"] = str(tmp / "errors.json")
        (tmp / "config.json").write_text(json.dumps(config, ensure_ascii=False))
        started = dt.datetime.now(dt.UTC)
        print(f"locust: {args.users} users for {args.run_time} against 127.0.0.1:{server.port} ...", flush=True)
        subprocess.run(["nice", "-n", str(args.locust_nice), str(Path(sys.executable).parent / "locust"),  # noqa: S603,S607
                        "-f", str(ROOT / "bench/locustfile.py"),
                        "--headless", "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time,
                        "--host", f"http://127.0.0.1:{server.port}", "--csv", str(tmp / "run"), "--only-summary",
                        "--stop-timeout", "30", "--loglevel", "WARNING"],
                       env={**os.environ, "LOADTEST_CONFIG": str(tmp / "config.json")}, cwd=ROOT, check=False)
    finally:
        server.stop()
        load_after = os.getloadavg()
        load.setup_django(args.database_url)
        print("waiting for the worker to render the receipts ...", flush=True)
        render_lag = wait_for_renders(started, args.render_wait)
        stop(worker)
    cpu_after = os.times()
    cpu = (cpu_after.children_user + cpu_after.children_system) - (cpu_before.children_user + cpu_before.children_system)
    stats = read_stats(str(tmp / "run"))
    outcomes = json.loads((tmp / "outcomes.json").read_text())
    errors = json.loads((tmp / "errors.json").read_text())
    checks = receipt_checks(before, started, outcomes.get("accepted", 0))
    checks["render_lag"] = render_lag
    text = report(args, stats, errors, outcomes, checks, load_before, load_after, shape, config, server, cpu)
    out = args.out or ROOT / "bench" / f"results-{dt.datetime.now(dt.UTC).date():%Y-%m-%d}-loadtest.md"
    out.write_text(text, encoding="utf-8")
    print(text)
    print(f"wrote {out} (logs: {tmp})")
    return 0 if not sum(errors.get("by_kind", {}).values()) and checks["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
