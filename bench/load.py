"""HTTP benchmark: gunicorn as the row-security app role, real users of each scope, a realistic mix.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/childcare_bench

What it does, in order:

1. connects to the benchmark database (made by ``bench/generate.py``; ``--institutions N`` makes it
   first when it holds no institution) as its owner, and creates (or updates) one account per
   scope with a fresh random password: a district reviewer of the big district, a city viewer,
   a provincial and a national auditor. It samples in-scope ids for the URLs (institutions,
   filings waiting in the review queue);
2. creates or updates the application role with ``manage.py db_app_role`` (no superuser, no
   BYPASSRLS: row security binds it, as in production), unless ``--app-database-url`` names one;
3. starts gunicorn (``bench.wsgi:application``: the project's app plus per-request cost headers,
   see ``bench/wsgi.py``) on a free loopback port with DEBUG off, as that role;
4. logs each user in over HTTP (the login page and form, CSRF included; and an API token), then for
   each scope runs its mix of pages and API lists with 1, 8 and 32 clients (``--clients``), each
   level bounded by ``--duration`` seconds and ``--max-requests``;
5. prints and writes ``bench/results-<date>-http[-label].md``: per scope and level the requests,
   errors, req/s, p50/p95/p99 latency, app CPU ms, queries and SQL ms per request; per page the
   same at one client, the SQL it sent, and for two pages the hand-written SQL floor (``FLOORS``) beside it.

Clients are threads in this process, one new loopback connection per request (what nginx does
towards gunicorn by default). Latency is wall clock at the client and moves with whatever else
runs on the machine (the report records the load average); app CPU per request and queries per
request do not, so compare those between runs on a busy machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import BIG_DISTRICT  # noqa: E402

CITY = "440300"  # 深圳市
PROVINCE = "440000"  # 广东省
COUNTRY = "000000"
LEVELS = (1, 8, 32)
SCOPES = ("district", "city", "province", "country")
# scope -> the role its user holds (province and country: auditors, whose pages are the home
# dashboard, the admin site and the API; district and city: the commission's pages too).
ROLES = {"district": "district_reviewer", "city": "city_viewer", "province": "auditor", "country": "auditor"}
# The budgets (p95 ms at a number of clients, req/s floor), checked in the report.
BUDGETS = {
    ("district", 8): {"p95_ms": 300, "rps": 60},
    ("city", 8): {"p95_ms": 500},
    ("province", 8): {"p95_ms": 500},
    ("country", 1): {"p95_ms": 500},
}
CPU_BUDGETS_MS = {"api": 8, "html": 15}  # app CPU per request at district scope


# --- the mix -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Page:
    kind: str  # stable name in the report
    weight: int
    path: str  # may hold {institution} / {filing}
    api: bool = False
    roles: frozenset[str] | None = None  # None: every scope's user


COMMISSION = frozenset({"district_reviewer", "city_viewer"})
AUDITORS = frozenset({"auditor"})
MIX: tuple[Page, ...] = (
    Page("home", 10, "/"),
    Page("review queue", 12, "/registry/review/", roles=COMMISSION),
    Page("review queue, overdue", 4, "/registry/review/?overdue=1", roles=COMMISSION),
    Page("review page", 8, "/registry/review/{filing}/", roles=COMMISSION),
    Page("institution list", 10, "/registry/institutions/", roles=COMMISSION),
    Page("institution list, filed", 4, "/registry/institutions/?status=filed", roles=COMMISSION),
    Page("institution detail", 10, "/registry/institutions/{institution}/", roles=COMMISSION),
    Page("admin institution list", 10, "/admin/registry/institution/", roles=AUDITORS),
    Page("admin institution detail", 6, "/admin/registry/institution/{institution}/change/", roles=AUDITORS),
    Page("API institutions", 10, "/api/v1/institutions/", api=True),
    Page("API institutions, filed", 4, "/api/v1/institutions/?status=filed", api=True),
    Page("API institution", 4, "/api/v1/institutions/{institution}/", api=True),
    Page("API filings", 8, "/api/v1/filings/", api=True),
    Page("API roster", 8, "/api/v1/institutions/{institution}/staff/", api=True),
)


def mix_for(role: str) -> list[Page]:
    return [p for p in MIX if p.roles is None or role in p.roles]


# The SQL floor: what a page fundamentally asks of PostgreSQL, written by hand (the first page of the
# list and its total), run as the app role under the scope's tenant setting. A page's server time
# (app CPU + its SQL) is compared with it.
_SCOPE_COLUMN = {"district": "district_id", "city": "city_id", "province": "province_id", "country": None}
FLOORS = {
    "review queue": (frozenset({"district", "city"}), [
        "SELECT count(*) FROM registry_filing f WHERE {where} AND f.status IN ('submitted', 'resubmitted')",
        "SELECT f.id, f.name, f.kind, f.status, f.institution_kind, f.due_at, f.notice_due_at, f.version, "
        "i.id, i.name, r.code, r.name FROM registry_filing f JOIN registry_institution i ON i.id = f.institution_id "
        "JOIN regions_region r ON r.code = f.region_id WHERE {where} AND f.status IN ('submitted', 'resubmitted') "
        "ORDER BY f.due_at, f.id LIMIT 25",
    ]),
    "API institutions": (frozenset(SCOPES), [
        "SELECT count(*) FROM registry_institution f WHERE {where}",
        "SELECT f.*, r.name, d.name FROM registry_institution f JOIN regions_region r ON r.code = f.region_id "
        "JOIN regions_region d ON d.code = f.district_id WHERE {where} ORDER BY f.name, f.id LIMIT 20",
    ]),
}


def sql_floor(app_url: str, scope: str, code: str, runs: int = 15) -> dict[str, float]:
    """Median ms of each page's hand-written SQL (``FLOORS``), as the app role, warm."""
    import psycopg

    column = _SCOPE_COLUMN[scope]
    where = f"f.{column} = %(code)s" if column else "TRUE"
    setting = "*" if column is None else f"{scope}:{code}"
    out = {}
    with psycopg.connect(app_url, autocommit=True) as conn:
        conn.execute("SELECT set_config('app.tenant', %s, false)", [setting])
        for page, (scopes, statements) in FLOORS.items():
            if scope not in scopes:
                continue
            times = []
            for n in range(runs + 2):
                started = time.perf_counter()
                for statement in statements:
                    conn.execute(statement.format(where=where), {"code": code}).fetchall()
                if n >= 2:
                    times.append((time.perf_counter() - started) * 1000)
            out[page] = statistics.median(times)
    return out


