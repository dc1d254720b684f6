"""The kernel's registries: apps fill them from AppConfig.ready(), core reads them (and imports no app).

Menu entries, home pages and cards, layout values, the assignment resolver and checklist items.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django_scopes import scopes_disabled

from core import assignments, checklists, dashboard
from core.roles import Role
from notifications.models import Notification
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


def menu(body: str) -> list[str]:
    nav = body.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'class="nav-link[^"]*" href="[^"]*"\s*(?:aria-current="page")?>([^<]+)</a>', nav)


@pytest.mark.parametrize(("role", "scope", "expected"), [
    ("district_reviewer", "330106", ["首页", "备案审核", "机构名录", "从业人员预警", "认领确认"]),
    ("district_inspector", "330106", ["首页", "机构名录", "从业人员预警"]),
    ("city_viewer", "330100", ["首页", "待审备案", "机构名录", "从业人员预警"]),
    ("auditor", "330106", ["首页", "审计与管理"]),
    ("system_admin", "000000", ["首页", "审计与管理", "接口文档"]),
])
def test_menu_shows_the_entries_registered_for_the_role(login, make_account, role, scope, expected):
    body = login(make_account(f"menu_{role}", role, scope)).get("/").content.decode()
    assert menu(body) == expected


def test_operator_menu_and_unread_count(login, make_account, regions):
    with scopes_disabled():
        institution = InstitutionFactory()
    operator = make_account("menu_op", "operator", institution.uscc)
    Notification.objects.create(user=operator, kind="filing_submitted", title="一条消息")
    Notification.objects.create(user=operator, kind="filing_submitted", title="两条消息")
    body = login(operator).get("/").content.decode()
    assert menu(body) == ["首页", "我的机构"]
    assert 'data-testid="unread-count">2<' in body


@pytest.fixture
def home_registry(monkeypatch):
    """Registrations made in a test are dropped afterwards."""
    monkeypatch.setattr(dashboard, "_pages", dict(dashboard._pages))
    monkeypatch.setattr(dashboard, "_stats", list(dashboard._stats))


def _request(role):
    return SimpleNamespace(assignment=None if role is None else SimpleNamespace(role=role), tenant_scope=None)


def test_a_role_without_a_registered_page_gets_the_default(home_registry):
    dashboard._pages.pop(Role.AUDITOR)
    assert dashboard.home_context(_request(Role.AUDITOR)) == {"template": dashboard.DEFAULT_TEMPLATE}


def test_a_second_page_for_a_role_is_refused(home_registry):
    with pytest.raises(ImproperlyConfigured, match="auditor"):
        dashboard.register_home_page(roles={Role.AUDITOR}, template="supervision/home.html")


def test_cards_from_another_app_join_the_page_of_their_roles(home_registry):
    dashboard.register_home_page(roles={"test_role"}, template="t.html",
                                 context=lambda request: {"stats": [{"key": "own", "label": "本页", "value": 1}]})
    dashboard.register_home_stats(roles={"test_role"},
                                  stats=lambda request: [{"key": "extra", "label": "检查", "value": 2}])
    context = dashboard.home_context(_request("test_role"))
    assert context["template"] == "t.html"
    assert [s["key"] for s in context["stats"]] == ["own", "extra"]
    others = dashboard.home_context(_request(None))  # a role the card was not registered for
    assert "extra" not in [s["key"] for s in others.get("stats", [])]


def test_no_assignment_resolver_is_a_configuration_error(monkeypatch):
    monkeypatch.setattr(assignments, "_resolver", None)
    with pytest.raises(ImproperlyConfigured, match="accounts"):
        assignments.scope_of(SimpleNamespace(role=Role.AUDITOR))


def test_accounts_registered_the_resolver(make_account):
    from core.tenancy import TenantScope

    user = make_account("resolver_rv", "district_reviewer", "330106")
    chosen = assignments.choose(user, None)
    assert chosen.role == Role.DISTRICT_REVIEWER and assignments.assignments_of(user) == [chosen]
    assert assignments.scope_of(chosen) == TenantScope("district", "330106")


def test_checklist_provider_that_cannot_be_imported_fails_loudly():
    with pytest.raises(ImportError):
        checklists.register("test.list", "missing", "supervision.selectors.no_such_provider")
    assert checklists.provider("test.list", "missing") is None


def test_checklist_items_by_name_and_one_provider_each():
    def first(**kwargs):
        return ()

    try:
        checklists.register("test.list", "item", first)
        checklists.register("test.list", "item", first)  # the same again: harmless (ready() may rerun)
        assert checklists.provider("test.list", "item") is first
        assert checklists.provider("test.list", "other") is None
        with pytest.raises(ImproperlyConfigured):
            checklists.register("test.list", "item", lambda **kwargs: ())
    finally:
        checklists.unregister("test.list", "item")
