"""The replica router against a REAL PostgreSQL streaming replica: a private primary and a hot standby
cloned from it with pg_basebackup, on free loopback ports in a temporary directory (never the shared
server). The schema is this test database's (pg_dump); the app connects as a role that row security
binds. With replay paused on the standby, the public search shows what the replica holds, not the
primary's newest row; a request that writes reads its own write from the primary; the replica
connection carries the tenant setting, so row security holds there too."""

from __future__ import annotations

import glob
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import redis_test_url

ROOT = Path(__file__).resolve().parents[2]
BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
pytestmark = pytest.mark.skipif(
    not BIN or not all(os.path.exists(f"{BIN[-1]}/{b}") for b in ("initdb", "pg_ctl", "pg_basebackup", "pg_dump")),
    reason="PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not installed under /usr/lib/postgresql",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(args: list[str], **kw):
    """initdb and postgres refuse to run as root: run them as the OS user postgres when we are root."""
    if os.geteuid() == 0:
        args = ["runuser", "-u", "postgres", "--", *args]
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=120, **kw)


@pytest.fixture
def cluster(django_db_setup, django_db_blocker):
    if os.geteuid() == 0 and shutil.which("runuser") is None:
        pytest.skip("running as root without runuser: cannot start a private PostgreSQL")
    bindir = BIN[-1]
    tmp = tempfile.mkdtemp(prefix="replica-test-")
    if os.geteuid() == 0:
        shutil.chown(tmp, "postgres", "postgres")
    primary, standby = f"{tmp}/primary", f"{tmp}/standby"
    p1, p2 = _free_port(), _free_port()
    started: list[str] = []
    try:
        _as_postgres([f"{bindir}/initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                      "--locale=C.UTF-8"])
        opts = f"-p {p1} -k {tmp} -c listen_addresses=127.0.0.1 -c wal_level=replica -c max_wal_senders=4"
        _as_postgres([f"{bindir}/pg_ctl", "-D", primary, "-o", opts, "-l", f"{tmp}/primary.log", "-w", "start"])
        started.append(primary)
        psql = [f"{bindir}/psql", "-h", "127.0.0.1", "-U", "postgres", "-q"]
        _as_postgres([*psql, "-p", str(p1), "-c", "CREATE DATABASE app"])
        # This test database's schema and migration data, without owners or grants.
        with django_db_blocker.unblock():
            name = connection.settings_dict["NAME"]
            host = connection.settings_dict.get("HOST") or "127.0.0.1"
            port = str(connection.settings_dict.get("PORT") or 5432)
        dump = subprocess.run([f"{bindir}/pg_dump", "-h", host, "-p", port, "-U", "postgres", "--no-owner",
                               "--no-privileges", name], check=True, capture_output=True, timeout=120).stdout
        subprocess.run([*psql, "-p", str(p1), "-d", "app"], input=dump, check=True, capture_output=True, timeout=120)
        _as_postgres([*psql, "-p", str(p1), "-d", "app", "-c",
                      "CREATE ROLE app LOGIN NOSUPERUSER NOBYPASSRLS; GRANT ALL ON SCHEMA public TO app;"
                      "GRANT ALL ON ALL TABLES IN SCHEMA public TO app;"
                      "GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO app;"])
        _as_postgres([f"{bindir}/pg_basebackup", "-h", "127.0.0.1", "-p", str(p1), "-U", "postgres", "-D", standby,
                      "--wal-method=stream", "--write-recovery-conf", "--checkpoint=fast"])
        opts2 = f"-p {p2} -k {tmp} -c listen_addresses=127.0.0.1 -c hot_standby=on"
        _as_postgres([f"{bindir}/pg_ctl", "-D", standby, "-o", opts2, "-l", f"{tmp}/standby.log", "-w", "start"])
        started.append(standby)
        yield p1, p2
    finally:
        for datadir in reversed(started):
            _as_postgres([f"{bindir}/pg_ctl", "-D", datadir, "-m", "immediate", "stop"])
        shutil.rmtree(tmp, ignore_errors=True)


def test_portal_reads_come_from_the_streaming_replica_and_writes_read_the_primary(cluster):
    p1, p2 = cluster
    env = {**os.environ,
           "DATABASE_URL": f"postgres://app@127.0.0.1:{p1}/app",
           "DATABASE_REPLICA_URL": f"postgres://app@127.0.0.1:{p2}/app",
           "PROBE_REPLICA_SUPERUSER_DSN": f"postgresql://postgres@127.0.0.1:{p2}/app",
           "REDIS_URL": redis_test_url(), "DJANGO_ENV": "development"}
    for name in ("TEST_DATABASE_NAME", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, str(ROOT / "tests/core/replica_probe.py")], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["replica_in_recovery"] is True
    # Replay paused: the public search shows the replica's rows, not the primary's newest one.
    assert report["page_shows_old"] and not report["page_shows_new"]
    assert report["search_reads_on_replica"] >= 1 and report["search_reads_on_primary"] == 0
    # A request that wrote reads the primary from then on, and sees its own write.
    assert report["before_write_alias"] == "replica" and report["after_write_alias"] == "default"
    assert report["read_own_write"] is True and report["replica_has_new_while_paused"] == 0
    # The replica connection carries the tenant scope: row security hides the other district's rows.
    assert report["other_district_alias"] == "replica"
    assert report["replica_tenant_setting"] == "district:330105" and report["other_district_raw_count"] == 0
    assert report["page_shows_new_after_resume"] is True
