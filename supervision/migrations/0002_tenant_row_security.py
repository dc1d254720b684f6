from django.db import migrations

from core.db import rls

# Each tenant table and how a row reaches its institution. No operator sees the blacklist: none
# of these rows belongs to an institution's scope (core.tenancy.NO_INSTITUTION), so only the
# region test of the policy decides (a hit is two rows, one in each district concerned).
NO_INSTITUTION = "NULL::bigint"
TABLES = {
    "supervision_blacklistentry": NO_INSTITUTION,
    "supervision_blacklisthit": NO_INSTITUTION,
    "supervision_blacklistentryevent": NO_INSTITUTION,
    "supervision_blacklisthitevent": NO_INSTITUTION,
}


class Migration(migrations.Migration):
    """Row-level security on every supervision tenant table (see core/db/rls.py)."""

    dependencies = [
        ("core", "0001_tenant_row_security_functions"),
        ("supervision", "0001_blacklist"),
    ]

    operations = [migrations.RunSQL(rls.enable_sql(table, inst), rls.disable_sql(table))
                  for table, inst in TABLES.items()]
