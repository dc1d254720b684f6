"""Row-level security: the database refuses other districts' rows even to raw SQL.

These tests make their connection subject to the policies whatever role runs the suite
(``make test`` runs it as an unprivileged role; a superuser run switches to a probe role here).
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from core.db import rls
from core.tenancy import TenantScope, scopes_disabled, tenant_models, tenant_scope
from regions.models import Region
from registry.models import Filing, FilingClass, Institution, Staff
from tests.factories import FilingClassFactory, FilingFactory, InstitutionFactory, StaffFactory

pytestmark = pytest.mark.django_db


def _bound_by_row_security() -> None:
    """Make this test's connection a role the policies bind (rolled back with the test)."""
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        if cur.fetchone()[0]:
            cur.execute("CREATE ROLE rls_probe NOLOGIN")
            cur.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO rls_probe")
            cur.execute("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO rls_probe")
            cur.execute("SET LOCAL ROLE rls_probe")


@pytest.fixture
def two_districts(regions):
    with scopes_disabled():
        xihu = InstitutionFactory(name="西湖甲", region_id="330106001")
        gongshu = InstitutionFactory(name="拱墅乙", region_id="330105001")
        xf, gf = FilingFactory(institution=xihu), FilingFactory(institution=gongshu)
        FilingClassFactory(filing=xf)
        FilingClassFactory(filing=gf)
        StaffFactory(institution=xihu)
        StaffFactory(institution=gongshu)
    _bound_by_row_security()
    return xihu, gongshu


def _raw(query: str) -> list:
    with connection.cursor() as cur:
        cur.execute(query)
        return [row[0] for row in cur.fetchall()]


def _district(code: str) -> TenantScope:
    return TenantScope.for_region(Region.objects.get(code=code))


def test_every_tenant_table_has_a_forced_policy():
    with connection.cursor() as cur:
        for model in tenant_models():
            table = model._meta.db_table
            cur.execute("SELECT relrowsecurity, relforcerowsecurity FROM pg_class WHERE relname = %s", [table])
            assert cur.fetchone() == (True, True), f"{table}: row security not enabled and forced"
            cur.execute("SELECT cmd FROM pg_policies WHERE tablename = %s AND policyname = %s", [table, rls.POLICY])
            assert cur.fetchone() == ("ALL",), f"{table}: no {rls.POLICY} policy for every command"


def test_policies_are_on_exactly_the_tenant_tables():
    """No tenant table without its policy, and no policy left on a table that is no tenant model."""
    with connection.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_policies WHERE policyname = %s AND schemaname = 'public'",
                    [rls.POLICY])
        installed = {row[0] for row in cur.fetchall()}
    assert installed == {m._meta.db_table for m in tenant_models()}


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.db_table)
def test_installed_policy_is_the_one_derived_from_the_model(model):
    """The migrations spell out each table's policy; it must be the one ``rls.institution_sql`` derives
    from the model's ``tenant_institution_path`` (PostgreSQL's own rendering of both is compared)."""
    table = model._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"CREATE TEMP TABLE rls_derived (LIKE {table})")
        cur.execute(rls.enable_sql("rls_derived", rls.institution_sql(model)))
        cur.execute("SELECT tablename, qual, with_check FROM pg_policies WHERE policyname = %s "
                    "AND tablename IN (%s, 'rls_derived')", [rls.POLICY, table])
        found = {name: (qual, check) for name, qual, check in cur.fetchall()}
        cur.execute("DROP TABLE rls_derived")
    # A sub-select names the outer table; the scratch copy's name stands in for it there.
    derived = tuple(text.replace("rls_derived.", f"{table}.") for text in found["rls_derived"])
    assert found[table] == derived


def test_the_database_and_the_orm_place_every_row_alike(two_districts):
    """The session setting (read by the policies' SQL) and ``TenantScope.q`` (the ORM) interpret each
    scope the same way, for rows placed directly and rows under a parent."""
    xihu, _gongshu = two_districts
    scopes = [TenantScope.country(), _district("330106"), _district("330105"),
              TenantScope.for_region(Region.objects.get(code="330100")),
              TenantScope.for_region(Region.objects.get(code="330200")),
              TenantScope.for_institutions([xihu.pk]), TenantScope.nothing()]
    for scope in scopes:
        for model in (Institution, Filing, FilingClass, Staff):
            table = model._meta.db_table
            with tenant_scope(scope):
                by_database = set(_raw(f"SELECT id FROM {table}"))  # noqa: S608 - table names from models
                by_orm = set(model.objects.values_list("pk", flat=True))
            assert by_database == by_orm, f"{scope} / {table}"


def test_raw_sql_and_base_manager_see_only_the_scope_district(two_districts):
    xihu, gongshu = two_districts
    with tenant_scope(_district("330106")):
        assert _raw("SELECT name FROM registry_institution") == ["西湖甲"]
        assert set(_raw("SELECT district_id FROM registry_filingclass")) == {"330106"}
        assert set(_raw("SELECT district_id FROM registry_staff")) == {"330106"}
        # The unscoped base manager (used by foreign-key access) meets the same wall.
        assert not Institution._base_manager.filter(pk=gongshu.pk).exists()
        assert Institution._base_manager.filter(pk=xihu.pk).exists()
    with tenant_scope(_district("330105")):
        assert _raw("SELECT name FROM registry_institution") == ["拱墅乙"]


