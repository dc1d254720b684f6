"""The public search (API and page): distance ordering, filters, a home daycare point's address and exact
point never in an answer, bad input as 400 with stable codes, the per-IP limit, cache headers and a
bounded number of queries."""

from __future__ import annotations

import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from registry.models import FilingStatus, InstitutionKind, InstitutionStatus
from tests.portal.helpers import HOME_ADDRESS, filed

pytestmark = pytest.mark.django_db
API = "/api/v1/public/institutions/"
HERE = {"lat": "30.270000", "lng": "120.150000"}
# A home daycare point at an exact spot nobody may learn (digits that appear nowhere else).
HOME_LAT, HOME_LNG = "30.273917", "120.158263"


def names(response) -> list[str]:
    assert response.status_code == 200, response.content[:400]
    return [r["name"] for r in response.json()["results"]]


@pytest.fixture
def town(regions):
    """Three institutions 0.56 km, 1.1 km and 3.3 km north of HERE, one 50 km away, a home daycare point,
    and institutions the public must not see (terminated, not yet accepted)."""
    return {
        "near": filed("近处托育园", lat=30.275, lng=120.15, classes=("infant",),
                      fees={"full_day": 250000}, service_types=("full_day", "hourly")),
        "mid": filed("中间托育园", lat=30.28, lng=120.15, classes=("toddler", "older_toddler"),
                     fees={"half_day": 120000}, service_types=("half_day",), region="330106002"),
        "far": filed("稍远托育园", lat=30.30, lng=120.15, classes=("mixed",), fees={"full_day": 380000}),
        "other_city": filed("远方托育园", lat=30.72, lng=120.15, region="330105001", classes=("older_toddler",)),
        "home": filed("翠苑家庭托育点", lat=HOME_LAT, lng=HOME_LNG, kind=InstitutionKind.HOME_DAYCARE,
                      classes=("mixed",), region="330106002"),
        "terminated": filed("已终止托育园", lat=30.271, lng=120.15, status=InstitutionStatus.TERMINATED),
        "pending": filed("备案中托育园", lat=30.271, lng=120.15, status=InstitutionStatus.FILING,
                         filing_status=FilingStatus.SUBMITTED),
    }


def test_results_are_sorted_by_distance_with_the_distance_of_each(client, town):
    body = client.get(API, {**HERE, "radius_km": "5"}).json()
    got = [(r["name"], r["distance_km"]) for r in body["results"]]
    assert [n for n, _ in got] == ["近处托育园", "中间托育园", "翠苑家庭托育点", "稍远托育园"]
    # 0.005° of latitude is 0.556 km on the sphere; 0.01° is 1.112 km; 0.03° is 3.336 km.
    assert got[0][1] == pytest.approx(0.56, abs=0.01)
    assert got[1][1] == pytest.approx(1.11, abs=0.01)
    assert got[3][1] == pytest.approx(3.34, abs=0.01)
    assert body["count"] == 4


def test_the_radius_bounds_the_answer_and_defaults_to_ten_km(client, town):
    assert names(client.get(API, {**HERE, "radius_km": "1"})) == ["近处托育园"]
    assert "远方托育园" not in names(client.get(API, HERE))  # 50 km: beyond the default 10
    assert "远方托育园" in names(client.get(API, {**HERE, "radius_km": "60"}))


def test_only_filed_institutions_in_service_are_public(client, town):
    everything = names(client.get(API, {"page_size": "50"}))
    assert "已终止托育园" not in everything and "备案中托育园" not in everything
    assert len(everything) == 5


