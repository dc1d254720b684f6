"""Every URL needs a login unless it is on the public allow-list (tests/cross_tenant.PUBLIC_ROUTES).

The URLconf is walked at test time, so a route added tomorrow is covered without touching this file.
"""

from __future__ import annotations

import pytest

from tests.cross_tenant import build_path, is_public, iter_routes

pytestmark = pytest.mark.django_db

LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/")


def _refused(response) -> bool:
    if response.status_code == 302:
        return response["Location"].split("?")[0] in LOGIN_PREFIXES
    return response.status_code in (401, 403)


def test_the_walk_sees_the_whole_urlconf():
    names = {r.name for r in iter_routes()}
    assert {"core:home", "accounts:login", "admin:index", "api-token"} <= names


def test_every_non_public_url_needs_login(client, regions):
    failures = []
    checked = 0
    for route in iter_routes():
        if is_public(route):
            continue
        path = build_path(route)
        response = client.get(path)
        if response.status_code == 405:
            response = client.post(path)
        checked += 1
        if not _refused(response):
            failures.append(f"{route}: GET {path} -> {response.status_code} {response.get('Location', '')}")
    assert checked > 20
    assert not failures, "URLs reachable without login:\n" + "\n".join(failures)


def test_api_refusal_uses_the_error_shape(client, regions):
    response = client.get("/api/v1/regions/")
    assert response.status_code in (401, 403)
    assert set(response.json()) == {"code", "message", "fields"}


def test_public_routes_answer_without_login(client, regions):
    for path in ("/accounts/login/", "/api/v1/schema/", "/api/v1/docs/"):
        assert client.get(path).status_code == 200, path
