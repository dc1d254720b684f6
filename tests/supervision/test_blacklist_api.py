"""The blacklist API as the issue fixes it: list, create (person or organisation) → 201 with id,
read, correct (PATCH, with a reason), end (with a reason), hits and closing a hit as a false match;
who may do what, stable error codes, history of every change."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Notification
from supervision.models import BlacklistEntry, BlacklistEntryEvent, BlacklistHit, BlacklistHitEvent, HitSide
from tests.factories import StaffFactory, make_blacklist_entry, make_id_number, make_uscc

from .conftest import LISTED_ID, api

pytestmark = pytest.mark.django_db

PERSON = {"kind": "person", "id_number": LISTED_ID, "name": "赵某某", "reason": "虐待被看护婴幼儿",
          "basis": "东莞市卫生健康局行政处罚决定书", "banned_until": None}
ORG_USCC = make_uscc("441900", seed=5)
ORGANISATION = {"kind": "organisation", "uscc": ORG_USCC, "name": "东莞某某托育有限公司", "reason": "发生严重虐童事件",
                "basis": "东莞市卫生健康局行政处罚决定书", "banned_until": None}


def entry_row(pk):
    with scopes_disabled():
        return BlacklistEntry.objects.get(pk=pk)


def test_a_district_admin_lists_a_person_and_an_organisation(dongguan_admin):
    client = api(dongguan_admin)
    person = client.post("/api/v1/blacklist/", PERSON, format="json")
    assert person.status_code == 201, person.json()
    assert isinstance(person.json()["id"], int)
    assert person.json()["lifetime"] is True and person.json()["in_force"] is True
    assert person.json()["id_number_masked"] == "440104********" + LISTED_ID[-4:]
    assert LISTED_ID not in person.content.decode()
    org = client.post("/api/v1/blacklist/", {**ORGANISATION, "legal_representative": "钱某",
                                             "legal_representative_id_number": make_id_number("440104", seq=77),
                                             "decision_number": "东卫罚〔2026〕8号",
                                             "banned_until": "2031-01-01"}, format="json")
    assert org.status_code == 201, org.json()
    assert org.json()["uscc"] == ORG_USCC and org.json()["banned_until"] == "2031-01-01"
    stored = entry_row(person.json()["id"])
    assert stored.district_id == "441900003" and stored.created_by == dongguan_admin
    assert stored.id_number == LISTED_ID and stored.id_number_encrypted != LISTED_ID
    listed = client.get("/api/v1/blacklist/").json()["results"]
    assert {e["name"] for e in listed} == {"赵某某", "东莞某某托育有限公司"}
    with scopes_disabled():
        assert BlacklistEntryEvent.objects.filter(entry_id=stored.pk, action="create").count() == 1


@pytest.mark.parametrize(("body", "field", "code"), [
    ({**PERSON, "kind": "robot"}, "kind", "choice_invalid"),
    ({k: v for k, v in PERSON.items() if k != "kind"}, "kind", "required"),
    ({**PERSON, "id_number": LISTED_ID[:-1] + ("1" if LISTED_ID[-1] != "1" else "2")}, "id_number",
     "id_number_checksum"),
    ({**ORGANISATION, "uscc": ORG_USCC[:-1] + ("0" if ORG_USCC[-1] != "0" else "1")}, "uscc", "uscc_checksum"),
    ({k: v for k, v in PERSON.items() if k != "reason"}, "reason", "required"),
    ({**PERSON, "uscc": ORG_USCC}, "uscc", "unknown_field"),  # a person has no credit code
    ({**PERSON, "banned_until": "2020-01-01"}, "banned_until", "banned_until_past"),
    ({**PERSON, "banned_until": "2030-02-30"}, "banned_until", "value_invalid"),
    ({**PERSON, "basis": "文" * 301}, "basis", "too_long"),
])
def test_bad_input_is_refused_with_its_code_and_nothing_is_stored(dongguan_admin, body, field, code):
    r = api(dongguan_admin).post("/api/v1/blacklist/", body, format="json")
    assert r.status_code == 400, r.json()
    assert r.json()["fields"][field][0]["code"] == code
    with scopes_disabled():
        assert not BlacklistEntry.objects.exists()


def test_listing_twice_in_one_district_is_a_conflict(dongguan_admin, xihu_admin):
    assert api(dongguan_admin).post("/api/v1/blacklist/", PERSON, format="json").status_code == 201
    again = api(dongguan_admin).post("/api/v1/blacklist/", PERSON, format="json")
    assert again.status_code == 409 and again.json()["code"] == "entry_duplicate"
    # Another district may list the same person on its own decision.
    assert api(xihu_admin).post("/api/v1/blacklist/", PERSON, format="json").status_code == 201


@pytest.mark.parametrize(("role", "scope", "read", "write"), [
    ("district_reviewer", "441900003", 200, 403),
    ("district_inspector", "441900003", 200, 403),
    ("city_viewer", "441900", 200, 403),
    ("auditor", "441900003", 403, 403),
    ("system_admin", "000000", 403, 403),
])
def test_who_reads_and_who_writes(make_account, dongguan_admin, role, scope, read, write):
    entry_id = api(dongguan_admin).post("/api/v1/blacklist/", PERSON, format="json").json()["id"]
    client = api(make_account(f"x_{role}", role, scope))
    assert client.get("/api/v1/blacklist/").status_code == read
    assert client.get(f"/api/v1/blacklist/{entry_id}/").status_code == read
    created = client.post("/api/v1/blacklist/", {**PERSON, "id_number": make_id_number(seq=3)}, format="json")
    assert created.status_code == write and created.json()["code"] == "permission_denied"
    ended = client.post(f"/api/v1/blacklist/{entry_id}/end/", {"reason": "试图解除"}, format="json")
    assert ended.status_code == write
    assert entry_row(entry_id).status == "active"


def test_operators_read_nothing(operator, listed):
    client = api(operator)
    for path in ("/api/v1/blacklist/", f"/api/v1/blacklist/{listed.pk}/", "/api/v1/blacklist/hits/"):
        assert client.get(path).status_code == 403


def test_the_city_and_the_province_see_the_entry_other_cities_do_not(make_account, regions):
    with scopes_disabled():
        hz = make_blacklist_entry(district="330105", id_number=make_id_number(seq=11), name="杭州列入者")
    hangzhou = api(make_account("hz_viewer", "city_viewer", "330100"))
    ningbo = api(make_account("nb_viewer", "city_viewer", "330200"))
    assert [e["name"] for e in hangzhou.get("/api/v1/blacklist/").json()["results"]] == ["杭州列入者"]
    assert hangzhou.get(f"/api/v1/blacklist/{hz.pk}/").status_code == 200
    assert ningbo.get("/api/v1/blacklist/").json()["results"] == []
    assert ningbo.get(f"/api/v1/blacklist/{hz.pk}/").status_code == 404


def test_a_correction_needs_a_reason_and_is_history(dongguan_admin):
    client = api(dongguan_admin)
    created = client.post("/api/v1/blacklist/", PERSON, format="json").json()
    url = f"/api/v1/blacklist/{created['id']}/"
    missing = client.patch(url, {"banned_until": "2035-12-31"}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "reason_required"
    assert missing.json()["fields"]["correction_reason"][0]["code"] == "reason_required"
    same = client.patch(url, {"name": "赵某某", "correction_reason": "核对"}, format="json")
    assert same.status_code == 400 and same.json()["code"] == "no_changes"
    kind = client.patch(url, {"kind": "organisation", "correction_reason": "改类别"}, format="json")
    assert kind.status_code == 400 and kind.json()["fields"]["kind"][0]["code"] == "unknown_field"
    fixed = client.patch(url, {"banned_until": "2035-12-31", "decision_number": "东卫罚〔2026〕9号",
                               "correction_reason": "复议后变更期限", "expected_version": created["version"]},
                         format="json")
    assert fixed.status_code == 200, fixed.json()
    assert fixed.json()["banned_until"] == "2035-12-31" and fixed.json()["version"] == created["version"] + 1
    stale = client.patch(url, {"name": "赵某", "correction_reason": "再改", "expected_version": created["version"]},
                         format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "conflict"
    with scopes_disabled():
        event = BlacklistEntryEvent.objects.get(entry_id=created["id"], action="correct")
        versions = list(BlacklistEntry.objects.get(pk=created["id"]).audit_events.order_by("pgh_id")
                        .values_list("pgh_label", "banned_until", "change_reason"))
    assert event.reason == "复议后变更期限" and event.actor == dongguan_admin
    assert set(event.items) == {"更正禁止期限至", "更正决定文号"}
    assert versions[-1] == ("update", dt.date(2035, 12, 31), "复议后变更期限")


def test_correcting_the_id_number_matches_the_new_person_at_once(dongguan_admin, institution):
    with scopes_disabled():
        on_roster = StaffFactory(institution=institution, id_number=make_id_number("330106", seq=55))
    client = api(dongguan_admin)
    created = client.post("/api/v1/blacklist/", PERSON, format="json").json()
    with scopes_disabled():
        assert not BlacklistHit.objects.exists()
    r = client.patch(f"/api/v1/blacklist/{created['id']}/", {"id_number": on_roster.id_number,
                                                              "correction_reason": "身份证号录入错误"}, format="json")
    assert r.status_code == 200, r.json()
    with scopes_disabled():
        assert {(h.seen_by, h.staff_id) for h in BlacklistHit.objects.all()} == {
            (HitSide.LISTING, on_roster.pk), (HitSide.INSTITUTION, on_roster.pk)}


def test_ending_needs_a_reason_and_happens_once(dongguan_admin, xihu_admin):
    client = api(dongguan_admin)
    entry_id = client.post("/api/v1/blacklist/", PERSON, format="json").json()["id"]
    url = f"/api/v1/blacklist/{entry_id}/end/"
    assert api(xihu_admin).post(url, {"reason": "越权"}, format="json").status_code == 404
    missing = client.post(url, {}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "reason_required"
    long = client.post(url, {"reason": "长" * 301}, format="json")
    assert long.status_code == 400 and long.json()["fields"]["reason"][0]["code"] == "too_long"
    ended = client.post(url, {"reason": "法院撤销原处罚决定"}, format="json")
    assert ended.status_code == 200 and ended.json()["status"] == "ended" and ended.json()["in_force"] is False
    again = client.post(url, {"reason": "再次解除"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    correct = client.patch(f"/api/v1/blacklist/{entry_id}/", {"name": "赵某", "correction_reason": "改名"},
                           format="json")
    assert correct.status_code == 409 and correct.json()["code"] == "entry_ended"
    with scopes_disabled():
        event = BlacklistEntryEvent.objects.get(entry_id=entry_id, action="end")
    assert (event.from_status, event.to_status, event.reason) == ("active", "ended", "法院撤销原处罚决定")


def test_unknown_ids_are_404(dongguan_admin):
    client = api(dongguan_admin)
    for path in ("/api/v1/blacklist/987654/", "/api/v1/blacklist/hits/987654/"):
        assert client.get(path).status_code == 404
    assert client.post("/api/v1/blacklist/987654/end/", {"reason": "x"}, format="json").status_code == 404
    assert client.post("/api/v1/blacklist/hits/987654/close/", {"reason": "x"}, format="json").status_code == 404
    assert client.get("/api/v1/blacklist/abc/").status_code == 404


# --- hits: closed as a false match by the listing district -----------------------------------------

@pytest.fixture
def hit_pair(operator, institution, listed):
    """A refused staff add: 东莞's row and 西湖区's row of one hit."""
    api(operator).post(f"/api/v1/institutions/{institution.pk}/staff/",
                       {"name": "赵某某", "id_number": LISTED_ID, "role": "caregiver", "start_date": "2025-09-01"},
                       format="json")
    with scopes_disabled():
        return (BlacklistHit.objects.get(seen_by=HitSide.LISTING), BlacklistHit.objects.get(seen_by=HitSide.INSTITUTION))


def test_closing_a_hit_as_a_false_match(hit_pair, dongguan_admin, xihu_admin, reviewer,
                                        django_capture_on_commit_callbacks):
    theirs, mine = hit_pair
    # The institution's district does not hold the entry: it cannot judge the match.
    refused = api(xihu_admin).post(f"/api/v1/blacklist/hits/{mine.pk}/close/", {"reason": "不是本人"}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "hit_listing_side_only"
    assert api(xihu_admin).post(f"/api/v1/blacklist/hits/{theirs.pk}/close/", {"reason": "x"},
                                format="json").status_code == 404
    client = api(dongguan_admin)
    missing = client.post(f"/api/v1/blacklist/hits/{theirs.pk}/close/", {"reason": " "}, format="json")
    assert missing.status_code == 400 and missing.json()["code"] == "reason_required"
    with django_capture_on_commit_callbacks(execute=True):
        closed = client.post(f"/api/v1/blacklist/hits/{theirs.pk}/close/", {"reason": "名单身份证号录入错误"},
                             format="json")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed" and closed.json()["close_reason"] == "名单身份证号录入错误"
    with scopes_disabled():
        for row in (theirs, mine):
            row.refresh_from_db()
            assert row.status == "closed" and row.closed_by == dongguan_admin
            event = BlacklistHitEvent.objects.get(hit_id=row.pk)
            assert (event.action, event.reason, event.actor) == ("close", "名单身份证号录入错误", dongguan_admin)
    assert Notification.objects.filter(user=reviewer, kind="blacklist_hit_closed").exists()
    again = client.post(f"/api/v1/blacklist/hits/{theirs.pk}/close/", {"reason": "再次"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_reviewer_reads_hits_but_cannot_close(hit_pair, dongguan_reviewer):
    theirs, _ = hit_pair
    client = api(dongguan_reviewer)
    assert client.get(f"/api/v1/blacklist/hits/{theirs.pk}/").json()["entry"]["name"] == "赵某某"
    r = client.post(f"/api/v1/blacklist/hits/{theirs.pk}/close/", {"reason": "误报"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "permission_denied"


def test_hit_list_filters_and_query_count(hit_pair, dongguan_admin, django_assert_max_num_queries):
    client = api(dongguan_admin)
    assert len(client.get("/api/v1/blacklist/hits/?status=open").json()["results"]) == 1
    assert client.get("/api/v1/blacklist/hits/?status=closed").json()["results"] == []
    assert client.get("/api/v1/blacklist/hits/?status=bogus").status_code == 400
    with django_assert_max_num_queries(12):
        assert client.get("/api/v1/blacklist/hits/").status_code == 200


def test_the_entry_rows_are_walled_by_row_security_too(listed, hit_pair):
    """Raw SQL under a district's scope (the database's own wall) sees that district's rows only."""
    from django.db import connection

    from core.tenancy import TenantScope, tenant_scope
    from regions.models import Region
    from tests.core.test_row_security import _bound_by_row_security

    _bound_by_row_security()

    def raw(code, table):
        with tenant_scope(TenantScope.for_region(Region.objects.get(code=code))), connection.cursor() as cur:
            cur.execute(f"SELECT seen_by FROM {table}" if table.endswith("hit") else f"SELECT name FROM {table}")  # noqa: S608
            return [r[0] for r in cur.fetchall()]

    assert raw("330106", "supervision_blacklistentry") == []
    assert raw("441900003", "supervision_blacklistentry") == ["赵某某"]
    assert raw("330106", "supervision_blacklisthit") == ["institution"]
    assert raw("441900003", "supervision_blacklisthit") == ["listing"]
    with tenant_scope(TenantScope.for_institutions([hit_pair[1].institution_id])), connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM supervision_blacklisthit")
        assert cur.fetchone()[0] == 0  # operators: nothing, at the database too


def test_expired_entries_show_as_not_in_force(dongguan_admin, regions):
    with scopes_disabled():
        make_blacklist_entry(id_number=make_id_number(seq=31), banned_until=timezone.localdate() - dt.timedelta(days=1))
    rows = api(dongguan_admin).get("/api/v1/blacklist/?in_force=false").json()["results"]
    assert len(rows) == 1 and rows[0]["in_force"] is False and rows[0]["status"] == "active"