@pytest.mark.parametrize(("params", "expected"), [
    ({"age_months": "8"}, {"近处托育园"}),                       # 乳儿班 6–12
    ({"age_months": "20"}, {"中间托育园", "稍远托育园", "翠苑家庭托育点"}),  # 托小班 12–24, mixed 18–36
    ({"age_months": "30"}, {"中间托育园", "稍远托育园", "翠苑家庭托育点", "远方托育园"}),
    ({"age_months": "3"}, set()),
    ({"service_type": "hourly"}, {"近处托育园"}),
    ({"township": "330106002"}, {"中间托育园", "翠苑家庭托育点"}),
    ({"district": "330105"}, {"远方托育园"}),
    ({"district": "330100"}, {"近处托育园", "中间托育园", "稍远托育园", "远方托育园", "翠苑家庭托育点"}),
    ({"q": "中间"}, {"中间托育园"}),
    ({"fee_min": "1000", "fee_max": "3000"}, {"近处托育园", "中间托育园"}),  # full-day 2500, half-day 1200
    ({"fee_min": "3000"}, {"稍远托育园"}),
    ({"inclusive": "true"}, set()),  # no certification exists yet (public_offer_terms)
    ({"inclusive": "false", "district": "330105"}, {"远方托育园"}),
])
def test_filters(client, town, params, expected):
    assert set(names(client.get(API, params))) == expected


def test_a_result_carries_the_public_facts_a_family_needs(client, town):
    row = next(r for r in client.get(API, {"q": "近处"}).json()["results"])
    assert row["address"].startswith("杭州市文三路")
    assert row["latitude"] == 30.275 and row["longitude"] == 120.15 and row["location_approximate"] is False
    assert row["service_types"] == ["全日托", "计时托"] and row["monthly_fee_yuan"] == 2500
    assert row["classes"] == [{"class_type": "乳儿班", "slots": 10}]
    assert row["inclusive"] is False and "distance_km" not in row  # no point given
    assert "13800138000" not in str(row) and "王园长" not in str(row)


def _home_secrets(text: str) -> list[str]:
    return [s for s in (HOME_ADDRESS, "402", HOME_LAT, HOME_LNG, HOME_LAT[:7], HOME_LNG[:8]) if s in text]


def test_a_home_daycare_point_never_shows_its_address_or_its_point(client, town):
    home = town["home"]
    answers = {
        "api": client.get(API, {"township": "330106002"}).content.decode(),
        "api near": client.get(API, {**HERE, "radius_km": "5"}).content.decode(),
        "search page": client.get("/search/", HERE).content.decode(),
        "institution page": client.get(f"/institutions/{home.pk}/").content.decode(),
        "csv": b"".join(client.get("/open-data/330106.csv").streaming_content).decode("utf-8-sig"),
    }
    book = load_workbook(io.BytesIO(b"".join(client.get("/open-data/330106.xlsx").streaming_content)))
    answers["xlsx"] = "\n".join(str(c) for row in book.active.iter_rows(values_only=True) for c in row)
    for where, text in answers.items():
        assert "翠苑家庭托育点" in text, where
        assert _home_secrets(text) == [], where
    row = next(r for r in client.get(API, {"township": "330106002"}).json()["results"] if r["name"] == "翠苑家庭托育点")
    # It stands at the centre of its 0.05° grid cell: 30.25–30.30 × 120.15–120.20.
    assert (row["latitude"], row["longitude"], row["location_approximate"]) == (30.275, 120.175, True)
    assert row["address"] == "" and row["township"] == "西溪街道"


def test_a_home_daycare_points_distance_is_measured_to_its_public_point(client, town):
    row = next(r for r in client.get(API, {**HERE, "radius_km": "5"}).json()["results"]
               if r["name"] == "翠苑家庭托育点")
    # From (30.27, 120.15) to the cell centre (30.275, 120.175): 2.46 km; to the home itself it is 0.87 km.
    assert row["distance_km"] == pytest.approx(2.46, abs=0.02)


