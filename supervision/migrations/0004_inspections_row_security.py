from django.db import migrations

from core.db import rls

# Each tenant table of inspections and rectification, and how a row reaches its institution (an
# operator sees its own inspections with their assignments, findings and photos, and its orders,
# replies and evidence; the checklists, the roster, plans and draws are the commission's only).
NO_INSTITUTION = "NULL::bigint"
TABLES = {
    "supervision_checklisttemplate": NO_INSTITUTION,
    "supervision_checklistitem": NO_INSTITUTION,
    "supervision_inspector": NO_INSTITUTION,
    "supervision_inspectorconflict": NO_INSTITUTION,
    "supervision_inspectionplan": NO_INSTITUTION,
    "supervision_plandraw": NO_INSTITUTION,
    "supervision_planevent": NO_INSTITUTION,
    "supervision_inspection": "institution_id",
    "supervision_inspectioninspector": rls.via("supervision_inspection", "inspection_id"),
    "supervision_inspectionfinding": rls.via("supervision_inspection", "inspection_id"),
    "supervision_inspectionphoto": rls.via("supervision_inspection", "inspection_id"),
    "supervision_inspectionevent": rls.via("supervision_inspection", "inspection_id"),
    "supervision_rectificationorder": "institution_id",
    "supervision_rectificationitem": rls.via("supervision_rectificationorder", "order_id"),
    "supervision_rectificationreply": rls.via("supervision_rectificationorder", "order_id"),
    "supervision_rectificationevidence": rls.via("supervision_rectificationorder", "order_id"),
    "supervision_rectificationorderevent": rls.via("supervision_rectificationorder", "order_id"),
}


class Migration(migrations.Migration):
    """Row-level security on every tenant table of inspections and rectification (core/db/rls.py)."""

    dependencies = [
        ("supervision", "0003_inspections"),
    ]

    operations = [migrations.RunSQL(rls.enable_sql(table, inst), rls.disable_sql(table))
                  for table, inst in TABLES.items()]
