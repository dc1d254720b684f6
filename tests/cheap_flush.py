"""A cheaper flush for transactional tests (``transactional_db``, ``live_server``, TransactionTestCase).

Django empties the test database after each such test with one ``TRUNCATE`` of every model table.
PostgreSQL gives every truncated relation a new file: here ~150 model tables become 335 tables with
the monthly audit partitions (core 0004) and ~3,700 indexes, so that one statement creates and
unlinks thousands of files (measured 39 s wall / 0.03 s CPU per flush at load average 8). Most of
those tables are still empty: a test writes a handful.

``sql_flush`` here returns one ``DO`` block that truncates only the tables whose heap (or, for a
partitioned table, any leaf partition's heap) has a page on disk. A table that ever held a row since
its last truncate, committed or rolled back, has one; a table with no page holds no row. The result
is the same as Django's: every table empty. ``CASCADE`` brings in the (empty) tables whose foreign
keys reference a truncated one, as PostgreSQL requires. The size test reads the file size, not the
rows, so forced row-level security (which hides rows from the test role) cannot make a full table
look empty. ``reset_sequences=True`` keeps Django's statement (sequences restart for every table).
"""

from __future__ import annotations

from django.db.backends.postgresql.operations import DatabaseOperations

_original_sql_flush = DatabaseOperations.sql_flush

_DO_BLOCK = """
DO $cheap_flush$
DECLARE
    candidates text[] := %s;
    written text;
BEGIN
    SELECT string_agg(quote_ident(t), ', ') INTO written
      FROM unnest(candidates) AS t
     WHERE pg_relation_size(t::regclass) > 0
        OR EXISTS (SELECT 1 FROM pg_partition_tree(t::regclass) AS p
                    WHERE p.isleaf AND pg_relation_size(p.relid) > 0);
    IF written IS NOT NULL THEN
        EXECUTE 'TRUNCATE ' || written || ' CASCADE';
    END IF;
END
$cheap_flush$;
"""


def _array_literal(tables) -> str:
    quoted = ", ".join("'" + table.replace("'", "''") + "'" for table in tables)
    return f"ARRAY[{quoted}]::text[]"


def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
    if not tables or reset_sequences:
        return _original_sql_flush(self, style, tables, reset_sequences=reset_sequences,
                                   allow_cascade=allow_cascade)
    return [_DO_BLOCK % _array_literal(tables)]


def install() -> None:
    DatabaseOperations.sql_flush = sql_flush


def uninstall() -> None:
    DatabaseOperations.sql_flush = _original_sql_flush
