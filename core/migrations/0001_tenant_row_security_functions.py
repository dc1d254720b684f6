from django.db import migrations

from core.db import rls


class Migration(migrations.Migration):
    """SQL functions the tenant row-security policies call (each app enables its own tables)."""

    dependencies = []

    operations = [migrations.RunSQL(rls.FUNCTIONS_SQL, rls.DROP_FUNCTIONS_SQL)]
