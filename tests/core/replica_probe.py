"""Run by tests/core/test_replica_live.py in a child process whose DATABASE_URL is a private primary and
DATABASE_REPLICA_URL its streaming replica (both as a role that row security binds). Prints a JSON
report of what the portal and a write-then-read saw, and which alias served them."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")

import django

django.setup()

import psycopg  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django_scopes import scopes_disabled  # noqa: E402

from core.db import routing  # noqa: E402
from core.tenancy import TenantScope, tenant_scope  # noqa: E402
from regions.models import Region  # noqa: E402
from registry.models import Institution  # noqa: E402
from tests.portal.helpers import filed  # noqa: E402
from tests.regions_fixture import load_test_regions  # noqa: E402

SUPERUSER_REPLICA = os.environ["PROBE_REPLICA_SUPERUSER_DSN"]
seen: dict[str, list[str]] = {"default": [], "replica": []}


def recorder(alias):
    def record(execute, sql, params, many, context):
        seen[alias].append(sql)
        return execute(sql, params, many, context)
    return record


def replica_count(name: str) -> int:
    with scopes_disabled():
        return Institution.objects.using("replica").filter(name=name).count()


def wait_for_replica(name: str) -> None:
    for _ in range(200):
        if replica_count(name):
            return
        time.sleep(0.05)
    raise SystemExit(f"replica never received {name}")


def main() -> None:
    report: dict = {}
    with scopes_disabled():
        load_test_regions()
        filed("复制前托育园", lat=30.275, lng=120.15)
    wait_for_replica("复制前托育园")
    report["replica_in_recovery"] = connections["replica"].cursor().execute(
        "SELECT pg_is_in_recovery()").fetchone()[0]
    with psycopg.connect(SUPERUSER_REPLICA, autocommit=True) as su:
        su.execute("SELECT pg_wal_replay_pause()")
        with scopes_disabled():
            filed("复制后托育园", lat=30.276, lng=120.15)  # on the primary; the replica does not replay it
        time.sleep(0.5)
        with connections["default"].execute_wrapper(recorder("default")), \
                connections["replica"].execute_wrapper(recorder("replica")):
            page = Client().get("/search/", {"q": "托育园"}).content.decode()
        report["page_shows_old"] = "复制前托育园" in page
        report["page_shows_new"] = "复制后托育园" in page
        report["search_reads_on_replica"] = sum("registry_institution" in s for s in seen["replica"])
        report["search_reads_on_primary"] = sum("registry_institution" in s for s in seen["default"])

        # A request that writes reads its own write from the primary, even while the replica lags.
        with routing.replica_reads(), scopes_disabled():
            report["before_write_alias"] = Institution.objects.all().db
            filed("写后读托育园", lat=30.277, lng=120.15)
            report["after_write_alias"] = Institution.objects.all().db
            report["read_own_write"] = Institution.objects.filter(name="写后读托育园").exists()
        report["replica_has_new_while_paused"] = replica_count("复制后托育园")

        # Row security binds the replica connection too: another district's scope sees none of these.
        other = Region.objects.get(code="330105")
        with routing.replica_reads(), tenant_scope(TenantScope.for_region(other)):
            qs = Institution.objects.all()
            report["other_district_alias"] = qs.db
            report["other_district_raw_count"] = connections["replica"].cursor().execute(
                "SELECT count(*) FROM registry_institution").fetchone()[0]
            report["replica_tenant_setting"] = connections["replica"].cursor().execute(
                "SELECT current_setting('app.tenant')").fetchone()[0]
        su.execute("SELECT pg_wal_replay_resume()")
    wait_for_replica("复制后托育园")
    page = Client().get("/search/", {"q": "托育园"}).content.decode()
    report["page_shows_new_after_resume"] = "复制后托育园" in page
    print(json.dumps(report, ensure_ascii=False))


if __name__ == "__main__":
    main()
