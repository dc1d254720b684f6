"""Keyset (cursor) pagination of the scope-wide API lists (``core.api.KeysetPagination``)."""

from __future__ import annotations

import base64
import json

import pytest
from django_scopes import scopes_disabled

from core.api import KeysetPagination
from tests.factories import InstitutionFactory

from .test_api import api


def make(n, region_code="330106001", prefix="机构"):
    with scopes_disabled():
        return [InstitutionFactory(name=f"{prefix}{i:03d}", region_id=region_code) for i in range(n)]


def walk(client, url, limit=50):
    """Follow ``next`` links from ``url``; return the ids of every page."""
    pages = []
    while url and len(pages) < limit:
        body = client.get(url).json()
        pages.append([row["id"] for row in body["results"]])
        url = body["next"]
    return pages


@pytest.fixture
def client(reviewer):
    return api(reviewer)


def test_pages_follow_the_lists_order_without_duplicates_or_gaps(regions, client):
    rows = make(23)
    with scopes_disabled():
        InstitutionFactory(name="机构005", region_id="330106001")  # a name shared: the id breaks the tie
        InstitutionFactory(name="他区机构", region_id="330105001")  # another district: never listed
    first = client.get("/api/v1/institutions/?page_size=5").json()
    assert first["count"] == 24 and first["count_capped"] is False and first["previous"] is None
    assert "cursor=" in first["next"] and "page_size=5" in first["next"]
    pages = walk(client, "/api/v1/institutions/?page_size=5")
    ids = [i for page in pages for i in page]
    assert [len(p) for p in pages] == [5, 5, 5, 5, 4]
    with scopes_disabled():
        from registry.models import Institution

        expected = list(Institution.objects.filter(district_id="330106").order_by("name", "id")
                        .values_list("id", flat=True))
    assert ids == expected and len(set(ids)) == 24
    assert {r.pk for r in rows} <= set(ids)


def test_previous_links_walk_back_to_the_same_pages(regions, client):
    make(12)
    pages, bodies, url = [], [], "/api/v1/institutions/?page_size=4"
    while url:
        body = client.get(url).json()
        bodies.append(body)
        pages.append([r["id"] for r in body["results"]])
        url = body["next"]
    back = client.get(bodies[-1]["previous"]).json()
    assert [r["id"] for r in back["results"]] == pages[-2]
    first_again = client.get(back["previous"]).json()
    assert [r["id"] for r in first_again["results"]] == pages[0] and first_again["previous"] is None


def test_stable_under_inserts_and_deletes_between_pages(regions, client):
    make(10, prefix="乙")
    first = client.get("/api/v1/institutions/?page_size=4").json()
    seen = [r["id"] for r in first["results"]]
    with scopes_disabled():
        InstitutionFactory(name="0先插入", region_id="330106001")  # sorts before every row: already passed
        InstitutionFactory(name="乙005后插入", region_id="330106001")  # sorts after the page: will be shown
        from registry.models import Institution

        Institution.objects.filter(pk=seen[-1]).delete()  # the cursor's own row is gone
    rest = walk(client, first["next"])
    later = [i for page in rest for i in page]
    assert not set(seen) & set(later)  # nothing repeated
    with scopes_disabled():
        names = dict(Institution.objects.filter(pk__in=later).values_list("pk", "name"))
    assert "0先插入" not in names.values() and "乙005后插入" in names.values()
    assert len(later) == 10 - 4 + 1  # the six not yet shown and the new one after the page: no gap


def test_filings_newest_first_by_cursor(regions, client, reviewer):
    with scopes_disabled():
        from tests.factories import FilingFactory

        made = [FilingFactory(institution=InstitutionFactory(region_id="330106001")) for _ in range(7)]
    pages = walk(client, "/api/v1/filings/?page_size=3")
    ids = [i for page in pages for i in page]
    assert sorted(ids) == sorted(f.pk for f in made) and len(ids) == len(set(ids)) == 7


@pytest.mark.parametrize("cursor", ["nonsense", "!!!", base64.urlsafe_b64encode(b"[0, 5]").decode(),
                                    base64.urlsafe_b64encode(json.dumps([0, ["a"]]).encode()).decode(),
                                    base64.urlsafe_b64encode(json.dumps([0, ["名", "x"]]).encode()).decode(),
                                    base64.urlsafe_b64encode(json.dumps([3, ["名", "1"]]).encode()).decode(),
                                    "\u4e2d"])
def test_a_bad_cursor_is_400_cursor_invalid(regions, client, cursor):
    r = client.get("/api/v1/institutions/", {"cursor": cursor})
    assert r.status_code == 400
    assert r.json()["code"] == "cursor_invalid" and "cursor" in r.json()["fields"]


def test_count_is_bounded(regions, client, monkeypatch):
    make(6)
    monkeypatch.setattr(KeysetPagination, "count_limit", 4)
    body = client.get("/api/v1/institutions/?page_size=2").json()
    assert (body["count"], body["count_capped"]) == (4, True)
    monkeypatch.setattr(KeysetPagination, "count_limit", 6)
    body = client.get("/api/v1/institutions/?page_size=2").json()
    assert (body["count"], body["count_capped"]) == (6, False)


def test_page_numbers_still_answer_for_older_clients(regions, client):
    make(7)
    body = client.get("/api/v1/institutions/?page=2&page_size=3").json()
    assert body["count"] == 7 and body["count_capped"] is False and len(body["results"]) == 3
    assert "page=3" in body["next"] and "cursor" not in body["next"] and body["previous"] is not None


def test_the_order_must_end_with_the_primary_key():
    from django.core.exceptions import ImproperlyConfigured

    from registry.models import Institution

    pager = KeysetPagination()
    with pytest.raises(ImproperlyConfigured):
        pager._order(Institution._base_manager.order_by("name"))
    with pytest.raises(ImproperlyConfigured):
        pager._order(Institution._base_manager.order_by("region__name", "id"))
    assert [n for n, _, _ in pager._order(Institution._base_manager.order_by("-name", "id"))] == ["name", "id"]
