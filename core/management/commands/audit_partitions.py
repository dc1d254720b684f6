"""Keep the audit tables' monthly partitions: convert any audit table not yet partitioned, create
the coming months, and (``--archive``) detach every month older than the retention into the schema
``audit_archive`` for dumping. Run as the table owner (the migrate job), not as the application role,
which may run no DDL. Idempotent. See core/partitions.py and docs/operations.md."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from core import partitions


class Command(BaseCommand):
    help = "Create the coming months' audit partitions; with --archive, detach months past the retention."

    def add_arguments(self, parser):
        parser.add_argument("--months-ahead", type=int, default=3)
        parser.add_argument("--archive", action="store_true",
                            help="detach partitions older than --retention-days into the schema audit_archive")
        parser.add_argument("--retention-days", type=int, default=None,
                            help=f"default AUDIT_RETENTION_DAYS; at least {partitions.MIN_RETENTION_DAYS}")

    def handle(self, *args, months_ahead: int, archive: bool, retention_days: int | None, **options):
        retention = retention_days if retention_days is not None else settings.AUDIT_RETENTION_DAYS
        if retention < partitions.MIN_RETENTION_DAYS:
            raise CommandError(f"the audit trail is kept at least {partitions.MIN_RETENTION_DAYS} days "
                               f"(--retention-days {retention} refused)")
        now = timezone.now()
        with transaction.atomic(), connection.cursor() as cursor:
            report = partitions.ensure_all(cursor, now=now, months_ahead=months_ahead)
            archived = []
            if archive:
                for table, _ in partitions.audit_tables(cursor):
                    for part in partitions.archivable(cursor, table, now=now, retention_days=retention):
                        archived.append(partitions.archive(cursor, part))
        for table in report["converted"]:
            self.stdout.write(f"partitioned {table}")
        self.stdout.write(f"created {len(report['created'])} month partitions")
        for table, n in report["default_rows"].items():
            self.stderr.write(f"WARNING {table}_default holds {n} rows: a month partition was missing when they "
                              "were written; see docs/operations.md")
        if archive:
            for name in archived:
                self.stdout.write(f"archived {name}")
            self.stdout.write(f"archived {len(archived)} partitions (retention {retention} days); dump the schema "
                              f"{partitions.ARCHIVE_SCHEMA} and drop it once stored")
