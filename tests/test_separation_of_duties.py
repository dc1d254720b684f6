"""三员分立: the system admin runs the system, the security admin manages accounts and roles, the
auditor reads; none reads what is another's, and no account holds two of the three roles.
(The policy matrix, ``tests/test_policy_matrix.py``, proves the read side route by route.)"""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from accounts.models import Assignment
from accounts.services import assignment_grant
from core.errors import DomainError
from tests.factories import InstitutionFactory, StaffFactory, make_id_number

pytestmark = pytest.mark.django_db

ADMINISTRATIVE = ("system_admin", "security_admin", "auditor")


@pytest.mark.parametrize("first", ADMINISTRATIVE)
@pytest.mark.parametrize("second", ADMINISTRATIVE)
def test_no_account_holds_two_administrative_roles(make_account, first, second):
    user = make_account(f"sod_{first}", first, "330106")
    if first == second:  # the same role elsewhere is not a second duty
        assignment_grant(actor=None, user=user, role=second, scope="330105")
        return
    with pytest.raises(DomainError) as exc:
        assignment_grant(actor=None, user=user, role=second, scope="330106")
    assert exc.value.code == "separation_of_duties"
    assert "三员分立" in exc.value.message
    assert set(Assignment.objects.filter(user=user, is_active=True).values_list("role", flat=True)) == {first}


@pytest.fixture
def staff_member():
    with scopes_disabled():
        institution = InstitutionFactory(name="三员分立测试托育园", region_id="330106001")
        return StaffFactory(institution=institution, name="分立测试保育员", id_number=make_id_number("330106", seq=7))


@pytest.mark.parametrize("role", ["system_admin", "security_admin"])
def test_system_and_security_admins_do_not_read_business_rows(client, make_account, staff_member, role):
    client.force_login(make_account(f"sod_{role}", role, "330106"))
    index = client.get("/admin/").content.decode()
    assert "/admin/accounts/user/" in index  # they do have the admin site
    for app in ("registry", "supervision", "subsidies"):
        assert f"/admin/{app}/" not in index, app
    for path in ("/admin/registry/staff/", f"/admin/registry/staff/{staff_member.pk}/change/",
                 "/admin/registry/institution/", "/admin/subsidies/enrolment/", "/admin/supervision/complaint/"):
        response = client.get(path)
        assert response.status_code == 403, (path, response.status_code)
        assert "分立测试保育员" not in response.content.decode()
    # Nor through the pages or the API of the business.
    assert client.get("/registry/institutions/").status_code in (302, 403, 404)
    api = _token_client(_user(role))
    for path in ("/api/v1/institutions/", f"/api/v1/institutions/{staff_member.institution_id}/staff/",
                 "/api/v1/filings/", "/api/v1/staff-conflicts/", "/api/v1/claims/"):
        response = api.get(path)
        assert response.status_code == 403, (path, response.status_code)  # refused, not an empty list
        assert response.json()["code"] == "permission_denied"
    # The region tree is public reference data: theirs to read.
    assert api.get("/api/v1/regions/?parent=330100").status_code == 200


def _user(role):
    from accounts.models import User

    return User.objects.get(username=f"sod_{role}")


def _token_client(user):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return api


def test_the_auditor_reads_business_rows_read_only(client, make_account, staff_member):
    client.force_login(make_account("sod_auditor", "auditor", "330106"))
    listing = client.get("/admin/registry/staff/")
    assert listing.status_code == 200 and "分立测试保育员" in listing.content.decode()
    assert client.get("/admin/registry/staff/add/").status_code == 403


def test_roles_are_granted_by_the_security_admin_only(client, make_account):
    make_account("sod_target", "district_reviewer", "330106")
    for role, status in (("system_admin", 403), ("auditor", 403), ("security_admin", 200)):
        client.force_login(make_account(f"sod_grant_{role}", role, "330106"))
        assert client.get("/admin/accounts/assignment/add/").status_code == status, role
        # A new account is created with its first role: the same duty.
        assert client.get("/admin/accounts/user/add/").status_code == status, role


def test_the_auditor_reads_the_history_of_their_districts_subsidy_rules(client, make_account):
    from tests.factories import make_budget, make_subsidy_policy

    with scopes_disabled():
        policy = make_subsidy_policy("330106", basis="西湖区分立测试政策")
        budget = make_budget("330106", 2026, 1_000_000)
        foreign = make_subsidy_policy("330105", basis="拱墅区分立测试政策")
    client.force_login(make_account("sod_subsidy_auditor", "auditor", "330106"))
    for model, row in (("subsidypolicy", policy), ("subsidybudget", budget)):
        listing = client.get(f"/admin/subsidies/{model}history/?pgh_obj_id={row.pk}")
        assert listing.status_code == 200 and listing.context["cl"].result_count == 1, model
        event = listing.context["cl"].result_list[0]
        assert client.get(f"/admin/subsidies/{model}history/{event.pk}/change/").status_code == 200, model
        assert client.post(f"/admin/subsidies/{model}history/{event.pk}/change/").status_code == 403, model
    # Another district's stays out of scope.
    assert client.get(f"/admin/subsidies/subsidypolicyhistory/?pgh_obj_id={foreign.pk}").context["cl"].result_count == 0
