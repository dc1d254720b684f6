"""Print the DATABASE_URL the test suite runs under: a role that row-level security binds.

Superusers and BYPASSRLS roles skip row security, so a suite run as ``postgres`` would never meet
the tenant policies. When DATABASE_URL's user is such a role, this creates (or updates) the role
``childcare_test`` (LOGIN CREATEDB CREATEROLE, no superuser, no BYPASSRLS) and prints the same URL with that
user; pytest-django then creates the test database owned by it, and the FORCEd policies bind it.
A DATABASE_URL whose user is already unprivileged is printed unchanged.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

TEST_ROLE = "childcare_test"
TEST_ROLE_PASSWORD = "childcare_test"  # noqa: S105 - a local, unprivileged role for throwaway test databases


def main() -> int:
    url = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/childcare")
    parts = urlsplit(url)
    test_db = os.environ.get("TEST_DATABASE_NAME") or f"test_{parts.path.lstrip('/') or 'childcare'}"
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        privileged = conn.execute(
            "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()[0]
        if not privileged:
            print(url)
            return 0
        role = sql.Identifier(TEST_ROLE)
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [TEST_ROLE]).fetchone()
        conn.execute(sql.SQL("{} ROLE {} LOGIN CREATEDB CREATEROLE NOSUPERUSER NOBYPASSRLS PASSWORD {}").format(
            sql.SQL("ALTER" if exists else "CREATE"), role, sql.Literal(TEST_ROLE_PASSWORD)))
        # The benchmark generator loads rows with triggers off (session_replication_role), PostgreSQL 15+.
        if conn.info.server_version >= 150000:
            conn.execute(sql.SQL("GRANT SET ON PARAMETER session_replication_role TO {}").format(role))
        # A test database left by a run under another role cannot be dropped by the test role.
        owner = conn.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s",
                             [test_db]).fetchone()
        if owner and owner[0] != TEST_ROLE:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(test_db)))
    netloc = f"{TEST_ROLE}:{TEST_ROLE_PASSWORD}@{parts.hostname or '127.0.0.1'}:{parts.port or 5432}"
    print(urlunsplit(parts._replace(netloc=netloc)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
