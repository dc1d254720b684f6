"""Monthly range partitions of the audit tables, so that archiving old audit rows is a
``DETACH PARTITION`` (a catalogue change), never a ``DELETE`` (which the append-only triggers and the
application role's grants forbid anyway).

The audit tables partitioned here: every pghistory event table (``…history``, by ``pgh_created_at``)
and the security log ``accounts_authevent`` (by ``created_at``). The workflow event tables
(``…event``) are not: they are each business object's own history, shown on its pages, and live
as long as the object does.

Layout of a partitioned audit table ``T``:

- ``T_p0``: the table as it was before partitioning (all its rows, moved without a copy by
  ``ATTACH PARTITION``), for everything before the first month partition;
- ``T_pYYYYMM``: one per calendar month (Asia/Shanghai), created ``months_ahead`` in advance;
- ``T_default``: the safety net for rows no month partition takes (should stay empty: a month
  partition cannot be created over rows it already holds — ``ensure_partitions`` reports that).

Maintenance (``manage.py audit_partitions``, run by the table owner — the migrate job — because the
application role may run no DDL): convert any audit table not yet partitioned (a new tracked model),
create the coming months' partitions, and with ``--archive`` detach every partition that ends more
than ``AUDIT_RETENTION_DAYS`` (≥ 180) ago and move it to the schema ``audit_archive``, from where
operations dump it (``pg_dump -n audit_archive``) to the archive store and drop it. See
docs/operations.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from psycopg import sql

ARCHIVE_SCHEMA = "audit_archive"
MIN_RETENTION_DAYS = 180
TZ = ZoneInfo("Asia/Shanghai")
# (table, partition column) besides the pghistory tables found by their columns.
EXTRA_TABLES = (("accounts_authevent", "created_at"),)
_BOUND_TO = re.compile(r"TO \('([^']+)'\)")


@dataclass(frozen=True)
class Partition:
    table: str  # the parent
    name: str
    upper: dt.datetime | None  # None: the default partition
    default: bool = False


def _run(cursor, statement, params=None) -> None:
    """Execute a composed statement (rendered to text first: Django's cursor wrapper passes it on)."""
    if isinstance(statement, sql.Composable):
        statement = statement.as_string(cursor.connection)
    cursor.execute(statement, params)


def audit_tables(cursor) -> list[tuple[str, str]]:
    """(table, partition column) of every audit table in the database, partitioned or not."""
    cursor.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition "
        "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'pgh_created_at') "
        "AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'pgh_obj_id') "
        "ORDER BY 1")
    tables = [(name, "pgh_created_at") for (name,) in cursor.fetchall()]
    for name, column in EXTRA_TABLES:
        cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s AND relnamespace = 'public'::regnamespace", [name])
        if cursor.fetchone():
            tables.append((name, column))
    return tables


def unpartitioned(cursor) -> list[tuple[str, str]]:
    """The audit tables not partitioned yet (one catalogue query): what a new tracked model adds."""
    tables = audit_tables(cursor)
    cursor.execute("SELECT relname FROM pg_class WHERE relkind = 'p' AND relnamespace = 'public'::regnamespace "
                   "AND relname = ANY(%s)", [[t for t, _ in tables]])
    done = {r[0] for r in cursor.fetchall()}
    return [(t, c) for t, c in tables if t not in done]


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s AND relnamespace = 'public'::regnamespace",
                   [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def month_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, 1, tzinfo=TZ)


