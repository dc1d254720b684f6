"""Fault: PostgreSQL restarted under a running server — a private cluster, really stopped and started.

A cluster of the test's own (``tests.faults.PrivatePostgres``) gets the schema of the migrated test
database; gunicorn serves the platform on it. Pages and the API answer; the cluster is stopped
mid-run: a page is the Chinese 503 page, the API ``503 {"code": "database_unavailable"}`` with
Retry-After, and a write sent meanwhile leaves no row; the cluster starts again and the same server
answers 200 without a restart of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.faults import PrivatePostgres, free_port, wait_port

pytestmark = [pytest.mark.faults, pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[2]


def _get(url: str, data: bytes | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, data=data,  # noqa: S310 (loopback http)
                                     headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


@pytest.fixture
def cluster():
    from django.db import connection

    pg = PrivatePostgres().init()
    pg.start()
    try:
        pg.clone_schema_of(connection.settings_dict)
        yield pg
    finally:
        pg.destroy()


@pytest.fixture
def server(cluster, tmp_path):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": cluster.url, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1",
           "DJANGO_ENV": "development", "DB_CONN_MAX_AGE": "60"}
    log = (tmp_path / "gunicorn.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "childcare.wsgi:application", "-b",
                             f"127.0.0.1:{port}", "-w", "1", "--timeout", "60", "--graceful-timeout", "3"],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_port(port, up=True, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


def test_postgres_restart_is_a_clear_503_with_nothing_half_written_and_service_resumes(cluster, server):
    complaint = json.dumps({"institution": 1, "text": "孩子午睡时老师离开教室二十分钟，无人看护。",
                            "contact_name": "孙丽华", "contact_phone": "13912345678"}).encode()
    status, _, _ = _get(f"{server}/search/?q=%E6%89%98%E8%82%B2")
    assert status == 200
    status, _, body = _get(f"{server}/api/v1/public/institutions/?q=%E6%89%98%E8%82%B2")
    assert status == 200, body[:300]
    rows_before = cluster.psql("SELECT count(*) FROM supervision_complaint")

    cluster.stop()

    status, headers, body = _get(f"{server}/search/?q=%E6%89%98%E8%82%B2")
    assert status == 503 and "服务暂时不可用" in body and "未保存" in body
    assert headers.get("Retry-After") == "30"
    status, headers, body = _get(f"{server}/api/v1/public/institutions/?q=%E6%89%98%E8%82%B2")
    assert status == 503 and json.loads(body)["code"] == "database_unavailable", body[:300]
    status, _, body = _get(f"{server}/api/v1/public/complaints/", data=complaint)
    assert status == 503 and json.loads(body)["code"] == "database_unavailable", body[:300]

    cluster.start()

    status, _, body = _get(f"{server}/api/v1/public/institutions/?q=%E6%89%98%E8%82%B2")
    assert status == 200, body[:300]
    assert _get(f"{server}/search/?q=%E6%89%98%E8%82%B2")[0] == 200
    assert cluster.psql("SELECT count(*) FROM supervision_complaint") == rows_before
