"""The audit and administration site: role-based, read-only for auditors, confined to scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.models import Assignment, AuthEvent, AuthEventKind, User
from registry.models import InstitutionHistory, StaffHistory
from tests.factories import InstitutionFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(regions):
    with scopes_disabled():
        xihu = InstitutionFactory(name="西湖小太阳托育园", region_id="330106001")
        gongshu = InstitutionFactory(name="拱墅彩虹托育园", region_id="330105001")
        staff = StaffFactory(institution=xihu, name="张保育")
        other_staff = StaffFactory(institution=gongshu, name="李保育")
    return {"xihu": xihu, "gongshu": gongshu, "staff": staff, "other_staff": other_staff}


@pytest.fixture
def auditor(make_account):
    return make_account("auditor_xh", "auditor", "330106")


@pytest.fixture
def security_admin(make_account):
    return make_account("secadm_xh", "security_admin", "330106")


def body(response) -> str:
    return response.content.decode()


def test_auditor_sees_own_district_institutions_only(client, auditor, world):
    client.force_login(auditor)
    response = client.get("/admin/registry/institution/")
    assert response.status_code == 200
    assert "西湖小太阳托育园" in body(response) and "拱墅彩虹托育园" not in body(response)


def test_auditor_sees_own_district_history_only(client, auditor, world):
    client.force_login(auditor)
    response = client.get("/admin/registry/institutionhistory/")
    assert response.status_code == 200
    shown = {e.pgh_obj_id for e in response.context["cl"].result_list}
    assert shown == {world["xihu"].pk}
    with scopes_disabled():
        mine = InstitutionHistory.objects.filter(pgh_obj_id=world["xihu"].pk).first()
    assert client.get(f"/admin/registry/institutionhistory/{mine.pk}/change/").status_code == 200


@pytest.mark.parametrize("path", [
    "/admin/registry/institution/{gongshu}/change/",
    "/admin/registry/institution/{gongshu}/history/",
    "/admin/registry/institution/{gongshu}/delete/",
    "/admin/registry/staff/{other_staff}/change/",
    "/admin/registry/institutionhistory/{gongshu_event}/change/",
])
def test_other_district_objects_do_not_exist(client, auditor, world, path):
    with scopes_disabled():
        event = InstitutionHistory.objects.filter(pgh_obj_id=world["gongshu"].pk).first()
    url = path.format(gongshu=world["gongshu"].pk, other_staff=world["other_staff"].pk, gongshu_event=event.pk)
    client.force_login(auditor)
    response = client.get(url)
    assert response.status_code == 404
    assert "拱墅彩虹托育园" not in body(response) and "李保育" not in body(response)


def test_auditor_cannot_change_add_or_delete(client, auditor, world):
    client.force_login(auditor)
    pk = world["xihu"].pk
    assert client.post(f"/admin/registry/institution/{pk}/change/", {"name": "改名"}).status_code == 403
    assert client.get("/admin/registry/institution/add/").status_code == 403
    assert client.post(f"/admin/registry/institution/{pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post(f"/admin/accounts/user/{auditor.pk}/change/",
                       {"display_name": "x", "is_active": "on"}).status_code == 403
    assert client.get("/admin/accounts/assignment/add/").status_code == 403
    with scopes_disabled():
        world["xihu"].refresh_from_db()
    assert world["xihu"].name == "西湖小太阳托育园"


def test_personal_columns_are_never_shown(client, auditor, world):
    client.force_login(auditor)
    staff = world["staff"]
    for url in (f"/admin/registry/staff/{staff.pk}/change/", "/admin/registry/staff/"):
        page = body(client.get(url))
        assert staff.id_number_encrypted not in page and staff.id_number_hash not in page
        assert "身份证号（密文）" not in page and "身份证号索引" not in page
    assert staff.id_number_masked in body(client.get(f"/admin/registry/staff/{staff.pk}/change/"))
    with scopes_disabled():
        event = StaffHistory.objects.filter(pgh_obj_id=staff.pk).first()
    page = body(client.get(f"/admin/registry/staffhistory/{event.pk}/change/"))
    assert staff.id_number_encrypted not in page and staff.id_number_hash not in page
    assert staff.id_number not in page


def test_the_filing_admin_never_shows_the_id_number_index_of_the_staff_snapshot(client, auditor, world):
    """ADR 0004: the keyed hash is never shown — not even inside a filing's submitted roster."""
    from registry.models import FilingHistory
    from tests.factories import FilingFactory

    staff = world["staff"]
    with scopes_disabled():
        filing = FilingFactory(institution=world["xihu"], status="submitted", staff_snapshot=[{
            "name": staff.name, "role": staff.role, "id_number_masked": staff.id_number_masked,
            "id_number_hash": staff.id_number_hash, "education": "", "years_experience": 3,
            "health_certificate_date": None}])
        event = FilingHistory.objects.filter(pgh_obj_id=filing.pk).first()
    client.force_login(auditor)
    for url in (f"/admin/registry/filing/{filing.pk}/change/", f"/admin/registry/filinghistory/{event.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 200
        page = body(response)
        assert staff.id_number_hash not in page and "id_number_hash" not in page, url
        assert staff.id_number_masked in page, url


def test_commission_and_operator_roles_cannot_enter(client, reviewer, world, make_account):
    client.force_login(reviewer)
    for url in ("/admin/", "/admin/registry/institution/", f"/admin/registry/institution/{world['xihu'].pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith("/admin/login/")


def test_changelist_query_count_does_not_grow(client, auditor, world, django_assert_max_num_queries):
    with scopes_disabled():
        for _ in range(15):
            InstitutionFactory(region_id="330106002")
    client.force_login(auditor)
    with django_assert_max_num_queries(12):
        assert client.get("/admin/registry/institution/").status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get("/admin/registry/institutionhistory/").status_code == 200


class TestAccountManagement:
    def test_security_admin_grants_a_role_through_the_service(self, client, security_admin, make_account):
        target = make_account("newbie", "district_inspector", "330106")
        client.force_login(security_admin)
        response = client.post("/admin/accounts/assignment/add/",
                               {"username": "newbie", "role": "district_reviewer", "scope": "330106"})
        assert response.status_code == 302, body(response)
        granted = Assignment.objects.get(user=target, role="district_reviewer")
        assert granted.granted_by == security_admin and granted.region_id == "330106"

    def test_grant_outside_own_scope_is_refused(self, client, security_admin, make_account):
        make_account("newbie", "district_inspector", "330106")
        client.force_login(security_admin)
        response = client.post("/admin/accounts/assignment/add/",
                               {"username": "newbie", "role": "district_reviewer", "scope": "330105"})
        assert response.status_code == 200
        assert "不在您的管辖范围内" in body(response)
        assert not Assignment.objects.filter(user__username="newbie", role="district_reviewer").exists()

    def test_separation_of_duties_holds_in_the_admin(self, client, security_admin, auditor):
        client.force_login(security_admin)
        response = client.post("/admin/accounts/assignment/add/",
                               {"username": "auditor_xh", "role": "system_admin", "scope": "330106"})
        assert response.status_code == 200
        assert "三员分立" in body(response)
        assert set(Assignment.objects.filter(user=auditor).values_list("role", flat=True)) == {"auditor"}

    def test_no_self_grant(self, client, security_admin):
        client.force_login(security_admin)
        response = client.post("/admin/accounts/assignment/add/",
                               {"username": "secadm_xh", "role": "security_admin", "scope": "330106"})
        assert "不能为自己授权" in body(response)

    def test_security_admin_creates_a_user(self, client, security_admin):
        client.force_login(security_admin)
        response = client.post("/admin/accounts/user/add/", {
            "username": "wu", "display_name": "吴审核", "email": "", "password": "Zx9!long-password",
            "role": "district_reviewer", "scope": "330106"})
        assert response.status_code == 302, body(response)
        user = User.objects.get(username="wu")
        assert user.check_password("Zx9!long-password")
        assert list(user.assignments.values_list("role", "region_id")) == [("district_reviewer", "330106")]

    def test_weak_password_is_refused_on_the_password_field_in_chinese(self, client, security_admin):
        client.force_login(security_admin)
        response = client.post("/admin/accounts/user/add/", {
            "username": "wu", "display_name": "吴审核", "email": "", "password": "Ab1!x",
            "role": "district_reviewer", "scope": "330106"})
        assert response.status_code == 200
        assert response.context["adminform"].form.errors["password"] == ["密码太短，至少需要 10 个字符。"]
        assert not User.objects.filter(username="wu").exists()

    def test_deactivating_and_restoring_an_assignment(self, client, security_admin, reviewer):
        assignment = reviewer.assignments.get()
        client.force_login(security_admin)
        url = f"/admin/accounts/assignment/{assignment.pk}/change/"
        assert client.post(url, {}).status_code == 302
        assignment.refresh_from_db()
        assert not assignment.is_active
        assert client.post(url, {"is_active": "on"}).status_code == 302
        assignment.refresh_from_db()
        assert assignment.is_active

    def test_users_of_other_districts_are_invisible(self, client, security_admin, reviewer, other_reviewer):
        client.force_login(security_admin)
        page = body(client.get("/admin/accounts/user/"))
        assert "reviewer_xh" in page and "reviewer_gs" not in page
        response = client.get(f"/admin/accounts/user/{other_reviewer.pk}/change/")
        assert response.status_code == 404 and "reviewer_gs" not in body(response)

    def test_security_log_is_read_only_and_scoped(self, client, auditor, reviewer, other_reviewer):
        from accounts.services import auth_event_record

        auth_event_record(kind=AuthEventKind.LOGIN, user=reviewer)
        auth_event_record(kind=AuthEventKind.LOGIN, user=other_reviewer)
        client.force_login(auditor)
        response = client.get("/admin/accounts/authevent/")
        assert response.status_code == 200
        shown = {e.username for e in response.context["cl"].result_list}
        assert "reviewer_xh" in shown and "reviewer_gs" not in shown
        event = AuthEvent.objects.filter(username="reviewer_xh").first()
        assert client.post(f"/admin/accounts/authevent/{event.pk}/change/", {}).status_code == 403

    def test_auditor_searches_the_security_log_by_person_record_and_kind(self, client, auditor, reviewer):
        from accounts.services import auth_event_record

        reviewer.display_name = "王审核"
        reviewer.save(update_fields=["display_name"])
        auth_event_record(kind=AuthEventKind.LOGIN, user=reviewer)
        auth_event_record(kind=AuthEventKind.REVEAL, user=reviewer, target="registry.staff:77:id_number")
        auth_event_record(kind=AuthEventKind.REVEAL, user=reviewer, target="registry.staff:78:id_number")
        client.force_login(auditor)

        def found(**query) -> list[tuple[str, str]]:
            response = client.get("/admin/accounts/authevent/", query)
            assert response.status_code == 200
            return sorted((e.kind, e.target) for e in response.context["cl"].result_list)

        assert len(found(q="王审核")) == 3  # by the person's name
        assert found(q="registry.staff:77") == [("reveal", "registry.staff:77:id_number")]  # by record
        assert found(q="王审核", kind__exact="login") == [("login", "")]  # by action
        today = timezone.localdate().isoformat()
        assert len(found(q="王审核", created_at__date__gte=today, created_at__date__lte=today)) == 3  # by time
        yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
        assert found(q="王审核", created_at__date__lte=yesterday) == []

    @pytest.mark.usefixtures("isolated_cache")
    def test_failed_logins_are_seen_by_the_auditors_of_that_account_only(self, client, auditor, reviewer,
                                                                        other_reviewer, make_account):
        for username in ("reviewer_xh", "reviewer_gs", "nobody_at_all"):
            client.post("/accounts/login/", {"username": username, "password": "Wr0ng-secret-42!"})
        assert AuthEvent.objects.filter(kind=AuthEventKind.LOGIN_FAILED).count() == 3

        def failures_seen_by(user) -> set[str]:
            client.force_login(user)
            response = client.get("/admin/accounts/authevent/", {"kind__exact": AuthEventKind.LOGIN_FAILED})
            assert response.status_code == 200
            return {e.username for e in response.context["cl"].result_list}

        assert failures_seen_by(auditor) == {"reviewer_xh"}
        # A name of no account belongs to no district: only a country-level auditor sees it.
        country_auditor = make_account("auditor_cn", "auditor", "000000")
        assert failures_seen_by(country_auditor) == {"reviewer_xh", "reviewer_gs", "nobody_at_all"}


def test_every_admin_detail_page_opens_for_an_auditor(client, make_account):
    """The auditor got a 500 on every user and role-assignment page: open one object of every
    registered model (and its history page) as an auditor of the district that holds them."""
    from core.admin_site import admin_site
    from tests.cross_tenant import OtherDistrict

    world = OtherDistrict().populate()
    with scopes_disabled():
        world.assignment  # noqa: B018 (a user and an assignment inside the district)
    client.force_login(make_account("auditor_gs", "auditor", OtherDistrict.DISTRICT))
    failures, opened = [], 0
    for model in admin_site._registry:
        meta = model._meta
        changelist = client.get(f"/admin/{meta.app_label}/{meta.model_name}/")
        if changelist.status_code != 200:
            failures.append(f"{meta.label} changelist -> {changelist.status_code}")
            continue
        objects = list(changelist.context["cl"].result_list[:1])
        for obj in objects:
            for page in ("change", "history"):
                response = client.get(f"/admin/{meta.app_label}/{meta.model_name}/{obj.pk}/{page}/")
                opened += 1
                if response.status_code != 200:
                    failures.append(f"{meta.label} {obj.pk} {page} -> {response.status_code}")
    assert opened > 20
    assert not failures, "\n".join(failures)


def _english(page: str) -> set[str]:
    """English words a user reads on an admin page (tags, scripts and the user's own name removed)."""
    import re

    text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page, flags=re.S)
    text = re.sub(r"<[^>]+>|&\w+;", " ", text)
    return {w for w in re.findall(r"[A-Za-z]{3,}", text)} - {"auditor", "pwchange"}


def test_the_admin_password_change_speaks_chinese(client, make_account):
    user = make_account("auditor_pwchange", "auditor", "330106")
    client.force_login(user)
    assert _english(body(client.get("/admin/password_change/"))) == set()
    wrong = client.post("/admin/password_change/", {"old_password": "Passw0rd!2026", "new_password1": "ab1",
                                                    "new_password2": "ab1"})
    assert wrong.status_code == 200
    assert _english(body(wrong)) == set()
    assert "密码太短" in body(wrong)
    done = client.post("/admin/password_change/", {"old_password": "Passw0rd!2026",
                                                   "new_password1": "Zx9!long-password",
                                                   "new_password2": "Zx9!long-password"}, follow=True)
    assert done.status_code == 200 and _english(body(done)) == set()
