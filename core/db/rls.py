"""Row-level security for tenant tables: the database's own wall between districts.

Each tenant table gets one policy, ``tenant_isolation``, for every command (SELECT, INSERT,
UPDATE, DELETE): a row is visible and writable when the session's ``app.tenant`` (sent by
``core.db.base``) covers its copied-down province/city/district, or, for an operator's scope,
names its institution. ``FORCE`` makes the policy bind the table owner too; only superusers and
roles with BYPASSRLS skip it, so the application must connect as neither (``manage.py
db_app_role``). Referential-integrity checks are not subject to row security, by design.
"""

from __future__ import annotations

POLICY = "tenant_isolation"

FUNCTIONS_SQL = r"""
CREATE OR REPLACE FUNCTION tenant_region_visible(p_province text, p_city text, p_district text)
RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE split_part(current_setting('app.tenant', true), ':', 1)
    WHEN '*' THEN true
    WHEN 'province' THEN p_province = split_part(current_setting('app.tenant', true), ':', 2)
    WHEN 'city' THEN p_city = split_part(current_setting('app.tenant', true), ':', 2)
    WHEN 'district' THEN p_district = split_part(current_setting('app.tenant', true), ':', 2)
    ELSE false
  END
$$;

CREATE OR REPLACE FUNCTION tenant_institutions()
RETURNS bigint[] LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN split_part(current_setting('app.tenant', true), ':', 1) = 'institution'
    THEN string_to_array(nullif(split_part(current_setting('app.tenant', true), ':', 2), ''), ',')::bigint[]
    ELSE '{}'::bigint[]
  END
$$;
"""

DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS tenant_institutions();
DROP FUNCTION IF EXISTS tenant_region_visible(text, text, text);
"""


def enable_sql(table: str, institution_sql: str) -> str:
    """Turn on row security for ``table``; ``institution_sql`` yields the row's institution id."""
    condition = (f"tenant_region_visible(province_id, city_id, district_id) "
                 f"OR ({institution_sql}) = ANY (tenant_institutions())")
    return (f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;\n"
            f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY;\n"
            f"DROP POLICY IF EXISTS {POLICY} ON {table};\n"
            f"CREATE POLICY {POLICY} ON {table} USING ({condition}) WITH CHECK ({condition});")


def disable_sql(table: str) -> str:
    return (f"DROP POLICY IF EXISTS {POLICY} ON {table};\n"
            f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;\n"
            f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY;")


def via(parent_table: str, fk_column: str) -> str:
    """The institution id of a row that reaches its institution through ``fk_column``."""
    return f"SELECT p.institution_id FROM {parent_table} p WHERE p.id = {fk_column}"  # noqa: S608 - names from migrations


def institution_sql(model) -> str:
    """The SQL for a row's institution id, derived from ``model.tenant_institution_path``.

    What a tenant table's row-security migration passes to ``enable_sql`` (migrations spell it out,
    as ``registry/migrations/0004`` does; ``tests/core/test_row_security.py`` proves that every
    installed policy is the one derived here from the current models).
    """
    from core.tenancy import NO_INSTITUTION

    path = model.tenant_institution_path
    if path == NO_INSTITUTION:  # no operator's scope covers the row: only the region test decides
        return "NULL::bigint"
    if path == "pk":
        return model._meta.pk.column
    *relations, column = path.split("__")
    if not relations:
        return model._meta.get_field(column).column
    if len(relations) == 1 and column == "institution_id":
        fk = model._meta.get_field(relations[0])
        return via(fk.related_model._meta.db_table, fk.column)
    raise ValueError(f"{model.__name__}.tenant_institution_path {path!r}: row security reaches the institution "
                     "in at most one hop (a column, or a parent's institution_id)")
