"""The roster pages of a district admin: edit an inspector (field errors on the page), retire and
reactivate, declare and remove a conflict of interest; another district's admin gets 404; the list
costs the same queries however many inspectors."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.validators import uscc_check_char
from supervision.models import Inspector, InspectorConflict

from .inspection_world import roster_with_accounts

pytestmark = pytest.mark.django_db
_BODY = "91330106MA2B3C4D5"
USCC = _BODY + uscc_check_char(_BODY)


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


@pytest.fixture
def team(make_account, regions):
    return roster_with_accounts(make_account, regions)


def test_edit_an_inspector_and_see_a_field_error(client, admin, team):
    _, inspector = team[0]
    client.force_login(admin)
    url = f"/supervision/inspectors/{inspector.pk}/edit/"
    page = client.get(url)
    assert page.status_code == 200 and inspector.name in page.content.decode()
    bad = client.post(url, {"name": "", "department": "police"})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    done = client.post(url, {"name": "王建国", "department": "police"})
    assert done.status_code == 302 and done["Location"] == "/supervision/inspectors/"
    with scopes_disabled():
        inspector.refresh_from_db()
    assert (inspector.name, inspector.department) == ("王建国", "police")
    assert "王建国" in client.get("/supervision/inspectors/").content.decode()


def test_retire_and_reactivate(client, admin, team):
    _, inspector = team[0]
    client.force_login(admin)
    assert client.post(f"/supervision/inspectors/{inspector.pk}/active/", {"active": "0"}).status_code == 302
    with scopes_disabled():
        assert not Inspector.objects.get(pk=inspector.pk).active
    assert "恢复在册" in client.get("/supervision/inspectors/").content.decode()
    assert client.post(f"/supervision/inspectors/{inspector.pk}/active/", {"active": "1"}).status_code == 302
    with scopes_disabled():
        assert Inspector.objects.get(pk=inspector.pk).active


def test_declare_then_remove_a_conflict(client, admin, team):
    _, inspector = team[0]
    client.force_login(admin)
    assert client.post(f"/supervision/inspectors/{inspector.pk}/conflicts/",
                       {"uscc": USCC, "note": "配偶任举办者"}).status_code == 302
    with scopes_disabled():
        conflict = InspectorConflict.objects.get(inspector=inspector)
    page = client.get("/supervision/inspectors/").content.decode()
    assert f'data-testid="conflict-remove-{conflict.pk}"' in page
    assert client.post(f"/supervision/inspectors/{inspector.pk}/conflicts/{conflict.pk}/remove/").status_code == 302
    with scopes_disabled():
        assert not InspectorConflict.objects.filter(pk=conflict.pk).exists()


def test_another_district_gets_404(client, team, make_account):
    _, inspector = team[0]
    with scopes_disabled():
        conflict = InspectorConflict(inspector=inspector, uscc=USCC)
        conflict.set_region(inspector.region)
        conflict.save()
    client.force_login(make_account("gs_admin", "district_admin", "330105"))
    assert client.get(f"/supervision/inspectors/{inspector.pk}/edit/").status_code == 404
    assert client.post(f"/supervision/inspectors/{inspector.pk}/active/", {"active": "0"}).status_code == 404
    assert client.post(f"/supervision/inspectors/{inspector.pk}/conflicts/{conflict.pk}/remove/").status_code == 404
    with scopes_disabled():
        assert Inspector.objects.get(pk=inspector.pk).active and InspectorConflict.objects.filter(pk=conflict.pk).exists()


def test_an_inspector_may_not_edit_the_roster(client, team):
    user, inspector = team[0]
    client.force_login(user)
    assert client.get(f"/supervision/inspectors/{inspector.pk}/edit/").status_code == 403
    assert client.post(f"/supervision/inspectors/{inspector.pk}/active/", {"active": "0"}).status_code == 403


def test_the_list_costs_the_same_queries_for_more_inspectors(client, admin, team, regions):
    client.force_login(admin)
    client.get("/supervision/inspectors/")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/supervision/inspectors/").status_code == 200
        return len(ctx.captured_queries)

    few = count()
    with scopes_disabled():
        for k in range(6):
            extra = Inspector(name=f"新增{k}", department="fire")
            extra.set_region(regions["330106"])
            extra.save()
            conflict = InspectorConflict(inspector=extra, uscc=USCC)
            conflict.set_region(regions["330106"])
            conflict.save()
    assert count() == few
