"""The nationwide blacklist at registry's doors: a person listed in 东莞 (广东) cannot be put on a roster
in 西湖区 (浙江); a filing with a listed person or for a listed organisation fails its ``blacklist``
item; a registration push or claim for a listed organisation is accepted and flagged. Every attempt
is a hit for both districts, told to both at once — and the institution's district never learns
who listed the person or why."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core import checklists
from notifications.models import Notification
from registry.models import Institution, Staff
from registry.services.filing_checks import FILING_CHECKLIST
from registry.services.filings import filing_run_checks
from supervision.models import BlacklistEntry, BlacklistHit, HitSide, HitSource, MatchedAs
from supervision.selectors.blacklist import blacklist_hits_for_filing
from tests.factories import (
    InstitutionFactory,
    StaffFactory,
    add_qualification,
    make_blacklist_entry,
    make_id_number,
    make_ready_filing,
    make_uscc,
)

from .conftest import LISTED_ID, LISTING_SECRETS, api

pytestmark = pytest.mark.django_db


def staff_body(**overrides):
    body = {"name": "赵某某", "id_number": LISTED_ID, "role": "caregiver", "start_date": "2025-09-01",
            "health_certificate_date": (timezone.localdate() - dt.timedelta(days=10)).isoformat()}
    body.update(overrides)
    return body


def hits():
    with scopes_disabled():
        return list(BlacklistHit.objects.order_by("id"))


def bodies(user) -> str:
    return "\n".join(f"{n.title} {n.body}" for n in Notification.objects.filter(user=user))


# --- the staff door ---------------------------------------------------------------------------------

def test_a_person_listed_in_another_province_cannot_join_a_roster(
        operator, institution, listed, reviewer, dongguan_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api(operator).post(f"/api/v1/institutions/{institution.pk}/staff/", staff_body(), format="json")
    assert r.status_code == 400, r.json()
    body = r.json()
    assert body["code"] == "blacklisted"
    assert body["fields"]["id_number"][0]["code"] == "blacklisted"
    # The operator hears that the person may not work in childcare, never who listed them or why.
    text = r.content.decode()
    assert "不符合托育从业条件" in body["message"]
    assert not [s for s in LISTING_SECRETS if s in text]
    with scopes_disabled():
        assert not Staff.objects.filter(institution=institution).exists()

    # The attempt is a hit for both districts: one row each, sharing the pair.
    rows = hits()
    assert [(h.seen_by, h.district_id, h.source) for h in rows] == [
        (HitSide.LISTING, "441900003", HitSource.STAFF_ADD), (HitSide.INSTITUTION, "330106", HitSource.STAFF_ADD)]
    assert rows[0].pair == rows[1].pair and rows[0].entry_id == listed.pk and rows[1].entry_id is None
    assert rows[1].person_name == "赵某某" and rows[1].id_number_masked == "440104********" + LISTED_ID[-4:]
    assert rows[0].actor == operator and rows[0].matched_as == MatchedAs.PERSON

    # Both districts are told at once; 西湖区's notice names its own institution and nothing of 东莞's.
    assert "西湖区小星星托育园" in bodies(dongguan_reviewer) and "赵某某" in bodies(dongguan_reviewer)
    mine = bodies(reviewer)
    assert "西湖区小星星托育园" in mine and "全国从业禁止名单" in mine
    assert not [s for s in LISTING_SECRETS if s in mine]


def test_the_other_district_sees_only_that_a_match_exists(operator, institution, listed, reviewer,
                                                          dongguan_reviewer):
    api(operator).post(f"/api/v1/institutions/{institution.pk}/staff/", staff_body(), format="json")
    theirs = api(dongguan_reviewer).get("/api/v1/blacklist/hits/").json()["results"]
    mine = api(reviewer).get("/api/v1/blacklist/hits/")
    assert len(theirs) == 1 and theirs[0]["entry"]["id"] == listed.pk and theirs[0]["seen_by"] == "listing"
    assert theirs[0]["institution_name"] == "西湖区小星星托育园"
    (row,) = mine.json()["results"]
    assert row["seen_by"] == "institution" and row["entry"] is None and row["person_name"] == "赵某某"
    assert not [s for s in LISTING_SECRETS if s in mine.content.decode()]
    # The entry itself: 404 outside the listing district, its city and province; in full inside.
    assert api(reviewer).get(f"/api/v1/blacklist/{listed.pk}/").status_code == 404
    assert api(reviewer).get("/api/v1/blacklist/").json()["results"] == []
    full = api(dongguan_reviewer).get(f"/api/v1/blacklist/{listed.pk}/").json()
    assert full["reason"] == "虐待被看护婴幼儿" and full["id_number_masked"].endswith(LISTED_ID[-4:])


def test_changing_a_roster_row_to_a_listed_person_is_refused_and_recorded(operator, institution, listed):
    with scopes_disabled():
        staff = StaffFactory(institution=institution, name="钱某")
    r = api(operator).patch(f"/api/v1/institutions/{institution.pk}/staff/{staff.pk}/", {"id_number": LISTED_ID},
                            format="json")
    assert r.status_code == 400 and r.json()["fields"]["id_number"][0]["code"] == "blacklisted"
    with scopes_disabled():
        staff.refresh_from_db()
    assert staff.id_number_masked != "440104********" + LISTED_ID[-4:]
    assert {(h.source, h.staff_id) for h in hits()} == {(HitSource.STAFF_CHANGE, staff.pk)}


def test_a_listed_person_already_on_a_roster_cannot_be_changed_but_can_leave(operator, institution, listed):
    with scopes_disabled():
        staff = StaffFactory(institution=institution, id_number=LISTED_ID)
    client = api(operator)
    url = f"/api/v1/institutions/{institution.pk}/staff/{staff.pk}/"
    assert client.patch(url, {"years_experience": 4}, format="json").json()["code"] == "blacklisted"
    yesterday = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    assert client.post(url + "end/", {"end_date": yesterday}, format="json").status_code == 200


def test_an_unlisted_person_passes_and_nothing_is_recorded(operator, institution, listed):
    r = api(operator).post(f"/api/v1/institutions/{institution.pk}/staff/",
                           staff_body(id_number=make_id_number("440104", seq=902)), format="json")
    assert r.status_code == 201, r.json()
    assert hits() == []


def test_an_outsider_attempt_is_not_a_hit(institution, listed, make_account):
    """Only attempts the actor may make count: another district's admin gets the 404 and no hit."""
    gongshu_admin = make_account("gs_admin", "district_admin", "330105")
    r = api(gongshu_admin).post(f"/api/v1/institutions/{institution.pk}/staff/", staff_body(), format="json")
    assert r.status_code == 404
    assert hits() == []