@pytest.mark.parametrize(("params", "field", "code"), [
    ({"lat": "abc", "lng": "120"}, "lat", "value_invalid"),
    ({"lat": "60", "lng": "120"}, "lat", "value_invalid"),          # outside China
    ({"lat": "30", "lng": "-74"}, "lng", "value_invalid"),
    ({"lat": "30.2"}, "lng", "point_incomplete"),
    ({"radius_km": "5"}, "radius_km", "point_required"),
    ({"lat": "30", "lng": "120", "radius_km": "500"}, "radius_km", "value_invalid"),
    ({"age_months": "40"}, "age_months", "value_invalid"),
    ({"age_months": "1e3"}, "age_months", "value_invalid"),
    ({"inclusive": "maybe"}, "inclusive", "value_invalid"),
    ({"service_type": "boarding"}, "service_type", "choice_invalid"),
    ({"district": "33"}, "district", "value_invalid"),
    ({"township": "330106"}, "township", "value_invalid"),
    ({"fee_min": "3000", "fee_max": "1000"}, "fee_max", "range_invalid"),
    ({"fee_min": "-1"}, "fee_min", "value_invalid"),
    ({"q": "托" * 51}, "q", "too_long"),
    ({"page_size": "500"}, "page_size", "value_invalid"),
    ({"page": "0"}, "page", "value_invalid"),
])
def test_bad_parameters_are_a_400_naming_them(client, regions, params, field, code):
    response = client.get(API, params)
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    assert [e["code"] for e in body["fields"][field]] == [code]
    page = client.get("/search/", params)
    assert page.status_code == 400 and "查询条件有误" in page.content.decode()


def test_a_nul_in_a_parameter_is_a_400_not_a_500(client, regions):
    client.raise_request_exception = False
    assert client.get(API, {"q": "托\x00"}).status_code == 400
    assert client.get("/search/", {"q": "托\x00"}).status_code == 400


def test_unknown_parameters_are_ignored(client, town):
    assert len(names(client.get(API, {"_": "1700000000", "format": "json"}))) == 5


def test_pages_are_bounded(client, town):
    body = client.get(API, {"page_size": "2", "page": "3"}).json()
    assert body["count"] == 5 and len(body["results"]) == 1
    assert client.get(API, {"page_size": "2", "page": "9"}).json()["results"] == []


@override_settings(PUBLIC_RATE_LIMITS=((3, 60),))
def test_the_search_is_limited_per_client_address(client, regions):
    for _ in range(3):
        assert client.get(API).status_code == 200
    response = client.get(API)
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert 0 < int(response["Retry-After"]) <= 60
    page = client.get("/search/")
    assert page.status_code == 429 and "查询过于频繁" in page.content.decode() and page["Retry-After"]
    assert client.get(API, REMOTE_ADDR="10.9.9.9").status_code == 200  # another address is not limited


def test_public_answers_are_cacheable_and_set_no_cookie(client, town):
    for path in (f"{API}?district=330106", "/search/?district=330106", f"/institutions/{town['near'].pk}/",
                 "/open-data/", "/open-data/330106.csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "public" in response["Cache-Control"] and "max-age=300" in response["Cache-Control"], path
        assert not response.cookies, path
    assert "public" not in client.get(API, {"lat": "x"}).get("Cache-Control", "")


def test_the_search_costs_three_queries_however_many_rows(client, regions, django_assert_num_queries):
    for i in range(3):
        filed(f"托育园{i}", lat=30.27 + i / 1000, lng=120.15, classes=("infant", "toddler"))
    with django_assert_num_queries(3):  # count, page, the page's classes
        assert len(names(client.get(API, HERE))) == 3
    for i in range(3, 12):
        filed(f"托育园{i}", lat=30.27 + i / 1000, lng=120.15, classes=("infant", "toddler"))
    with django_assert_num_queries(3):
        assert len(names(client.get(API, HERE))) == 12


def test_the_search_page_costs_the_same_queries_however_many_rows(client, regions, django_assert_num_queries):
    for i in range(3):
        filed(f"托育园{i}", lat=30.27 + i / 1000, lng=120.15)
    client.get("/search/", HERE)  # the region choices are cached (one grouped query every few minutes)
    with django_assert_num_queries(3):
        assert client.get("/search/", HERE).content.decode().count('data-testid="result"') == 3
    for i in range(3, 12):
        filed(f"托育园{i}", lat=30.27 + i / 1000, lng=120.15)
    with django_assert_num_queries(3):
        assert client.get("/search/", HERE).content.decode().count('data-testid="result"') == 12
