from django.db import migrations

from core.db import rls

# Each tenant table and how a row reaches its institution (policies, guided prices and budgets are
# reference rows of a region, not tenant rows). Payout batches belong to no institution.
NO_INSTITUTION = "NULL::bigint"
TABLES = {
    "subsidies_certification": "institution_id",
    "subsidies_certificationevent": rls.via("subsidies_certification", "certification_id"),
    "subsidies_enrolment": "institution_id",
    "subsidies_subsidyclaim": "institution_id",
    "subsidies_claimline": rls.via("subsidies_subsidyclaim", "claim_id"),
    "subsidies_subsidyclaimevent": rls.via("subsidies_subsidyclaim", "claim_id"),
    "subsidies_payoutitem": rls.via("subsidies_subsidyclaim", "claim_id"),
    "subsidies_payoutbatch": NO_INSTITUTION,
    "subsidies_payoutbatchevent": NO_INSTITUTION,
}


class Migration(migrations.Migration):
    """Row-level security on every subsidies tenant table (see core/db/rls.py)."""

    dependencies = [
        ("core", "0001_tenant_row_security_functions"),
        ("subsidies", "0001_subsidies"),
    ]

    operations = [migrations.RunSQL(rls.enable_sql(table, inst), rls.disable_sql(table))
                  for table, inst in TABLES.items()]
