"""The public search at national scale: ``pg_trgm`` and a GIN index on the public institutions' names
(``name LIKE '%…%'``), and per region level an index (region column, name, id) of the public rows
for the list of a region by name (count and first page without a scan of the status index).

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the owner of the database (the migrating role
in the Compose, bare-metal and test set-ups) may create it. Where the migrating role does not own
the database, a privileged role runs ``CREATE EXTENSION IF NOT EXISTS pg_trgm;`` once before
``migrate`` (docs/operations.md). A server that does not ship the extension at all (the embedded
``pgserver`` of ``make demo``) gets no trigram index: the name search then scans, correctly, as before.
"""

from django.contrib.postgres.indexes import GinIndex
from django.db import migrations, models

PUBLIC = models.Q(("status__in", ["filed", "suspended"]))
TRIGRAM_INDEX = GinIndex(condition=PUBLIC, fields=["name"], name="institution_name_trgm_idx",
                         opclasses=["gin_trgm_ops"])


def _trigrams_available(schema_editor) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        return cursor.fetchone() is not None


def add_trigram_index(apps, schema_editor):
    if not _trigrams_available(schema_editor):
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.add_index(apps.get_model("registry", "Institution"), TRIGRAM_INDEX)


def drop_trigram_index(apps, schema_editor):
    schema_editor.execute("DROP INDEX IF EXISTS institution_name_trgm_idx")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0016_merge_summaries_public_search"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name="institution", index=TRIGRAM_INDEX)],
            database_operations=[migrations.RunPython(add_trigram_index, drop_trigram_index)],
        ),
        *[migrations.AddIndex(
            model_name="institution",
            index=models.Index(condition=PUBLIC, fields=[column, "name", "id"], name=f"inst_public_{column[:-3]}_idx"),
        ) for column in ("province_id", "city_id", "district_id")],
    ]