# --- set-up in the database (as the owner) -------------------------------------------------------

def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")
    import django

    django.setup()


@dataclass
class ScopeUser:
    scope: str
    code: str
    role: str
    username: str
    password: str
    institutions: list[int] = field(default_factory=list)
    filings: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    cookie: str = ""
    token: str = ""
    floor: dict[str, float] = field(default_factory=dict)


def prepare_users(codes: dict[str, str], *, sample: int = 60, seed: int = 7) -> dict[str, ScopeUser]:
    """One account per scope (fresh random password) and in-scope ids for the URLs."""
    from django.db import connection, transaction
    from django_scopes import scopes_disabled

    from accounts.models import Assignment, User
    from accounts.services import account_create_or_grant, assignment_grant
    from core.tenancy import TenantScope, tenant_scope
    from regions.models import Region
    from registry.models import Filing, Institution
    from registry.workflow import REVIEW_QUEUE_STATES

    users: dict[str, ScopeUser] = {}
    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed / 100])
    for scope, code in codes.items():
        role = ROLES[scope]
        username = f"bench_{scope}_{code}"
        password = "Bench#" + secrets.token_urlsafe(12)
        with scopes_disabled(), transaction.atomic():
            user = User.objects.filter(username=username).first()
            if user is None:
                user, _, _ = account_create_or_grant(actor=None, username=username, password=password, role=role,
                                                     scope=code, display_name=f"基准测试{scope}")
            else:
                user.set_password(password)
                user.is_active = True
                user.save(update_fields=["password", "is_active"])
                assignment_grant(actor=None, user=user, role=role, scope=code)
            # Exactly this assignment is active, so the session acts through it.
            Assignment.objects.filter(user=user).exclude(role=role).update(is_active=False)
        tenant = TenantScope.country() if code == COUNTRY else TenantScope.for_region(Region.objects.get(code=code))
        with tenant_scope(tenant):
            institutions = list(Institution.objects.order_by("?").values_list("id", flat=True)[:sample])
            filings = list(Filing.objects.filter(status__in=REVIEW_QUEUE_STATES).order_by("?")
                           .values_list("id", flat=True)[:sample])
            counts = {"institutions": Institution.objects.count(),
                      "open filings": Filing.objects.filter(status__in=REVIEW_QUEUE_STATES).count()}
        if not institutions:
            raise SystemExit(f"scope {scope} ({code}) holds no institution: generate the data set first")
        users[scope] = ScopeUser(scope, code, role, username, password, institutions, filings, counts)
    return users


