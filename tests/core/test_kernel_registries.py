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
    ("district_reviewer", "330106", ["首页", "备案审核", "机构名录", "从业人员预警", "监督检查", "整改", "检查人员名录", "从业禁止名单",
                                     "监督执法", "认领确认", "投诉举报", "补助申请", "拨付批次", "补助政策与预算", "突发事件", "指标看板"]),
    ("district_inspector", "330106", ["首页", "机构名录", "从业人员预警", "监督检查", "整改", "检查人员名录", "从业禁止名单", "监督执法",
                                      "投诉举报", "补助申请", "补助政策与预算", "突发事件", "指标看板"]),
    ("city_viewer", "330100", ["首页", "待审备案", "机构名录", "从业人员预警", "监督检查", "整改", "检查人员名录", "从业禁止名单", "监督执法",
                               "投诉举报", "补助申请", "拨付批次", "补助政策与预算", "突发事件", "指标看板"]),
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
    assert menu(body) == ["首页", "我的机构", "监督检查", "整改", "补助申请", "突发事件", "行政处罚", "关停处置"]
    assert 'data-testid="unread-count">2<' in body


@pytest.fixture
def home_registry(monkeypatch):
    """Registrations made in a test are dropped afterwards."""
    monkeypatch.setattr(dashboard, "_pages", dict(dashboard._pages))
    monkeypatch.setattr(dashboard, "_stats", list(dashboard._stats))


def _request(role):
    return SimpleNamespace(assignment=None if role is None else SimpleNamespace(role=role), tenant_scope=None)


def test_the_menu_is_resolved_once_per_role_and_follows_new_entries(monkeypatch):
    from core import context_processors, navigation

    monkeypatch.setattr(navigation, "_nav", dict(navigation._nav))
    monkeypatch.setattr(context_processors, "_menus", {})
    monkeypatch.setattr(context_processors, "layout_values", lambda request: {})
    monkeypatch.setattr(assignments, "assignments_of", lambda user: [])
    calls = []
    real_reverse = context_processors.reverse
    monkeypatch.setattr(context_processors, "reverse", lambda name: calls.append(name) or real_reverse(name))

    def page(path, role="operator"):
        request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True), path=path,
                                  assignment=SimpleNamespace(role=role))
        return context_processors.navigation(request)["nav_items"]

    first = page("/")
    resolved = len(calls)
    assert resolved and any(item["active"] for item in first)
    second = page("/notifications/")
    assert len(calls) == resolved  # the second page reverses nothing
    assert [i["label"] for i in second] == [i["label"] for i in first]
    assert [i["url"] for i in second if i["active"]] == [] or all(i["url"] == "/notifications/" for i in second
                                                                   if i["active"])
    navigation.register_nav("新页面", "notifications:list", roles=[Role.OPERATOR], order=999)
    third = page("/notifications/")
    assert third[-1] == {"label": "新页面", "url": "/notifications/", "active": True}
    assert "新页面" not in [i["label"] for i in page("/", role="auditor")]  # another role's menu


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


# --- doors (core.screening) ----------------------------------------------------------------------------

def test_a_door_runs_every_screener_then_raises_the_first_refusal_and_the_record_stays(regions):
    from core import screening
    from core.errors import DomainError
    from notifications.models import Notification
    from tests.factories import UserFactory

    user = UserFactory()
    seen = []

    def records(**facts):  # records the attempt, refuses
        Notification.objects.create(user=user, kind="blacklist_hit", title=facts["name"])
        seen.append("records")
        return DomainError("first_refusal", "第一个拒绝")

    def second(**facts):
        seen.append("second")
        return DomainError("second_refusal", "第二个拒绝")

    assert screening.screen("test.door", name="无人把守") is None  # no screener: the write goes through
    screening.register("test.door", records)
    screening.register("test.door", records)  # the same again: once (ready() may rerun)
    screening.register("test.door", second)
    try:
        with pytest.raises(DomainError) as refused:
            screening.screen("test.door", name="某人")
        assert refused.value.code == "first_refusal" and seen == ["records", "second"]
        # What a screener recorded is committed in its own transaction: the refusal does not undo it.
        assert Notification.objects.filter(user=user, title="某人").count() == 1
    finally:
        screening.unregister("test.door", records)
        screening.unregister("test.door", second)
    assert screening.screeners("test.door") == []


def test_a_screener_that_cannot_be_imported_fails_loudly():
    from core import screening

    with pytest.raises(ImportError):
        screening.register("test.door", "supervision.screens.no_such_screener")


def test_supervision_guards_registrys_doors():
    from core import screening
    from supervision import screens

    assert screening.screeners("registry.staff") == [screens.screen_staff]
    assert screening.screeners("registry.filing") == [screens.screen_filing]
    assert screening.screeners("registry.institution") == [screens.screen_institution]


def test_cards_declaring_counts_are_counted_together_in_one_statement(home_registry, regions,
                                                                     django_assert_num_queries):
    from regions.models import Region

    dashboard.register_home_page(roles={"test_role"}, template="t.html")
    dashboard.register_home_stats(
        roles={"test_role"}, counts=lambda request: {"all": Region.objects.all(), "none": Region.objects.none()},
        stats=lambda request, counts: [{"key": "regions", "label": "区划", "value": counts["all"]},
                                       {"key": "nothing", "label": "无", "value": counts["none"]}])
    dashboard.register_home_stats(
        roles={"test_role"}, counts=lambda request: {"all": Region.objects.filter(level="county")},
        stats=lambda request, counts: [{"key": "districts", "label": "区县", "value": counts["all"]}])
    dashboard.register_home_stats(roles={"test_role"}, stats=lambda request: [{"key": "plain", "label": "其他",
                                                                             "value": 7}])
    with django_assert_num_queries(1):
        context = dashboard.home_context(_request("test_role"))
    values = {s["key"]: s["value"] for s in context["stats"]}
    assert values == {"regions": Region.objects.count(), "nothing": 0,
                      "districts": Region.objects.filter(level="county").count(), "plain": 7}
    assert 0 < values["districts"] < values["regions"]
