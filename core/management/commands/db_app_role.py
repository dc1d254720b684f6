"""Create or update the database role the application runs as, with exactly the rights it needs.

Run as the owner of the tables (the role that runs ``migrate``), after every ``migrate``:

    DB_APP_PASSWORD=... manage.py db_app_role childcare_app

The role may log in and read and write business rows, nothing more: no superuser, no BYPASSRLS
(so the tenant row-security policies bind it), no DDL, and no UPDATE, DELETE or TRUNCATE on the
audit tables (pghistory events, the security log, every workflow's event table), which makes them append-only
for the application whatever its code does. Idempotent: re-run it to grant tables added since.
"""

from __future__ import annotations

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg import sql


def append_only_tables() -> list[str]:
    """Tables the application may add to but never change: the audit trail."""
    import pghistory.models
    from django.apps import apps

    from core.events import event_models

    tables = [m._meta.db_table for m in apps.get_models()
              if issubclass(m, pghistory.models.Event) and not m._meta.proxy and m._meta.managed]
    tables += [m._meta.db_table for m in event_models()]  # every workflow's event table
    tables += ["accounts_authevent"]
    return sorted(set(tables))


class Command(BaseCommand):
    help = "Create/update the application's database role (no superuser, no BYPASSRLS, append-only audit tables)."

    def add_arguments(self, parser):
        parser.add_argument("role", help="role name, e.g. childcare_app")
        parser.add_argument("--password-env", default="DB_APP_PASSWORD",
                            help="environment variable holding the role's password (default DB_APP_PASSWORD); "
                                 "unset: the password is left as it is")

    def handle(self, *args, role: str, password_env: str, **options):
        password = os.environ.get(password_env) or None
        with connection.cursor() as cur:
            cur.execute("SELECT current_user, current_database()")
            me, database = cur.fetchone()
            if role == me:
                raise CommandError(f"{role} runs the migrations and owns the tables; choose another name "
                                   "for the application role")
        ident = sql.Identifier(role)
        with connection.cursor() as cur:
            cur.execute("SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole, rolcanlogin FROM pg_roles "
                        "WHERE rolname = %s", [role])
            current = cur.fetchone()
        exists = current is not None
        if exists:
            # Name only the attributes that must change: touching SUPERUSER/BYPASSRLS at all needs a
            # superuser, which an owner with CREATEROLE is not.
            wanted = ("NOSUPERUSER", "NOBYPASSRLS", "NOCREATEDB", "NOCREATEROLE")
            words = [word for word, value in zip(wanted, current[:4], strict=True) if value]
            if not current[4]:
                words.append("LOGIN")
        else:
            words = ["LOGIN", "NOSUPERUSER", "NOCREATEDB", "NOCREATEROLE", "NOBYPASSRLS"]
        attributes = sql.SQL(" ".join(words))
        if password:
            attributes = sql.SQL("{} PASSWORD {}").format(attributes, sql.Literal(password))
        statements = []
        if not exists or words or password:
            statements.append(sql.SQL("ALTER ROLE {} {}" if exists else "CREATE ROLE {} {}").format(
                ident, attributes))
        statements += [
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(sql.Identifier(database), ident),
            sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident),
            sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {}").format(ident),
            sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident),
            sql.SQL("GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO {}").format(ident),
        ]
        for table in append_only_tables():
            statements.append(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}").format(
                sql.Identifier(table), ident))
        # The monthly partitions of the audit tables (core.partitions): reached through their parent
        # only, so the role keeps no right of its own on them (GRANT … ON ALL TABLES just gave some).
        with connection.cursor() as cur:
            cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = ANY(%s) "
                        "AND c.relnamespace = 'public'::regnamespace", [append_only_tables()])
            for (partition,) in cur.fetchall():
                statements.append(sql.SQL("REVOKE ALL ON {} FROM {}").format(sql.Identifier(partition), ident))
        # pghistory upserts the request context row from its triggers: it may be updated, not deleted.
        statements.append(sql.SQL("REVOKE DELETE, TRUNCATE ON pghistory_context FROM {}").format(ident))
        with transaction.atomic(), connection.cursor() as cur:
            for statement in statements:
                cur.execute(statement.as_string(cur.connection))
        self.stdout.write(self.style.SUCCESS(
            f"role {role}: {'updated' if exists else 'created'}; {len(append_only_tables())} audit tables "
            "append-only"))
