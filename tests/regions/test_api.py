"""GET /api/v1/regions/ and /api/v1/regions/<code>/."""

from __future__ import annotations

import pytest
import yaml

LIST = "/api/v1/regions/"


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [r["code"] for r in response.json()["results"]]


@pytest.fixture
def api(login, reviewer):
    return login(reviewer)


@pytest.mark.django_db
def test_without_parent_lists_provinces(api):
    assert codes(api.get(LIST)) == ["330000", "440000"]


@pytest.mark.django_db
def test_children_of_a_parent(api, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = api.get(LIST, {"parent": "330100"})
    assert codes(response) == ["330105", "330106"]
    xihu = response.json()["results"][1]
    assert xihu == {"code": "330106", "name": "西湖区", "level": "county", "level_label": "县级",
                    "parent": "330100", "full_name": "浙江省杭州市西湖区", "tenant_district": "330106",
                    "has_children": True}


@pytest.mark.django_db
def test_dongguan_children_are_townships_that_file_for_themselves(api):
    [row] = api.get(LIST, {"parent": "441900"}).json()["results"]
    assert (row["code"], row["level"], row["tenant_district"], row["has_children"]) == (
        "441900003", "township", "441900003", False)


@pytest.mark.django_db
def test_level_with_parent_lists_descendants_at_that_level(api):
    assert codes(api.get(LIST, {"parent": "330000", "level": "county"})) == ["330105", "330106", "330203"]
    assert codes(api.get(LIST, {"parent": "330100", "level": "township"})) == [
        "330105001", "330106001", "330106002"]


@pytest.mark.django_db
def test_q_filters_by_name(api):
    assert codes(api.get(LIST, {"parent": "330106", "q": "西溪"})) == ["330106002"]
    assert codes(api.get(LIST, {"q": "东城"})) == ["441900003"]  # whole country without parent
    assert codes(api.get(LIST, {"level": "city"})) == ["330100", "330200", "441900"]


@pytest.mark.django_db
def test_unknown_parent_is_a_region_not_found_404(api):
    response = api.get(LIST, {"parent": "999999"})
    assert response.status_code == 404
    assert response.json() == {"code": "region_not_found", "message": "区划代码“999999”不存在。", "fields": {}}


@pytest.mark.django_db
def test_invalid_parameters_are_400(api):
    response = api.get(LIST, {"level": "village"})
    assert response.status_code == 400
    assert "level" in response.json()["fields"]
    assert api.get(LIST, {"parent": "33"}).status_code == 400


@pytest.mark.django_db
def test_detail(api):
    response = api.get("/api/v1/regions/441900003/")
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "广东省东莞市东城街道"
    assert (body["province"], body["city"], body["tenant_district"], body["is_tenant"]) == (
        "440000", "441900", "441900003", True)

    missing = api.get("/api/v1/regions/123456/")
    assert missing.status_code == 404 and missing.json()["code"] == "region_not_found"


@pytest.mark.django_db
def test_requires_authentication(client, regions):
    response = client.get(LIST)
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.django_db
def test_openapi_documents_filters_and_404(api):
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    listing = schema["paths"]["/api/v1/regions/"]["get"]
    assert {p["name"] for p in listing["parameters"]} >= {"parent", "level", "q", "page"}
    assert "404" in listing["responses"]
    assert "404" in schema["paths"]["/api/v1/regions/{code}/"]["get"]["responses"]