def test_city_and_disabled_scopes_see_both_districts(two_districts):
    with tenant_scope(TenantScope.for_region(Region.objects.get(code="330100"))):
        assert sorted(_raw("SELECT district_id FROM registry_institution")) == ["330105", "330106"]
    with scopes_disabled():
        assert len(_raw("SELECT id FROM registry_institution")) == 2


def test_empty_scope_sees_nothing(two_districts):
    with tenant_scope(TenantScope.nothing()):
        assert _raw("SELECT id FROM registry_institution") == []
        assert _raw("SELECT id FROM registry_filing") == []


def test_operator_scope_sees_its_institution_and_rows_under_it(two_districts):
    xihu, _gongshu = two_districts
    with tenant_scope(TenantScope.for_institutions([xihu.pk])):
        assert _raw("SELECT id FROM registry_institution") == [xihu.pk]
        own_filing = _raw("SELECT institution_id FROM registry_filing")
        assert own_filing == [xihu.pk]
        # Classes reach their institution through the filing (a sub-select in the policy).
        assert _raw("SELECT f.institution_id FROM registry_filingclass c JOIN registry_filing f ON f.id = c.filing_id") \
            == [xihu.pk]
        assert len(_raw("SELECT id FROM registry_filingclass")) == 1


def test_writes_into_another_district_are_refused(two_districts):
    xihu, gongshu = two_districts
    with tenant_scope(_district("330106")):
        with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic(), \
                connection.cursor() as cur:
            cur.execute("INSERT INTO registry_institution (uscc, name, nature, kind, status, address, "
                            "legal_representative, principal_name, contact_phone, service_types, total_slots, "
                            "business_scope, receipt_no, created_at, updated_at, region_id, province_id, city_id, "
                            "district_id) VALUES ('91330105MA2TEST01X', '越界', 'enterprise', 'institution', "
                            "'registered', '', '', '', '', '{}', 0, '', '', now(), now(), '330105001', '330000', "
                            "'330100', '330105')")
        with connection.cursor() as cur:
            cur.execute("UPDATE registry_institution SET name = '改名' WHERE id = %s", [gongshu.pk])
            assert cur.rowcount == 0
            cur.execute("DELETE FROM registry_staff WHERE institution_id = %s", [gongshu.pk])
            assert cur.rowcount == 0
            # Moving an own row into another district is refused too (WITH CHECK).
            with pytest.raises(DatabaseError, match="row-level security"), transaction.atomic():
                cur.execute("UPDATE registry_institution SET district_id = '330105' WHERE id = %s", [xihu.pk])
    with scopes_disabled():
        assert Institution.objects.get(pk=gongshu.pk).name == "拱墅乙"
        assert Staff.objects.filter(institution=gongshu).count() == 1
        assert Institution.objects.get(pk=xihu.pk).district_id == "330106"


def test_scope_sent_again_after_a_rolled_back_savepoint(two_districts):
    """PostgreSQL undoes set_config with the savepoint that made it: the backend must send it again."""
    with scopes_disabled():
        assert len(_raw("SELECT id FROM registry_institution")) == 2  # session now at '*'
        with tenant_scope(_district("330106")):
            try:
                with transaction.atomic():
                    assert _raw("SELECT name FROM registry_institution") == ["西湖甲"]
                    raise RuntimeError("roll the savepoint back")
            except RuntimeError:
                pass
            # Same scope, no new scope change in Python: the database must still be confined.
            assert _raw("SELECT name FROM registry_institution") == ["西湖甲"]


def test_orm_reads_agree_with_the_policy(two_districts):
    with tenant_scope(_district("330106")):
        assert Filing.objects.count() == 1
        assert FilingClass._base_manager.count() == 1


def test_app_role_is_unprivileged_and_audit_tables_append_only(two_districts):
    with connection.cursor() as cur:
        cur.execute("RESET ROLE")  # as the suite's own role, which owns the tables (or is superuser)
    call_command("db_app_role", "childcare_app_test_probe", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("SELECT rolsuper, rolbypassrls, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = %s",
                    ["childcare_app_test_probe"])
        assert cur.fetchone() == (False, False, False, False)
        cur.execute("GRANT childcare_app_test_probe TO current_user")
        cur.execute("SET LOCAL ROLE childcare_app_test_probe")
    with tenant_scope(_district("330106")):
        assert _raw("SELECT name FROM registry_institution") == ["西湖甲"]
        for statement in ("UPDATE accounts_authevent SET ip = NULL",
                          "DELETE FROM registry_institutionhistory",
                          "UPDATE registry_filingevent SET reason = 'forged'",
                          "DELETE FROM registry_institutionevent",
                          "UPDATE registry_claimevent SET reason = 'forged'",
                          "DELETE FROM pghistory_context"):
            with pytest.raises(DatabaseError, match="permission denied"), transaction.atomic():
                _raw(statement + " RETURNING 1")


def test_health_is_red_in_production_when_the_role_skips_row_security(settings, monkeypatch, regions):
    from core import health

    _bound_by_row_security()
    settings.PRODUCTION = True
    assert health.role_bypasses_row_security() is False
    assert health._check_database() == {"ok": True}
    monkeypatch.setattr(health, "role_bypasses_row_security", lambda: True)  # as a superuser would be
    result = health._check_database()
    assert result["ok"] is False and "row security" in result["error"]
    settings.PRODUCTION = False  # development (make demo on a superuser) stays green
    assert health._check_database() == {"ok": True}