def ensure_app_role(owner_url: str) -> str:
    """Create or update the app role for this database (``manage.py db_app_role``); its URL."""
    parts = urlsplit(owner_url)
    database = parts.path.lstrip("/")
    role = re.sub(r"[^a-z0-9_]", "_", f"{database}_app".lower())[:63]
    password = secrets.token_urlsafe(18)
    env = {**os.environ, "DATABASE_URL": owner_url, "DB_APP_PASSWORD": password}
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "db_app_role", role], check=True, env=env,  # noqa: S603
                   cwd=ROOT, stdout=subprocess.DEVNULL)
    netloc = f"{role}:{password}@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    return urlunsplit(parts._replace(netloc=netloc))


def data_shape() -> dict[str, int]:
    from bench.generate import counts

    return counts()


# --- gunicorn ------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    command: list[str]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_gunicorn(app_url: str, *, workers: int, threads: int, worker_class: str, redis_url: str,
                   log: Path | None = None) -> Server:
    port = free_port()
    command = [str(Path(sys.executable).parent / "gunicorn"), "bench.wsgi:application",
               "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
               "--worker-class", worker_class, "--timeout", "120", "--graceful-timeout", "5",
               "--log-level", "warning", "--chdir", str(ROOT)]
    env = {**os.environ, "DATABASE_URL": app_url, "DEBUG": "0", "DJANGO_ENV": "development",
           "DJANGO_SETTINGS_MODULE": "childcare.settings", "REDIS_URL": redis_url, "PYTHONPATH": str(ROOT),
           "LOG_LEVEL": "WARNING"}
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - the child keeps it open
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out,  # noqa: S603
                               start_new_session=True)
    server = Server(port, process, command)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {process.returncode}" + (f" (log: {log})" if log else ""))
        try:
            status, _, _ = request(port, "/accounts/login/")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.3)
    server.stop()
    raise SystemExit("gunicorn did not answer within 90 s")


# --- HTTP ------------------------------------------------------------------------------------------

