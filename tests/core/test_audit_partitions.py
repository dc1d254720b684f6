"""The audit tables are range-partitioned by month (core.partitions, migration core 0004): the
audit trail keeps being written and read through them, the append-only triggers hold on every
partition, the application role has no right of its own on a partition, and archiving a month past
the retention is a DETACH into the schema audit_archive — the rows leave the live table without a
DELETE and are all in the archived table."""

from __future__ import annotations

import datetime as dt

import pghistory.models
import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import DatabaseError, ProgrammingError, connection, transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import AuthEvent
from core import partitions
from registry.models import InstitutionHistory
from tests.factories import InstitutionFactory, make_uscc

pytestmark = pytest.mark.django_db


def _audit_tables() -> list[str]:
    tables = [m._meta.db_table for m in apps.get_models()
              if issubclass(m, pghistory.models.Event) and not m._meta.proxy and m._meta.managed]
    return sorted([*tables, "accounts_authevent"])


def _one(query: str, params=()):
    with connection.cursor() as cur:
        cur.execute(query, params)
        return cur.fetchone()[0]


def test_every_audit_table_is_partitioned_by_month_ahead():
    tables = _audit_tables()
    assert len(tables) > 40
    now = timezone.now()
    next_months = [partitions.add_months(partitions.month_start(now.astimezone(partitions.TZ).date()), n)
                   for n in (1, 2, 3)]
    with connection.cursor() as cur:
        assert partitions.unpartitioned(cur) == []
        for table in tables:
            assert partitions.is_partitioned(cur, table), table
            names = {p.name for p in partitions.partitions(cur, table)}
            assert {f"{table}_p0", f"{table}_default"} <= names, table
            assert {f"{table}_p{m:%Y%m}" for m in next_months} <= names, table


def test_the_audit_trail_is_written_and_read_through_the_partitions(regions):
    with scopes_disabled():
        inst = InstitutionFactory(uscc=make_uscc("330106", seed=71), name="分区测试托育园")
        inst.name = "分区测试托育园（改名）"
        inst.save()
    events = list(InstitutionHistory.objects.filter(pgh_obj_id=inst.pk).order_by("pgh_id"))
    assert [e.pgh_label for e in events] == ["insert", "update"]
    assert events[1].pgh_id > events[0].pgh_id
    # Stored in the partition of its month (the current month sits in _p0, attached at conversion).
    where = _one("SELECT tableoid::regclass::text FROM registry_institutionhistory WHERE pgh_id = %s",
                 [events[0].pgh_id])
    assert where.startswith("registry_institutionhistory_p")
    event = AuthEvent.objects.create(kind="login", username="someone")
    assert AuthEvent.objects.filter(pk=event.pk).exists()


def test_append_only_holds_on_every_partition(regions):
    with scopes_disabled():
        inst = InstitutionFactory(uscc=make_uscc("330106", seed=72))
    event = InstitutionHistory.objects.filter(pgh_obj_id=inst.pk).first()
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        InstitutionHistory.objects.filter(pk=event.pk).update(pgh_label="forged")
    with connection.cursor() as cur:
        for table in ("registry_institutionhistory", "accounts_authevent"):
            for part in partitions.partitions(cur, table):
                cur.execute("SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname LIKE %s",
                            [part.name, "%append_only%"])
                assert cur.fetchone()[0] == 1, part.name


def test_the_app_role_cannot_change_audit_rows_in_any_partition(regions):
    with scopes_disabled():
        InstitutionFactory(uscc=make_uscc("330106", seed=73))
    AuthEvent.objects.create(kind="login", username="probe")
    with connection.cursor() as cur:
        cur.execute("RESET ROLE")
    call_command("db_app_role", "childcare_app_test_probe", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("GRANT childcare_app_test_probe TO current_user")
        cur.execute("SET LOCAL ROLE childcare_app_test_probe")
        cur.execute("SET LOCAL app.tenant = '*'")
    month = f"p{partitions.add_months(partitions.month_start(timezone.localdate()), 1):%Y%m}"
    assert _one("SELECT count(*) FROM accounts_authevent WHERE username = 'probe'") == 1  # reads, via the parent
    for statement in ("UPDATE accounts_authevent SET ip = NULL",
                      "DELETE FROM accounts_authevent",
                      "DELETE FROM registry_institutionhistory",
                      "UPDATE accounts_authevent_p0 SET username = 'x'",
                      "DELETE FROM accounts_authevent_p0",
                      "DELETE FROM accounts_authevent_default",
                      "DELETE FROM registry_institutionhistory_" + month,  # noqa: S608 - a partition name we made
                      "TRUNCATE registry_institutionhistory_p0",
                      "ALTER TABLE accounts_authevent DETACH PARTITION accounts_authevent_p0"):
        with pytest.raises(DatabaseError, match=r"permission denied|must be owner"), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute(statement)


def test_archiving_detaches_old_months_into_the_archive_schema(regions, monkeypatch):
    from core.management.commands import audit_partitions

    event = AuthEvent.objects.create(kind="login_failed", username="old_timer")
    later = timezone.now() + dt.timedelta(days=200)

    class Later:
        @staticmethod
        def now():
            return later

    with pytest.raises(CommandError, match="at least 180"):
        call_command("audit_partitions", "--archive", "--retention-days", "90")
    monkeypatch.setattr(audit_partitions, "timezone", Later)
    call_command("audit_partitions", "--archive", "--retention-days", "180", "--months-ahead", "0")
    # The row left the live table without a DELETE (the append-only trigger would have refused one)…
    assert not AuthEvent.objects.filter(pk=event.pk).exists()
    # …and is in the archived partition, which is no partition any more.
    assert _one("SELECT count(*) FROM audit_archive.accounts_authevent_p0 WHERE id = %s", [event.pk]) == 1
    assert _one("SELECT relispartition FROM pg_class WHERE oid = 'audit_archive.accounts_authevent_p0'::regclass") \
        is False
    with connection.cursor() as cur:
        names = {p.name for p in partitions.partitions(cur, "accounts_authevent")}
    # Months still inside the retention stay, and the coming months were created.
    assert "accounts_authevent_p0" not in names and "accounts_authevent_default" in names
    assert f"accounts_authevent_p{partitions.month_start(later.astimezone(partitions.TZ).date()):%Y%m}" in names
    # New rows keep landing in the live table.
    assert AuthEvent.objects.create(kind="login", username="after").pk > event.pk


def test_retention_shorter_than_180_days_is_refused():
    now = timezone.now()
    with connection.cursor() as cur, pytest.raises(ValueError, match="at least 180"):
        partitions.archivable(cur, "accounts_authevent", now=now, retention_days=179)
