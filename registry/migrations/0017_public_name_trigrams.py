"""The public search at national scale: ``pg_trgm`` and a GIN index on the public institutions' names
(``name LIKE '%…%'``), and per region level an index (region column, name, id) of the public rows
for the list of a region by name (count and first page without a scan of the status index).

``pg_trgm`` is a trusted extension (PostgreSQL 13+): the owner of the database (the app's role in
the test and demo set-ups) may create it. Where the app's role does not own the database, a
privileged role runs ``CREATE EXTENSION IF NOT EXISTS pg_trgm;`` once before ``migrate``
(docs/operations.md); this migration then finds it in place.
"""

import django.contrib.postgres.indexes
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0016_merge_summaries_public_search"),
    ]

    operations = [
        TrigramExtension(),
        migrations.AddIndex(
            model_name="institution",
            index=django.contrib.postgres.indexes.GinIndex(
                condition=models.Q(("status__in", ["filed", "suspended"])), fields=["name"],
                name="institution_name_trgm_idx", opclasses=["gin_trgm_ops"]),
        ),
        *[migrations.AddIndex(
            model_name="institution",
            index=models.Index(condition=models.Q(("status__in", ["filed", "suspended"])),
                               fields=[column, "name", "id"], name=f"inst_public_{column[:-3]}_idx"),
        ) for column in ("province_id", "city_id", "district_id")],
    ]
