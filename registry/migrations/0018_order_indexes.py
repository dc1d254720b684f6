# Indexes for the first page of the province- and country-scope lists (docs/benchmarks.md, "Large
# scopes over HTTP"): built CONCURRENTLY, so a live registry keeps taking writes while they build.

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("registry", "0017_public_name_trigrams"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="filing",
            index=models.Index(fields=["-created_at", "-id"], name="filing_created_order_idx"),
        ),
        AddIndexConcurrently(
            model_name="institution",
            index=models.Index(fields=["name", "id"], name="institution_name_order_idx"),
        ),
    ]
