"""Malformed input never makes a 500: the requests a fuzzer found, and a walk over every route.

Under /api/ the answer is the error shape ``{"code", "message", "fields"}``; elsewhere a Chinese
page. The walk puts non-numeric and NUL-carrying values into every URL kwarg of every route
(pages, API, admin) as a signed-in user of each kind, and asserts no answer is a 5xx.
"""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from tests.cross_tenant import build_path, iter_routes
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tolerant(client):
    client.raise_request_exception = False
    return client


def token_client(user) -> Client:
    client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    client.raise_request_exception = False
    return client


def assert_api_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    if code is not None:
        assert body["code"] == code, body
    return body


def assert_chinese_page(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    page = response.content.decode()
    assert "托育机构备案与监管平台" in page
    for english in ("Bad Request", "Server Error", "Forbidden", "Not Found"):
        assert english not in page
    return page


# --- the requests that found them --------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "/api/v1/filings/abc/", "/api/v1/filings/abc/events/", "/api/v1/institutions/abc/",
    "/api/v1/claims/abc/", "/api/v1/filings/1e3/", "/api/v1/filings/%C2%B2/",
])
def test_non_numeric_ids_on_api_routes_are_404_json(reviewer, path):
    assert_api_error(token_client(reviewer).get(path), 404, "not_found")


def test_non_numeric_id_in_an_action_post_is_404_json(reviewer):
    response = token_client(reviewer).post("/api/v1/filings/abc/accept/", "{}", content_type="application/json")
    assert_api_error(response, 404, "not_found")


def test_verify_with_a_nul_is_a_chinese_400(tolerant, regions):
    assert_chinese_page(tolerant.get("/verify/%00/"), 400)


def test_regions_with_a_nul_is_400_json(reviewer):
    assert_api_error(token_client(reviewer).get("/api/v1/regions/%00/"), 400, "bad_request")
    assert_api_error(token_client(reviewer).get("/api/v1/regions/?q=%00"), 400, "bad_request")


def test_admin_changelist_filter_with_a_nul_is_a_chinese_400(tolerant, make_account, regions):
    tolerant.force_login(make_account("auditor_nul", "auditor", "330106"))
    assert_chinese_page(tolerant.get("/admin/registry/institution/?status__exact=%00"), 400)
    assert_chinese_page(tolerant.get("/admin/registry/institution/?q=%00"), 400)


def test_a_page_filter_with_a_nul_is_a_chinese_400(tolerant, reviewer):
    tolerant.force_login(reviewer)
    assert_chinese_page(tolerant.get("/registry/review/?township=%00"), 400)


def test_a_switch_role_with_a_superscript_digit_is_404_not_500(tolerant, reviewer):
    tolerant.force_login(reviewer)
    assert tolerant.post("/switch-role/", {"assignment": "²"}).status_code == 404


def test_token_request_with_1000_nested_brackets_is_400_json(tolerant, regions):
    body = "[" * 1000 + "]" * 1000
    assert_api_error(tolerant.post("/api/v1/auth/token/", body, content_type="application/json"), 400,
                     "parse_error")
    nested = '{"username": ' + "[" * 1000 + "]" * 1000 + ', "password": "x"}'
    assert_api_error(tolerant.post("/api/v1/auth/token/", nested, content_type="application/json"), 400)


def test_a_12_mb_json_body_is_refused_with_json(tolerant, reviewer):
    body = json.dumps({"username": "reviewer_xh", "password": "x" * (12 * 1024 * 1024)})
    response = tolerant.post("/api/v1/auth/token/", body, content_type="application/json")
    assert_api_error(response, 413, "request_too_large")


def test_a_12_mb_json_body_to_an_authenticated_endpoint_is_refused_with_json(reviewer):
    # A filing the reviewer may return: the role is checked before the body is read, so the body's size is
    # what refuses the request (an unknown filing is a 404 before any body is read).
    from registry.models import FilingStatus
    from tests.factories import make_ready_filing, make_uscc

    with scopes_disabled():
        filing = make_ready_filing(InstitutionFactory(uscc=make_uscc("330106", seed=77)), status=FilingStatus.SUBMITTED)
    body = json.dumps({"reasons": ["x" * 1024] * (12 * 1024)})
    response = token_client(reviewer).post(f"/api/v1/filings/{filing.pk}/return/", body, content_type="application/json")
    assert_api_error(response, 413, "request_too_large")


def test_a_12_mb_form_post_to_a_page_is_a_chinese_page(tolerant, regions):
    response = tolerant.post("/accounts/login/", {"username": "x", "password": "y" * (12 * 1024 * 1024)})
    assert_chinese_page(response, 413)


# --- the walk ------------------------------------------------------------------------------------------

BAD_VALUES = ("abc", "%00", "-1", "99999999999999999999999", "1.5", "%E2%80%AE")


@pytest.fixture
def walkers(make_account, regions):
    with scopes_disabled():
        own = InstitutionFactory(name="西湖坏输入托育园", region_id="330106001")
    users = [make_account("bad_reviewer", "district_reviewer", "330106"),
             make_account("bad_operator", "operator", own.uscc),
             make_account("bad_auditor", "auditor", "330106")]
    out = []
    for user in users:
        page = Client()
        page.raise_request_exception = False
        page.force_login(user)
        out.append((user.username, page, token_client(user)))
    return out


def test_no_route_answers_5xx_to_a_malformed_kwarg(walkers):
    failures = []
    routes = [r for r in iter_routes() if r.kwargs]
    for route in routes:
        for bad in BAD_VALUES:
            path = build_path(route, {name: bad for name, _ in route.kwargs})
            for name, page, api in walkers:
                client = api if route.is_api else page
                for method in ("get", "post"):
                    kwargs = ({"data": "{}", "content_type": "application/json"}
                              if route.is_api and method == "post" else {})
                    response = getattr(client, method)(path, **kwargs)
                    if response.status_code >= 500:
                        failures.append(f"{name} {method.upper()} {path} -> {response.status_code}")
                    elif route.is_api and response.status_code >= 400 and not getattr(response, "streaming", False):
                        try:
                            shape = set(json.loads(response.content))
                        except ValueError:
                            shape = set()
                        if shape != {"code", "message", "fields"}:
                            failures.append(f"{name} {method.upper()} {path} -> {response.status_code} not JSON shape")
    assert routes
    assert not failures, f"{len(failures)} bad answers:\n" + "\n".join(failures[:60])
