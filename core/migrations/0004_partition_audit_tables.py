"""Range-partition the audit tables by month (core.partitions): every pghistory event table and the
security log. All rows are kept (each old table becomes the partition ``<table>_p0``, attached
without a copy); indexes, checks, foreign keys, the append-only triggers and the id sequence's
position carry over. ``manage.py audit_partitions`` keeps the coming months created and archives."""

from django.db import migrations
from django.utils import timezone


def partition(apps, schema_editor):
    from core import partitions

    with schema_editor.connection.cursor() as cursor:
        partitions.ensure_all(cursor, now=timezone.now(), months_ahead=3)


class Migration(migrations.Migration):

    dependencies = [
        ("core", "0003_sweep_bulk_audit"),
        ("accounts", "0007_all_roles"),
        ("regions", "0004_field_labels"),
        ("registry", "0016_merge_summaries_public_search"),
        ("subsidies", "0003_claim_documents"),
        ("supervision", "0005_merge_inspections_enforcement_complaints"),
        ("notifications", "0009_all_supervision_kinds"),
        ("indicators", "0001_indicator_snapshots"),
    ]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