def test_an_expired_or_ended_entry_stops_matching(operator, institution, regions):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with scopes_disabled():
        make_blacklist_entry(id_number=LISTED_ID, banned_until=yesterday)
        make_blacklist_entry(district="330105", id_number=LISTED_ID, status="ended")
        make_blacklist_entry(district="330203", id_number=LISTED_ID, banned_until=timezone.localdate())
    client = api(operator)
    # Banned until today (inclusive): still refused.
    first = client.post(f"/api/v1/institutions/{institution.pk}/staff/", staff_body(), format="json")
    assert first.json()["code"] == "blacklisted"
    assert {h.district_id for h in hits() if h.seen_by != HitSide.INSTITUTION} == {"330203"}
    with scopes_disabled():
        BlacklistEntry.objects.filter(district_id="330203").update(banned_until=yesterday)
    assert client.post(f"/api/v1/institutions/{institution.pk}/staff/", staff_body(),
                       format="json").status_code == 201


# --- the filing door -----------------------------------------------------------------------------------

def test_supervision_provides_the_filing_checklists_blacklist_item():
    assert checklists.provider(FILING_CHECKLIST, "blacklist") is blacklist_hits_for_filing


@pytest.fixture
def ready_filing(institution):
    with scopes_disabled():
        return make_ready_filing(institution)


def test_a_filing_with_a_listed_person_on_its_roster_fails_its_blacklist_item(
        operator, ready_filing, institution, reviewer, dongguan_reviewer, django_capture_on_commit_callbacks):
    client = api(operator)
    with scopes_disabled():
        # On duty, qualified, before the listing: only the blacklist item fails.
        add_qualification(StaffFactory(institution=institution, name="赵某某", id_number=LISTED_ID), "childcare")
        entry = make_blacklist_entry(id_number=LISTED_ID)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/api/v1/filings/{ready_filing.pk}/submit/", format="json")
    assert r.status_code == 400 and r.json()["code"] == "checks_failed"
    items = r.json()["fields"]["checks"]
    assert [i["code"] for i in items] == ["blacklist"]
    assert "赵某某（保育人员）" in items[0]["message"]
    assert not [s for s in LISTING_SECRETS if s in r.content.decode()]
    ready_filing.refresh_from_db()
    assert ready_filing.status == "draft"
    rows = hits()
    assert {(h.seen_by, h.source) for h in rows} == {(HitSide.LISTING, HitSource.FILING_SUBMIT),
                                                     (HitSide.INSTITUTION, HitSource.FILING_SUBMIT)}
    assert all(h.filing_id == ready_filing.pk and h.staff is not None for h in rows)
    assert rows[0].entry_id == entry.pk
    assert Notification.objects.filter(user=dongguan_reviewer, kind="blacklist_hit").count() == 1
    assert Notification.objects.filter(user=reviewer, kind="blacklist_hit").count() == 1
    # Every attempt is a hit: a second submit is another one.
    client.post(f"/api/v1/filings/{ready_filing.pk}/submit/", format="json")
    assert len(hits()) == 4


