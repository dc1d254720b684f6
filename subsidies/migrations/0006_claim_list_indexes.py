# The district claim lists (docs/benchmarks.md, "District subsidy pages as the app role"): their first page
# newest first read from one index (replacing the (district, status) one it extends), and each shown claim's
# duplicate-child lines counted from a small partial index. Built CONCURRENTLY: claims keep being written.

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("subsidies", "0005_claimline_drop_like_indexes"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="subsidyclaim",
            index=models.Index(fields=["district", "status", "-created_at", "-id"], name="subsidy_claim_queue_order_idx"),
        ),
        RemoveIndexConcurrently(model_name="subsidyclaim", name="subsidy_claim_queue_idx"),
        AddIndexConcurrently(
            model_name="claimline",
            index=models.Index(condition=models.Q(("reason", "duplicate_child")), fields=["claim"],
                               name="claim_line_duplicate_child_idx"),
        ),
    ]
