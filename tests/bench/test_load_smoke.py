"""bench/load.py end to end at a tiny scale: gunicorn as an unprivileged (row-security) role on the
test database, a real login per scope, every page of each mix answering 200 with its costs."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.db import connection

from bench import load
from bench.generate import populate

pytestmark = pytest.mark.django_db(transaction=True)  # gunicorn must see the committed rows


def _test_database_url() -> str:
    """The test database as the suite's own role (unprivileged, no BYPASSRLS: row security binds it)."""
    s = connection.settings_dict
    auth = quote(s["USER"], safe="") + (f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def test_http_benchmark_runs_every_scope(regions, tmp_path, settings):
    populate(institutions=150, log=lambda *a: None)
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        assert not cur.fetchone()[0], "the benchmark must run gunicorn under row security"
    out, figures = tmp_path / "results.md", tmp_path / "results.json"
    args = load.parse_args([
        "--app-database-url", _test_database_url(), "--redis-url", settings.REDIS_URL,
        "--district", "330106", "--city", "330100", "--province", "330000",
        "--clients", "1,2", "--duration", "1", "--max-requests", "40", "--warmup", "1",
        "--workers", "1", "--threads", "2", "--label", "smoke", "--out", str(out), "--json", str(figures)])

    assert load.run(args) == 0, out.read_text(encoding="utf-8")  # 0: no request failed

    data = json.loads(figures.read_text(encoding="utf-8"))
    assert {(lv["scope"], lv["clients"]) for lv in data["levels"]} == {
        (scope, clients) for scope in load.SCOPES for clients in (1, 2)}
    assert all(lv["requests"] > 0 and lv["errors"] == 0 for lv in data["levels"])
    pages = {(p["scope"], p["page"]): p for p in data["pages"]}
    # Every page the warm-up and the levels asked for answered with its costs measured in the worker.
    assert pages[("district", "review queue")]["queries"] >= 1
    assert all(p["cpu_ms_p50"] > 0 for p in pages.values())
    assert pages[("district", "review queue")]["floor_ms"] > 0
    assert ("country", "admin institution list") in pages or ("country", "home") in pages
    text = out.read_text(encoding="utf-8")
    assert "| district | 1 |" in text and "| country | 2 |" in text
    assert "as the row-security app role" in text
