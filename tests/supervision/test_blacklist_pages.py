"""The district's blacklist pages (zh-hans, server-rendered): the list, listing a person or an
organisation, correcting and ending with a reason, the hits with closing as a false match; the menu
entry and the home card; who may open what."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from supervision.models import BlacklistEntry, BlacklistHit, HitSide
from tests.factories import make_id_number, make_uscc

from .conftest import LISTED_ID, LISTING_SECRETS

pytestmark = pytest.mark.django_db


def test_a_district_admin_lists_corrects_and_ends_a_person_on_the_pages(login, dongguan_admin):
    client = login(dongguan_admin)
    assert "从业禁止名单" in client.get("/").content.decode()  # the menu entry
    page = client.get("/supervision/blacklist/new/?kind=person")
    assert page.status_code == 200 and "身份证号码" in page.content.decode()
    bad = client.post("/supervision/blacklist/new/?kind=person",
                      {"id_number": LISTED_ID[:-1] + ("1" if LISTED_ID[-1] != "1" else "2"), "name": "赵某某", "reason": "x", "basis": "y"})
    assert bad.status_code == 200 and "校验位错误" in bad.content.decode()
    r = client.post("/supervision/blacklist/new/?kind=person",
                    {"id_number": LISTED_ID, "name": "赵某某", "reason": "虐待被看护婴幼儿",
                     "basis": "东莞市卫生健康局行政处罚决定书", "decision_number": "东卫罚〔2026〕7号", "banned_until": ""})
    with scopes_disabled():
        entry = BlacklistEntry.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/supervision/blacklist/{entry.pk}/"
    assert entry.banned_until is None and entry.id_number == LISTED_ID
    detail = client.get(r["Location"]).content.decode()
    assert "终身禁入" in detail and "列入" in detail and LISTED_ID not in detail

    # A correction without a reason stays on the form with the message; with one it is history.
    edit = f"/supervision/blacklist/{entry.pk}/edit/"
    no_reason = client.post(edit, {"name": "赵某某", "reason": "虐待被看护婴幼儿", "basis": "东莞市卫生健康局行政处罚决定书",
                                   "decision_number": "东卫罚〔2026〕7号", "banned_until": "2036-01-01"})
    assert no_reason.status_code == 200 and "必须说明原因" in no_reason.content.decode()
    done = client.post(edit, {"name": "赵某某", "reason": "虐待被看护婴幼儿", "basis": "东莞市卫生健康局行政处罚决定书",
                              "decision_number": "东卫罚〔2026〕7号", "banned_until": "2036-01-01",
                              "correction_reason": "复议变更期限"}, follow=True)
    assert "名单已更正" in done.content.decode() and "复议变更期限" in done.content.decode()
    with scopes_disabled():
        entry.refresh_from_db()
    assert str(entry.banned_until) == "2036-01-01" and entry.id_number == LISTED_ID  # a blank ID: unchanged

    ended = client.post(f"/supervision/blacklist/{entry.pk}/end/", {"reason": ""}, follow=True)
    assert "必须说明原因" in ended.content.decode()
    ended = client.post(f"/supervision/blacklist/{entry.pk}/end/", {"reason": "法院撤销原处罚决定"}, follow=True)
    assert "已解除" in ended.content.decode()
    with scopes_disabled():
        assert BlacklistEntry.objects.get(pk=entry.pk).status == "ended"


def test_listing_an_organisation_on_the_pages(login, dongguan_admin):
    client = login(dongguan_admin)
    uscc = make_uscc("441900", seed=9)
    r = client.post("/supervision/blacklist/new/?kind=organisation",
                    {"uscc": uscc, "name": "东莞某某托育有限公司", "legal_representative": "钱某",
                     "legal_representative_id_number": make_id_number("440104", seq=5), "reason": "严重虐童",
                     "basis": "处罚决定书", "banned_until": "2030-01-01"})
    assert r.status_code == 302
    listing = client.get("/supervision/blacklist/").content.decode()
    assert "东莞某某托育有限公司" in listing and uscc in listing


def test_hits_pages_for_both_districts_and_closing(login, operator, institution, listed, reviewer, dongguan_admin):
    login(operator).post(f"/api/v1/institutions/{institution.pk}/staff/",
                         {"name": "赵某某", "id_number": LISTED_ID, "role": "caregiver", "start_date": "2025-09-01"},
                         content_type="application/json")
    mine = login(reviewer).get("/supervision/blacklist/hits/").content.decode()
    assert "西湖区小星星托育园" in mine and "命中全国从业禁止名单" in mine
    assert not [s for s in LISTING_SECRETS if s in mine] and "认定误报" not in mine.split("<tbody>", 1)[1]
    client = login(dongguan_admin)
    theirs = client.get("/supervision/blacklist/hits/").content.decode()
    assert "赵某某" in theirs and "西湖区小星星托育园" in theirs and "认定误报" in theirs
    with scopes_disabled():
        row = BlacklistHit.objects.get(seen_by=HitSide.LISTING)
    closed = client.post(f"/supervision/blacklist/hits/{row.pk}/close/", {"reason": "录入错误"}, follow=True)
    assert "已认定为误报" in closed.content.decode()
    with scopes_disabled():
        assert set(BlacklistHit.objects.values_list("status", flat=True)) == {"closed"}
    home = client.get("/").content.decode()
    assert 'data-testid="stat-blacklist_hits_open"' in home


def test_who_opens_the_pages(login, operator, listed, reviewer, other_reviewer, dongguan_reviewer):
    assert login(operator).get("/supervision/blacklist/").status_code == 403
    assert login(reviewer).get("/supervision/blacklist/new/").status_code == 403  # reviewers read only
    assert login(reviewer).get(f"/supervision/blacklist/{listed.pk}/").status_code == 404
    assert login(other_reviewer).get(f"/supervision/blacklist/{listed.pk}/edit/").status_code == 403
    page = login(dongguan_reviewer).get(f"/supervision/blacklist/{listed.pk}/").content.decode()
    assert "虐待被看护婴幼儿" in page and "解除名单" not in page
