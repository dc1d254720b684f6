"""The create_account command: new users, extra assignments, scopes and 三员分立."""

from __future__ import annotations

import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_scopes import scopes_disabled

from accounts.models import Assignment, User
from accounts.services import assignment_grant
from core.errors import DomainError
from regions.models import Region, RegionLevel
from tests.conftest import PASSWORD
from tests.factories import InstitutionFactory


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("create_account", *args, stdout=out)
    return out.getvalue()


def roles_of(username: str) -> set[tuple[str, str | None, int | None]]:
    return {(a.role, a.region_id, a.institution_id)
            for a in Assignment.objects.filter(user__username=username, is_active=True)}


@pytest.mark.django_db
class TestCreateAccount:
    def test_creates_user_with_assignment_and_usable_password(self, regions):
        out = run("--username", "wang", "--password", PASSWORD, "--role", "district_reviewer",
                  "--scope", "330106", "--name", "王审核")
        assert "created user wang" in out
        user = User.objects.get(username="wang")
        assert user.check_password(PASSWORD)
        assert user.display_name == "王审核"
        assert roles_of("wang") == {("district_reviewer", "330106", None)}

    def test_existing_user_gets_an_extra_assignment(self, regions):
        run("--username", "wang", "--password", PASSWORD, "--role", "district_reviewer", "--scope", "330106")
        out = run("--username", "wang", "--role", "district_inspector", "--scope", "330106")
        assert "updated user wang" in out
        assert User.objects.filter(username="wang").count() == 1
        assert roles_of("wang") == {("district_reviewer", "330106", None), ("district_inspector", "330106", None)}
        # Granting the same thing again is idempotent.
        run("--username", "wang", "--role", "district_inspector", "--scope", "330106")
        assert Assignment.objects.filter(user__username="wang").count() == 2

    def test_new_user_without_password_is_refused(self, regions):
        with pytest.raises(CommandError, match="必须设置密码"):
            run("--username", "nopw", "--role", "district_reviewer", "--scope", "330106")
        assert not User.objects.filter(username="nopw").exists()

    @pytest.mark.parametrize(("password", "message"), [
        ("Ab1!x", "密码太短，至少需要 10 个字符"),
        ("12345678", "密码不能全是数字"),
        ("password", "密码太常见"),
        ("wangwei2026", "太相似"),
    ])
    def test_weak_password_is_refused_with_a_chinese_message(self, regions, password, message):
        with pytest.raises(CommandError, match=f"password_invalid: 密码不符合要求：.*{message}"):
            run("--username", "wangwei2026", "--password", password, "--role", "district_reviewer",
                "--scope", "330106")
        assert not User.objects.filter(username="wangwei2026").exists()

    def test_weak_password_reset_leaves_the_old_password(self, regions):
        run("--username", "wang", "--password", PASSWORD, "--role", "district_reviewer", "--scope", "330106")
        with pytest.raises(CommandError, match="密码不符合要求"):
            run("--username", "wang", "--password", "12345678", "--role", "district_inspector",
                "--scope", "330106")
        user = User.objects.get(username="wang")
        assert user.check_password(PASSWORD) and not user.check_password("12345678")
        assert roles_of("wang") == {("district_reviewer", "330106", None)}

    def test_demo_password_passes_the_rules(self, regions):
        from registry.management.commands.seed_demo import DEMO_PASSWORD

        run("--username", "op_xh01", "--password", DEMO_PASSWORD, "--role", "district_reviewer", "--scope", "330106")
        assert User.objects.get(username="op_xh01").check_password(DEMO_PASSWORD)

    def test_unknown_role_is_refused_and_nothing_is_created(self, regions):
        with pytest.raises(CommandError, match="未知角色：boss"):
            run("--username", "x1", "--password", PASSWORD, "--role", "boss", "--scope", "330106")
        assert not User.objects.filter(username="x1").exists()

    @pytest.mark.parametrize(("role", "scope", "message"), [
        ("district_reviewer", "999999", "找不到区划代码 999999"),
        ("district_reviewer", "330100", "必须是区县级"),
        ("district_inspector", "330106001", "必须是区县级"),
        ("city_viewer", "330106", "必须是地市级"),
        ("district_admin", "000000", "不能授予全国范围"),
        ("operator", "91330106MA0000000X", "找不到统一社会信用代码"),
    ])
    def test_bad_scope_is_refused_with_a_clear_message(self, regions, role, scope, message):
        with pytest.raises(CommandError, match=message):
            run("--username", "x2", "--password", PASSWORD, "--role", role, "--scope", scope)
        assert not User.objects.filter(username="x2").exists()

    def test_township_tenant_in_a_city_without_counties_is_a_district_scope(self, regions):
        run("--username", "dg", "--password", PASSWORD, "--role", "district_reviewer", "--scope", "441900003")
        assert roles_of("dg") == {("district_reviewer", "441900003", None)}

    def test_city_viewer_of_a_municipality_takes_the_province_code(self, regions):
        # Municipalities have no city level: districts hang under the province (regions loader).
        beijing = Region.objects.create(code="110000", name="北京市", level=RegionLevel.PROVINCE,
                                        full_name="北京市")
        Region.objects.create(code="110105", name="朝阳区", level=RegionLevel.COUNTY, parent=beijing,
                              province=beijing, tenant_district_id="110105", full_name="北京市朝阳区")
        run("--username", "bj_city", "--password", PASSWORD, "--role", "city_viewer", "--scope", "110000")
        assert roles_of("bj_city") == {("city_viewer", "110000", None)}
        # A province that has cities is still not a city scope.
        with pytest.raises(CommandError, match="必须是地市级"):
            run("--username", "zj_city", "--password", PASSWORD, "--role", "city_viewer", "--scope", "330000")

    def test_operator_scope_is_an_institution_credit_code(self, regions):
        with scopes_disabled():
            institution = InstitutionFactory()
        run("--username", "op", "--password", PASSWORD, "--role", "operator", "--scope", institution.uscc.lower())
        assert roles_of("op") == {("operator", None, institution.pk)}

    def test_country_scope_for_administrative_roles(self, regions):
        run("--username", "aud", "--password", PASSWORD, "--role", "auditor", "--scope", "000000")
        assert roles_of("aud") == {("auditor", None, None)}
        assert User.objects.get(username="aud").is_staff

    @pytest.mark.parametrize(("first", "second"), [
        ("system_admin", "security_admin"), ("security_admin", "auditor"), ("auditor", "system_admin"),
    ])
    def test_separation_of_duties_refuses_a_second_administrative_role(self, regions, first, second):
        run("--username", "adm", "--password", PASSWORD, "--role", first, "--scope", "330000")
        with pytest.raises(CommandError, match="三员分立") as exc:
            run("--username", "adm", "--role", second, "--scope", "330000")
        assert "separation_of_duties" in str(exc.value)
        assert roles_of("adm") == {(first, "330000", None)}
        # The same administrative role in another scope is fine.
        run("--username", "adm", "--role", first, "--scope", "330100")
        assert len(roles_of("adm")) == 2

    def test_command_exits_non_zero_on_error(self, regions):
        import subprocess
        import sys

        from django.conf import settings

        env = {"DJANGO_SETTINGS_MODULE": "childcare.settings", "PATH": "/usr/bin:/bin",
               "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}"}
        result = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "create_account",
                                 "--username", "z", "--password", PASSWORD, "--role", "boss", "--scope", "330106"],
                                capture_output=True, text=True, env=env, timeout=60, check=False)
        assert result.returncode != 0
        assert "未知角色" in result.stderr
        weak = subprocess.run([sys.executable, str(settings.BASE_DIR / "manage.py"), "create_account",
                               "--username", "z", "--password", "12345678", "--role", "district_reviewer",
                               "--scope", "330106"],
                              capture_output=True, text=True, env=env, timeout=60, check=False)
        assert weak.returncode != 0
        assert "密码不符合要求" in weak.stderr


@pytest.mark.django_db(transaction=True)
def test_concurrent_administrative_grants_cannot_both_pass(regions):
    """Two grants of different administrative roles to one user at once: exactly one wins."""
    user = User.objects.create_user(username="race", password=PASSWORD)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def grant(role: str) -> None:
        try:
            barrier.wait(timeout=10)
            with scopes_disabled():
                assignment_grant(actor=None, user=user, role=role, scope="330000")
            results[role] = "ok"
        except DomainError as exc:
            results[role] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=grant, args=(r,)) for r in ("system_admin", "auditor")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == ["ok", "separation_of_duties"]
    assert Assignment.objects.filter(user=user, is_active=True).count() == 1