def add_months(start: dt.datetime, n: int) -> dt.datetime:
    months = start.year * 12 + start.month - 1 + n
    return dt.datetime(months // 12, months % 12 + 1, 1, tzinfo=TZ)


@contextlib.contextmanager
def _no_pending_checks(cursor):
    """ALTER TABLE refuses a table with deferred foreign-key checks still queued in this transaction
    (rows written earlier in it): run them now, and defer again after (Django's constraints are all
    DEFERRABLE INITIALLY DEFERRED)."""
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _literal(moment: dt.datetime) -> sql.Literal:
    return sql.Literal(moment.isoformat())


def _pk_column(cursor, table: str) -> str:
    cursor.execute("SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                   "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s::regclass AND i.indisprimary", [table])
    columns = [r[0] for r in cursor.fetchall()]
    if len(columns) != 1:
        raise RuntimeError(f"{table}: expected a one-column primary key, found {columns}")
    return columns[0]


def convert(cursor, table: str, column: str, *, now: dt.datetime, months_ahead: int) -> None:
    """Turn ``table`` into a table range-partitioned by month on ``column``, keeping every row (the old
    table becomes the partition ``<table>_p0``, attached without copying), its indexes, checks,
    foreign keys and triggers (the append-only one included: cloned to every partition), and its
    identity sequence's position."""
    ident = sql.Identifier(table)
    legacy = f"{table}_p0"
    pk = _pk_column(cursor, table)
    cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, pk])
    sequence = cursor.fetchone()[0]
    _run(cursor, sql.SQL("SELECT COALESCE(MAX({}), 0) + 1 FROM {}").format(sql.Identifier(pk), ident))
    next_id = cursor.fetchone()[0]
    if sequence:
        _run(cursor, sql.SQL("SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END FROM {}").format(
            sql.SQL(sequence)))
        next_id = max(next_id, cursor.fetchone()[0])
    # What the new parent must carry, read before anything is renamed (definitions name the table).
    cursor.execute("SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                   "JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %s::regclass "
                   "AND NOT i.indisprimary AND NOT i.indisunique", [table])
    indexes = cursor.fetchall()
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                   "AND contype = 'f'", [table])
    foreign_keys = cursor.fetchall()
    cursor.execute("SELECT tgname, pg_get_triggerdef(oid), obj_description(oid, 'pg_trigger') FROM pg_trigger "
                   "WHERE tgrelid = %s::regclass AND NOT tgisinternal", [table])
    triggers = cursor.fetchall()
    cursor.execute("SELECT DISTINCT grantee FROM information_schema.role_table_grants WHERE table_schema = 'public' "
                   "AND table_name = %s AND grantee <> (SELECT pg_get_userbyid(relowner) FROM pg_class "
                   "WHERE oid = %s::regclass)", [table, table])
    grantees = [r[0] for r in cursor.fetchall()]

    statements = [sql.SQL("ALTER TABLE {} RENAME TO {}").format(ident, sql.Identifier(legacy))]
    for name, _, _ in triggers:
        statements.append(sql.SQL("DROP TRIGGER {} ON {}").format(sql.Identifier(name), sql.Identifier(legacy)))
    for name, _ in foreign_keys:
        statements.append(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(legacy),
                                                                              sql.Identifier(name)))
    cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'p'", [table])
    pk_name = cursor.fetchone()[0]
    # A partition's primary key is its parent's (id, month column): built on it by ATTACH.
    statements.append(sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(sql.Identifier(legacy),
                                                                          sql.Identifier(pk_name)))
    for i, (name, _) in enumerate(indexes):
        statements.append(sql.SQL("ALTER INDEX {} RENAME TO {}").format(
            sql.Identifier(name), sql.Identifier(f"{legacy}_ix{i}")))
    if sequence:
        statements.append(sql.SQL("ALTER TABLE {} ALTER COLUMN {} DROP IDENTITY").format(
            sql.Identifier(legacy), sql.Identifier(pk)))
    statements += [
        sql.SQL("CREATE TABLE {} (LIKE {} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED "
                "INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ({})").format(
            ident, sql.Identifier(legacy), sql.Identifier(column)),
        sql.SQL("ALTER TABLE {} ALTER COLUMN {} ADD GENERATED BY DEFAULT AS IDENTITY (START WITH {})").format(
            ident, sql.Identifier(pk), sql.Literal(int(next_id))),
        sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({}, {})").format(
            ident, sql.Identifier(pk_name), sql.Identifier(pk), sql.Identifier(column)),
    ]
    for _, definition in indexes:  # the original names, on the (still empty) parent
        statements.append(sql.SQL(definition))
    for name, definition in foreign_keys:
        statements.append(sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(ident, sql.Identifier(name),
                                                                                 sql.SQL(definition)))
    for name, definition, comment in triggers:  # on the parent: cloned to every partition
        statements.append(sql.SQL(definition))
        if comment:
            statements.append(sql.SQL("COMMENT ON TRIGGER {} ON {} IS {}").format(
                sql.Identifier(name), ident, sql.Literal(comment)))
    first = add_months(month_start(now.astimezone(TZ).date()), 1)
    statements.append(sql.SQL("ALTER TABLE {} ATTACH PARTITION {} FOR VALUES FROM (MINVALUE) TO ({})").format(
        ident, sql.Identifier(legacy), _literal(first)))
    # The old table's direct grants (the app role's) go: partitions are reached through the parent.
    for grantee in grantees:
        statements.append(sql.SQL("REVOKE ALL ON {} FROM {}").format(
            sql.Identifier(legacy), sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee)))
    statements.append(sql.SQL("CREATE TABLE {} PARTITION OF {} DEFAULT").format(
        sql.Identifier(f"{table}_default"), ident))
    with _no_pending_checks(cursor):
        for statement in statements:
            _run(cursor, statement)
    for grantee in grantees:  # the parent keeps what the old table granted (read and insert)
        _run(cursor, sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(
            ident, sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee)))
    ensure_months(cursor, table, column, now=now, months_ahead=months_ahead)


