"""Private services for the fault tests: a Redis server the test may stop and start (never the
shared one the other test runs use)."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, *, up: bool, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} did not come {'up' if up else 'down'} in {timeout} s")


class PrivateRedis:
    """``redis-server`` (from PATH) on a free loopback port, no persistence; ``stop()`` / ``start()``."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        if self.binary is None:
            raise RuntimeError("redis-server is not on PATH (scripts/install_test_system.sh installs it)")
        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> PrivateRedis:
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port, up=True)
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None
        wait_port(self.port, up=False)


class PrivatePostgres:
    """A PostgreSQL cluster of the test's own (``initdb`` + ``pg_ctl`` from the installed server) on
    a free loopback port, trust authentication. initdb refuses root: as root the cluster belongs to
    the ``postgres`` OS user (``runuser``), in a directory that user owns."""

    def __init__(self):
        import glob
        import os
        import tempfile

        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
        if not bins:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql/*/bin")
        self.bin = Path(bins[-1]).parent
        self.port = free_port()
        self.root = os.geteuid() == 0
        self.dir = Path(tempfile.mkdtemp(prefix="pgfault-", dir="/tmp"))
        self.data = self.dir / "data"
        if self.root:
            import pwd

            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=120)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/childcare"

    def init(self) -> PrivatePostgres:
        self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8")
        return self

    def start(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-l", self.dir / "log", "-w", "-t", "60", "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off", "start")
        wait_port(self.port, up=True)

    def stop(self) -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop", check=False)
        wait_port(self.port, up=False)

    def psql(self, sql: str, db: str = "childcare") -> str:
        return self._run(self.bin / "psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", db,
                         "-Atc", sql).stdout.strip()

    def clone_schema_of(self, settings_dict: dict) -> None:
        """Create database ``childcare`` with the schema and committed rows of the test database
        (pg_dump of the migrated test database: seconds, where migrating would take minutes)."""
        self.psql("CREATE DATABASE childcare", db="postgres")
        src = ["-h", settings_dict.get("HOST") or "127.0.0.1", "-p", str(settings_dict.get("PORT") or 5432),
               "-U", "postgres", "--no-owner", "--no-privileges", settings_dict["NAME"]]
        dump = subprocess.run([str(self.bin / "pg_dump"), *src], check=True,
                              capture_output=True, timeout=300).stdout
        subprocess.run([str(self.bin / "psql"), "-q", "-v", "ON_ERROR_STOP=0", "-h", "127.0.0.1",
                        "-p", str(self.port), "-U", "postgres", "-d", "childcare"], input=dump, check=True,
                       capture_output=True, timeout=300)

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
