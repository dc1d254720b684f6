# The institution lists by name and the filing lists newest first within a province, city or district
# (docs/benchmarks.md, "Lists within a scope"): built CONCURRENTLY, so a live registry keeps taking writes.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("registry", "0018_order_indexes"),
    ]

    operations = [
        *[AddIndexConcurrently(
            model_name="institution",
            index=models.Index(fields=[column, "name", "id"], name=f"institution_{column}_name_idx"),
        ) for column in ("province", "city", "district")],
        *[AddIndexConcurrently(
            model_name="filing",
            index=models.Index(fields=[column, "-created_at", "-id"], name=f"filing_{column}_created_idx"),
        ) for column in ("province", "city", "district")],
    ]
