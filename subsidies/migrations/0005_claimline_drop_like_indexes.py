"""Drop the four ``varchar_pattern_ops`` ("…_like") indexes Django made on the claim lines' tenant
columns (region/province/city/district are foreign keys to a varchar code, so each got a second
index for ``LIKE 'prefix%'``). No query filters tenant ids by prefix (equality only: scopes, row
security, the plain btree indexes on the same columns serve those), and the monthly batch writes
tens of thousands of lines per transaction: four indexes fewer to maintain on every line. The plain
tenant indexes stay. Reversible: the reverse recreates them under Django's names."""

from django.db import migrations

TABLE = "subsidies_claimline"
COLUMNS = ("region_id", "province_id", "city_id", "district_id")


def _names(schema_editor):
    return [(schema_editor._create_index_name(TABLE, [column], suffix="_like"), column) for column in COLUMNS]


def drop(apps, schema_editor):
    for name, _ in _names(schema_editor):
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


def create(apps, schema_editor):
    for name, column in _names(schema_editor):
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {TABLE} "
                              f"({schema_editor.quote_name(column)} varchar_pattern_ops)")


class Migration(migrations.Migration):

    dependencies = [("subsidies", "0004_duplicate_sweep_indexes")]

    operations = [migrations.RunPython(drop, create, elidable=False)]