def partitions(cursor, table: str) -> list[Partition]:
    cursor.execute("SELECT c.relname, pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i "
                   "JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = %s::regclass ORDER BY 1", [table])
    out = []
    for name, bound in cursor.fetchall():
        if bound == "DEFAULT":
            out.append(Partition(table, name, None, default=True))
            continue
        match = _BOUND_TO.search(bound)
        upper = dt.datetime.fromisoformat(match.group(1)) if match else None
        out.append(Partition(table, name, upper))
    return out


def ensure_months(cursor, table: str, column: str, *, now: dt.datetime, months_ahead: int) -> list[str]:
    """Create the month partitions of ``table`` from the end of the last one up to ``months_ahead``
    months after the current month; returns their names. A month whose rows already sit in the default
    partition is not created (it would fail); it is reported by ``default_rows``."""
    existing = [p for p in partitions(cursor, table) if p.upper is not None]
    start = max(p.upper for p in existing) if existing else month_start(now.astimezone(TZ).date())
    start = start.astimezone(TZ)
    stop = add_months(month_start(now.astimezone(TZ).date()), months_ahead + 1)
    created = []
    ident = sql.Identifier(table)
    while start < stop:
        end = add_months(start, 1)
        name = f"{table}_p{start:%Y%m}"
        _run(cursor, sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE {} >= {} AND {} < {})").format(
            sql.Identifier(f"{table}_default"), sql.Identifier(column), _literal(start), sql.Identifier(column),
            _literal(end)))
        if cursor.fetchone()[0]:
            break  # rows landed in the default partition: leave it to an operator (see the module doc)
        _run(cursor, sql.SQL("CREATE TABLE {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})").format(
            sql.Identifier(name), ident, _literal(start), _literal(end)))
        created.append(name)
        start = end
    return created


def default_rows(cursor, table: str) -> int:
    _run(cursor, sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(f"{table}_default")))
    return cursor.fetchone()[0]


def archivable(cursor, table: str, *, now: dt.datetime, retention_days: int) -> list[Partition]:
    """The partitions of ``table`` whose every row is older than ``retention_days``."""
    if retention_days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit retention must be at least {MIN_RETENTION_DAYS} days, not {retention_days}")
    cutoff = now - dt.timedelta(days=retention_days)
    return [p for p in partitions(cursor, table) if p.upper is not None and p.upper <= cutoff]


def archive(cursor, partition: Partition) -> str:
    """Detach ``partition`` and move it to the archive schema; returns its new qualified name."""
    _run(cursor, sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(ARCHIVE_SCHEMA)))
    with _no_pending_checks(cursor):
        _run(cursor, sql.SQL("ALTER TABLE {} DETACH PARTITION {}").format(sql.Identifier(partition.table),
                                                                             sql.Identifier(partition.name)))
    _run(cursor, sql.SQL("ALTER TABLE {} SET SCHEMA {}").format(sql.Identifier(partition.name),
                                                                  sql.Identifier(ARCHIVE_SCHEMA)))
    return f"{ARCHIVE_SCHEMA}.{partition.name}"


def ensure_all(cursor, *, now: dt.datetime, months_ahead: int = 3) -> dict:
    """Convert every audit table not yet partitioned and create the coming months' partitions.
    Returns ``{"converted": [...], "created": [...], "default_rows": {table: n}}``."""
    report: dict = {"converted": [], "created": [], "default_rows": {}}
    for table, column in audit_tables(cursor):
        if not is_partitioned(cursor, table):
            convert(cursor, table, column, now=now, months_ahead=months_ahead)
            report["converted"].append(table)
        else:
            report["created"] += ensure_months(cursor, table, column, now=now, months_ahead=months_ahead)
        n = default_rows(cursor, table)
        if n:
            report["default_rows"][table] = n
    return report