def request(port: int, path: str, *, method: str = "GET", headers: dict | None = None,
            body: bytes | None = None) -> tuple[int, http.client.HTTPResponse, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    try:
        conn.request(method, path, body=body, headers={"Host": "127.0.0.1", "Connection": "close",
                                                       **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return response.status, response, data
    finally:
        conn.close()


def _cookies(response: http.client.HTTPResponse) -> dict[str, str]:
    out = {}
    for header in response.headers.get_all("Set-Cookie") or []:
        name, _, rest = header.partition("=")
        out[name.strip()] = rest.split(";", 1)[0]
    return out


def login(port: int, user: ScopeUser) -> None:
    """The login page and form, as a browser does (CSRF cookie and field), then an API token."""
    status, response, body = request(port, "/accounts/login/")
    csrf = _cookies(response).get("csrftoken", "")
    field_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or not csrf or not field_token:
        raise SystemExit(f"login page: HTTP {status}, no CSRF token")
    form = urlencode({"username": user.username, "password": user.password,
                      "csrfmiddlewaretoken": field_token.group(1).decode()}).encode()
    status, response, _ = request(port, "/accounts/login/", method="POST", body=form, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": f"csrftoken={csrf}",
        "Referer": f"http://127.0.0.1:{port}/accounts/login/"})
    session = _cookies(response).get("sessionid")
    if status != 302 or not session:
        raise SystemExit(f"login of {user.username} failed: HTTP {status}")
    user.cookie = f"sessionid={session}; csrftoken={csrf}"
    payload = json.dumps({"username": user.username, "password": user.password}).encode()
    status, _, body = request(port, "/api/v1/auth/token/", method="POST", body=payload,
                              headers={"Content-Type": "application/json"})
    if status != 200:
        raise SystemExit(f"API token of {user.username}: HTTP {status}")
    user.token = json.loads(body)["token"]


@dataclass
class Sample:
    kind: str
    status: int
    ms: float
    cpu_ms: float
    queries: int
    tenant_sets: int
    sql_ms: float
    api: bool


def fetch(port: int, page: Page, user: ScopeUser, rnd: random.Random) -> Sample:
    path = page.path.format(institution=rnd.choice(user.institutions),
                            filing=rnd.choice(user.filings) if user.filings else 0)
    headers = {"Authorization": f"Token {user.token}"} if page.api else {"Cookie": user.cookie}
    started = time.perf_counter()
    try:
        status, response, _ = request(port, path, headers=headers)
    except OSError:
        return Sample(page.kind, 0, (time.perf_counter() - started) * 1000, 0, 0, 0, 0, page.api)
    ms = (time.perf_counter() - started) * 1000
    h = response.headers
    return Sample(page.kind, status, ms, int(h.get("X-Bench-Cpu-Us", 0)) / 1000, int(h.get("X-Bench-Queries", 0)),
                  int(h.get("X-Bench-Tenant-Sets", 0)), int(h.get("X-Bench-Sql-Us", 0)) / 1000, page.api)


def run_level(port: int, user: ScopeUser, pages: list[Page], *, clients: int, duration: float,
              max_requests: int, seed: int) -> tuple[list[Sample], float]:
    """``clients`` threads request pages (by weight) until ``duration`` or ``max_requests``."""
    samples: list[Sample] = []
    lock = threading.Lock()
    stop = threading.Event()
    weights = [p.weight for p in pages]
    barrier = threading.Barrier(clients + 1)

    def client(n: int) -> None:
        rnd = random.Random(seed * 1000 + n)
        barrier.wait()
        while not stop.is_set():
            sample = fetch(port, rnd.choices(pages, weights)[0], user, rnd)
            with lock:
                if len(samples) >= max_requests:
                    stop.set()
                    break
                samples.append(sample)

    threads = [threading.Thread(target=client, args=(n,), daemon=True) for n in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    stop.wait(duration)
    stop.set()
    for t in threads:
        t.join(timeout=180)
    elapsed = time.perf_counter() - started
    return samples, elapsed


def warm_up(port: int, user: ScopeUser, pages: list[Page], rounds: int) -> None:
    rnd = random.Random(0)
    for _ in range(rounds):
        for page in pages:
            fetch(port, page, user, rnd)


def _today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


# --- figures ---------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


@dataclass
class Level:
    scope: str
    clients: int
    samples: list[Sample]
    elapsed: float
    load_before: float
    load_after: float

    @property
    def ok(self) -> list[Sample]:
        return [s for s in self.samples if s.status == 200]

    @property
    def errors(self) -> int:
        return len(self.samples) - len(self.ok)

    @property
    def rps(self) -> float:
        return len(self.samples) / self.elapsed if self.elapsed else 0.0

    def p(self, q: float) -> float:
        return pct([s.ms for s in self.samples], q)

    def mean(self, attr: str) -> float:
        values = [getattr(s, attr) for s in self.ok]
        return statistics.fmean(values) if values else float("nan")


def budget_note(level: Level) -> str:
    budget = BUDGETS.get((level.scope, level.clients))
    notes = []
    if budget:
        if "p95_ms" in budget:
            notes.append(f"p95 < {budget['p95_ms']} ms: {'yes' if level.p(0.95) < budget['p95_ms'] else 'NO'}")
        if "rps" in budget:
            notes.append(f"≥ {budget['rps']} req/s: {'yes' if level.rps >= budget['rps'] else 'NO'}")
    if level.clients == max(LEVELS) and level.clients == 32:
        notes.append(f"0 errors: {'yes' if level.errors == 0 else 'NO'}")
    return "; ".join(notes)


def by_kind(samples: list[Sample]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        out[s.kind].append(s)
    return out


def conditions(args, users: dict[str, ScopeUser], shape: dict, server: Server, load_start: tuple) -> list[str]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT version()")
        pg = cur.fetchone()[0].split(" on ")[0]
        cur.execute("SHOW shared_buffers")
        buffers = cur.fetchone()[0]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,  # noqa: S607
                                text=True, check=False).stdout.strip()
    except OSError:
        commit = "?"
    scopes = ", ".join(f"{u.scope} {u.code} ({u.counts['institutions']:,} institutions, "
                       f"{u.counts['open filings']:,} open filings)" for u in users.values())
    return [
        f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs; {pg}, shared_buffers {buffers}; Python "
        f"{platform.python_version()}; code at {commit or '?'}.",
        f"- Load average (1/5/15 min) when the run started: {load_start[0]:.2f} / {load_start[1]:.2f} / "
        f"{load_start[2]:.2f}; per level below. Other processes shared the cores: latency and req/s move "
        "with them, app CPU and queries per request do not.",
        f"- gunicorn: {args.workers} workers × {args.threads} threads ({args.worker_class}), DEBUG off, "
        "as the row-security app role, loopback, one connection per request.",
        f"- Each level: at most {args.duration:g} s or {args.max_requests} requests after {args.warmup} "
        "warm-up rounds of the mix; clients pick pages by weight (seeded).",
        f"- Scopes: {scopes}.",
        "- Data: " + ", ".join(f"{k} {v:,}" for k, v in shape.items()) + ".",
    ]


def report(args, users: dict[str, ScopeUser], levels: list[Level], shape: dict, server: Server,
           load_start: tuple) -> str:
    lines = [f"# HTTP benchmark {_today():%Y-%m-%d}" + (f" ({args.label})" if args.label else ""), "",
             *conditions(args, users, shape, server, load_start), "",
             "## Per scope and number of clients", "",
             "| scope | clients | requests | errors | req/s | p50 ms | p95 ms | p99 ms | app CPU ms/req | "
             "queries/req | SQL ms/req | load avg | budget |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
    for lv in levels:
        lines.append(f"| {lv.scope} | {lv.clients} | {len(lv.samples)} | {lv.errors} | {lv.rps:.1f} | "
                     f"{lv.p(0.5):.0f} | {lv.p(0.95):.0f} | {lv.p(0.99):.0f} | {lv.mean('cpu_ms'):.1f} | "
                     f"{lv.mean('queries'):.1f} | {lv.mean('sql_ms'):.1f} | {lv.load_before:.1f}→{lv.load_after:.1f} | "
                     f"{budget_note(lv)} |")
    lines += ["", "## Per page (all levels of the scope; latency at 1 client)", "",
              "App CPU: the serving thread's CPU time. SQL: the time the request waited for the statements it "
              "sent (tenant settings included). Server ≈ CPU + SQL; ratio = (CPU + SQL) / SQL.", "",
              "SQL floor: the page's essential SQL written by hand (the list's first page and its total, "
              "`FLOORS` in bench/load.py), as the app role, warm, median; × floor = (CPU + SQL) / floor.", "",
              "| scope | page | n | p50 ms (1 client) | p95 ms (1 client) | app CPU ms p50 | app CPU ms mean | "
              "queries | tenant sets | SQL ms p50 | ratio | SQL floor ms | × floor | budget |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for scope in users:
        scope_levels = [lv for lv in levels if lv.scope == scope]
        single = by_kind([s for lv in scope_levels if lv.clients == 1 for s in lv.samples])
        for kind, samples in sorted(by_kind([s for lv in scope_levels for s in lv.ok]).items()):
            cpu = [s.cpu_ms for s in samples]
            sql = [s.sql_ms for s in samples]
            ratio = (statistics.median(cpu) + statistics.median(sql)) / statistics.median(sql) if statistics.median(sql) else float("nan")
            one = [s.ms for s in single.get(kind, [])]
            floor = users[scope].floor.get(kind)
            times_floor = (statistics.median(cpu) + statistics.median(sql)) / floor if floor else None
            note = ""
            if scope == "district":
                limit = CPU_BUDGETS_MS["api" if samples[0].api else "html"]
                note = f"CPU ≤ {limit} ms: {'yes' if statistics.median(cpu) <= limit else 'NO'}"
                if kind == "review queue":
                    # The "≤ 3× its SQL", read both ways: the SQL this page sends, and the
                    # hand-written floor (count and first page only: no session, no layout).
                    note += f"; ≤ 3× the SQL it sends: {'yes' if ratio <= 3 else 'NO'}"
                    if times_floor is not None:
                        note += f"; ≤ 3× the hand-written floor: {'yes' if times_floor <= 3 else 'NO'}"
            lines.append(f"| {scope} | {kind} | {len(samples)} | {pct(one, 0.5):.0f} | {pct(one, 0.95):.0f} | "
                         f"{statistics.median(cpu):.1f} | {statistics.fmean(cpu):.1f} | "
                         f"{statistics.median([s.queries for s in samples]):.0f} | "
                         f"{statistics.median([s.tenant_sets for s in samples]):.0f} | "
                         f"{statistics.median(sql):.1f} | {ratio:.1f} | "
                         f"{'' if floor is None else f'{floor:.1f}'} | "
                         f"{'' if times_floor is None else f'{times_floor:.1f}'} | {note} |")
    errors = [s for lv in levels for s in lv.samples if s.status != 200]
    if errors:
        lines += ["", "## Errors", ""]
        counted = defaultdict(int)
        for s in errors:
            counted[(s.kind, s.status)] += 1
        lines += [f"- {kind}: HTTP {status or 'connection error'} × {n}" for (kind, status), n in sorted(counted.items())]
    return "\n".join(lines) + "\n"


def summary_json(users: dict[str, ScopeUser], levels: list[Level]) -> dict:
    out = {"levels": [], "pages": []}
    for lv in levels:
        out["levels"].append({"scope": lv.scope, "clients": lv.clients, "requests": len(lv.samples),
                              "errors": lv.errors, "rps": lv.rps, "p50": lv.p(0.5), "p95": lv.p(0.95),
                              "p99": lv.p(0.99), "cpu_ms": lv.mean("cpu_ms"), "queries": lv.mean("queries"),
                              "sql_ms": lv.mean("sql_ms"), "load": [lv.load_before, lv.load_after]})
    for scope in users:
        for kind, samples in sorted(by_kind([s for lv in levels if lv.scope == scope for s in lv.ok]).items()):
            out["pages"].append({"scope": scope, "page": kind, "n": len(samples),
                                 "floor_ms": users[scope].floor.get(kind),
                                 "cpu_ms_p50": statistics.median([s.cpu_ms for s in samples]),
                                 "queries": statistics.median([s.queries for s in samples]),
                                 "sql_ms_p50": statistics.median([s.sql_ms for s in samples])})
    return out


# --- main --------------------------------------------------------------------------------------------

def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/childcare_bench",
                        help="the benchmark database, as its owner (set-up, sampling)")
    parser.add_argument("--app-database-url", default=None,
                        help="connect gunicorn with this URL (an unprivileged role) instead of creating "
                             "<database>_app with manage.py db_app_role")
    parser.add_argument("--institutions", type=int, default=0,
                        help="generate a data set of this many institutions first if the database has none")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--scopes", default=",".join(SCOPES), help="comma-separated subset of " + ",".join(SCOPES))
    parser.add_argument("--district", default=BIG_DISTRICT)
    parser.add_argument("--city", default=CITY)
    parser.add_argument("--province", default=PROVINCE)
    parser.add_argument("--clients", default=",".join(map(str, LEVELS)), help="client counts, e.g. 1,8,32")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per level (at most)")
    parser.add_argument("--max-requests", type=int, default=3000, help="requests per level (at most)")
    parser.add_argument("--warmup", type=int, default=2, help="unrecorded rounds of the mix per scope")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--label", default="", help="added to the title and the file name")
    parser.add_argument("--out", type=Path, default=None, help="report file (default bench/results-<date>-http[-label].md)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON here")
    parser.add_argument("--server-log", type=Path, default=None, help="gunicorn's output (default: discarded)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.threads > 1 and args.worker_class == "sync":
        args.worker_class = "gthread"  # what gunicorn does with --threads > 1
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.institutions:
        from bench import generate

        generate._ensure_database(args.database_url)
    setup_django(args.database_url)
    return run(args)


def run(args: argparse.Namespace) -> int:
    """Everything after Django is set up on the benchmark database (the smoke test enters here)."""
    from django.db import connection

    load_start = os.getloadavg()
    if args.institutions:
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass('registry_institution') IS NOT NULL")
            migrated = cur.fetchone()[0]
            present = 0
            if migrated:
                cur.execute("SELECT EXISTS (SELECT 1 FROM registry_institution)")
                present = cur.fetchone()[0]
        if not present:
            print(f"generating {args.institutions} institutions ...", flush=True)
            from bench import generate

            generate._manage(args.database_url, "migrate", "--noinput", "-v", "0")
            generate._manage(args.database_url, "load_regions")
            generate.populate(institutions=args.institutions, log=lambda *a: None)
    all_codes = {"district": args.district, "city": args.city, "province": args.province, "country": COUNTRY}
    wanted = [s.strip() for s in args.scopes.split(",") if s.strip()]
    unknown = set(wanted) - set(SCOPES)
    if unknown:
        raise SystemExit(f"unknown scopes: {', '.join(sorted(unknown))}")
    users = prepare_users({s: all_codes[s] for s in wanted}, seed=args.seed)
    shape = data_shape()
    connection.close()
    app_url = args.app_database_url or ensure_app_role(args.database_url)
    levels_wanted = [int(c) for c in args.clients.split(",") if c.strip()]
    print(f"gunicorn {args.workers}×{args.threads} ({args.worker_class}) ...", flush=True)
    server = start_gunicorn(app_url, workers=args.workers, threads=args.threads, worker_class=args.worker_class,
                            redis_url=args.redis_url, log=args.server_log)
    levels: list[Level] = []
    try:
        for user in users.values():
            login(server.port, user)
        for user in users.values():
            pages = mix_for(user.role)
            warm_up(server.port, user, pages, args.warmup)
            for clients in levels_wanted:
                before = os.getloadavg()[0]
                samples, elapsed = run_level(server.port, user, pages, clients=clients, duration=args.duration,
                                             max_requests=args.max_requests, seed=args.seed + clients)
                level = Level(user.scope, clients, samples, elapsed, before, os.getloadavg()[0])
                levels.append(level)
                print(f"  {user.scope:<9} {clients:>3} clients: {len(samples):>5} req, {level.errors} errors, "
                      f"{level.rps:6.1f} req/s, p50 {level.p(0.5):6.0f} ms, p95 {level.p(0.95):6.0f} ms, "
                      f"p99 {level.p(0.99):6.0f} ms, CPU {level.mean('cpu_ms'):5.1f} ms/req, "
                      f"{level.mean('queries'):4.1f} q/req, SQL {level.mean('sql_ms'):5.1f} ms/req", flush=True)
        for user in users.values():
            user.floor = sql_floor(app_url, user.scope, user.code)
    finally:
        server.stop()
    text = report(args, users, levels, shape, server, load_start)
    suffix = f"-{re.sub(r'[^A-Za-z0-9_.-]+', '-', args.label)}" if args.label else ""
    out = args.out or ROOT / "bench" / f"results-{_today():%Y-%m-%d}-http{suffix}.md"
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    if args.json:
        args.json.write_text(json.dumps(summary_json(users, levels), indent=1, ensure_ascii=False), encoding="utf-8")
    return 0 if all(lv.errors == 0 for lv in levels) else 1


if __name__ == "__main__":
    sys.exit(main())
