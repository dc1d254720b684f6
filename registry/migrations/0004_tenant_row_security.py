from django.db import migrations

from core.db import rls

# Each tenant table and how a row reaches its institution (for operators' institution scopes).
TABLES = {
    "registry_institution": "id",
    "registry_registration": "institution_id",
    "registry_institutionclaim": "institution_id",
    "registry_staff": "institution_id",
    "registry_staffqualification": rls.via("registry_staff", "staff_id"),
    "registry_staffconflictflag": rls.via("registry_staff", "staff_id"),
    "registry_filing": "institution_id",
    "registry_filingclass": rls.via("registry_filing", "filing_id"),
    "registry_filingdocument": rls.via("registry_filing", "filing_id"),
    "registry_filingevent": rls.via("registry_filing", "filing_id"),
}


class Migration(migrations.Migration):
    """Row-level security on every registry tenant table (see core/db/rls.py)."""

    dependencies = [
        ("core", "0001_tenant_row_security_functions"),
        ("registry", "0003_staff_open_person_uniq"),
    ]

    operations = [migrations.RunSQL(rls.enable_sql(table, inst), rls.disable_sql(table))
                  for table, inst in TABLES.items()]