def test_accepting_a_filing_whose_roster_became_listed_fails(operator, ready_filing, institution, reviewer):
    client = api(operator)
    assert client.post(f"/api/v1/filings/{ready_filing.pk}/submit/", format="json").status_code == 200
    with scopes_disabled():
        listed_staff = Staff.objects.filter(institution=institution, role="caregiver").first()
        make_blacklist_entry(district="330105", id_number=listed_staff.id_number)
    r = api(reviewer).post(f"/api/v1/filings/{ready_filing.pk}/accept/", format="json")
    assert r.status_code == 400 and [i["code"] for i in r.json()["fields"]["checks"]] == ["blacklist"]
    # 拱墅区 and 西湖区 are two districts of one city: two rows, one each.
    assert {(h.district_id, h.source) for h in hits()} == {("330105", HitSource.FILING_ACCEPT),
                                                           ("330106", HitSource.FILING_ACCEPT)}


def test_a_filing_for_a_listed_organisation_fails(operator, ready_filing, institution, regions):
    with scopes_disabled():
        make_blacklist_entry(district="330106", kind="organisation", name=institution.name, uscc=institution.uscc)
        checks = {c["code"]: c for c in filing_run_checks(filing=ready_filing)}
    assert checks["blacklist"]["passed"] is False and "本机构" in checks["blacklist"]["reason"]
    r = api(operator).post(f"/api/v1/filings/{ready_filing.pk}/submit/", format="json")
    assert [i["code"] for i in r.json()["fields"]["checks"]] == ["blacklist"]
    # Listed and met in the same district: one row that is both sides.
    assert [(h.seen_by, h.matched_as) for h in hits()] == [(HitSide.BOTH, MatchedAs.ORGANISATION)]


def test_a_legal_representative_is_matched_as_a_person(operator, institution, ready_filing, regions):
    with scopes_disabled():
        rep = StaffFactory(institution=institution, role="principal", name="孙法人", education="bachelor",
                           years_experience=5)
        make_blacklist_entry(kind="organisation", name="某某托育有限公司", uscc=make_uscc("441900", seed=3),
                             id_number=rep.id_number, legal_representative="孙法人")
        assert "孙法人（负责人）" in blacklist_hits_for_filing(filing=ready_filing)
    r = api(operator).post(f"/api/v1/filings/{ready_filing.pk}/submit/", format="json")
    assert [i["code"] for i in r.json()["fields"]["checks"]] == ["blacklist"]
    assert {(h.matched_as, h.staff_id) for h in hits()} == {(MatchedAs.LEGAL_REPRESENTATIVE, rep.pk)}


def test_a_clean_filing_shows_a_passed_blacklist_item(ready_filing, listed):
    with scopes_disabled():
        checks = {c["code"]: c for c in filing_run_checks(filing=ready_filing)}
    assert checks["blacklist"]["passed"] is True


# --- registrations and claims: accepted, flagged ---------------------------------------------------------

def test_a_registration_push_for_a_listed_organisation_is_accepted_and_flagged(
        make_account, reviewer, dongguan_reviewer, django_capture_on_commit_callbacks, regions):
    uscc = make_uscc("330106", seed=77)
    with scopes_disabled():
        make_blacklist_entry(kind="organisation", name="杭州某某托育有限公司", uscc=uscc)
    authority = make_account("ra_xh", "registration_authority", "330106")
    body = {"uscc": uscc, "name": "杭州某某托育有限公司", "nature": "enterprise", "legal_representative": "某某",
            "address": "杭州市西湖区古墩路 8 号", "district": "330106002",
            "registered_on": (timezone.localdate() - dt.timedelta(days=3)).isoformat(), "business_scope": "托育服务"}
    with django_capture_on_commit_callbacks(execute=True):
        r = api(authority).post("/api/v1/registrations/", body, format="json")
    assert r.status_code == 201, r.json()
    assert "blacklist" not in r.content.decode() and "禁止" not in r.content.decode()
    rows = hits()
    assert {(h.seen_by, h.district_id, h.source, h.registration_id is not None) for h in rows} == {
        (HitSide.LISTING, "441900003", HitSource.REGISTRATION_PUSH, True),
        (HitSide.INSTITUTION, "330106", HitSource.REGISTRATION_PUSH, True)}
    flagged = Notification.objects.get(user=reviewer, kind="blacklist_hit")
    assert "杭州某某托育有限公司" in flagged.body and not [s for s in LISTING_SECRETS if s in flagged.body]
    assert Notification.objects.filter(user=dongguan_reviewer, kind="blacklist_hit").exists()


def test_a_claim_for_a_listed_organisation_is_accepted_and_flagged(regions):
    from accounts.models import User

    with scopes_disabled():
        listed_institution = InstitutionFactory(name="被列入托育园")
        make_blacklist_entry(kind="organisation", name="被列入托育园", uscc=listed_institution.uscc)
    person = User.objects.create_user(username="new_claimant", password="Passw0rd!2026")
    r = api(person).post("/api/v1/claims/", {"uscc": listed_institution.uscc}, format="json")
    assert r.status_code == 201, r.json()
    assert {(h.source, h.claim_id is not None) for h in hits()} == {(HitSource.CLAIM, True)}
    assert {h.district_id for h in hits()} == {"441900003", "330106"}
    with scopes_disabled():
        assert Institution.objects.get(pk=listed_institution.pk).status == "registered"
