"""Every role of district 330106, a city viewer and a registration authority of another city
(宁波 330200), against the objects of district 330105:

- every route that names an object answers 404 (or the very same refusal a non-existent object
  gets) and nothing leaks;
- every route that names none (pages, API lists, admin changelists) shows none of them.

Routes are found by walking the URLconf; a route whose kwarg has no factory in
``tests.cross_tenant.OBJECT_FACTORIES`` fails this test until one is registered.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from tests.cross_tenant import (
    NON_OBJECT_KWARGS,
    OBJECT_FACTORIES,
    OtherDistrict,
    build_path,
    list_routes,
    object_routes,
)
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

COMMISSION_ROLES = ("district_reviewer", "district_inspector", "district_admin")
ADMIN_ROLES = ("auditor", "security_admin", "system_admin")
OTHER_CITY = "330200"  # 宁波市: 330105 (拱墅区) is in 杭州市 330100
# Actor name -> (role, scope). The operator's scope is its own 330106 institution (see `actors`).
ACTORS = {
    **{role: (role, "330106") for role in (*COMMISSION_ROLES, *ADMIN_ROLES, "registration_authority")},
    "operator": ("operator", None),
    "city_viewer_other_city": ("city_viewer", OTHER_CITY),
    "province_viewer_other_province": ("province_viewer", "440000"),
    "city_admin_other_city": ("city_admin", OTHER_CITY),
    "registration_authority_other_city": ("registration_authority", OTHER_CITY),
}
NON_ADMIN_ACTORS = tuple(name for name in ACTORS if name not in ADMIN_ROLES)


def _clients(user) -> tuple[Client, Client]:
    """A session client for pages and a token client for the API."""
    page = Client()
    page.force_login(user)
    token, _ = Token.objects.get_or_create(user=user)
    return page, Client(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.fixture
def actors(make_account):
    """Clients for every actor of ACTORS."""
    with scopes_disabled():
        own = InstitutionFactory(name="西湖本区托育园", region_id="330106001")
    clients = {}
    for name, (role, scope) in ACTORS.items():
        clients[name] = _clients(make_account(f"x_{name}", role, scope or own.uscc))
    return clients


def _signature(response) -> list[int]:
    return [code for _, code in getattr(response, "redirect_chain", [])] + [response.status_code]


def _leaks(response, world) -> list[str]:
    if getattr(response, "streaming", False):
        return []
    body = response.content.decode(errors="replace")
    return [s for s in world.secrets if s in body]


def _absent(values: dict) -> dict:
    return {k: ("987654321" if str(v).isdigit() else "NOPE-987654321") for k, v in values.items()}


def test_unknown_kwargs_fail_loudly():
    unknown = sorted({f"{name} in {route}" for route in object_routes() for name, _ in route.kwargs
                      if name not in OBJECT_FACTORIES and name not in NON_OBJECT_KWARGS})
    assert not unknown, "register a factory in tests/cross_tenant.OBJECT_FACTORIES for:\n" + "\n".join(unknown)


def test_no_route_reaches_another_districts_objects(actors):
    world = OtherDistrict()
    routes = object_routes()
    failures = []
    for route in routes:
        values = {}
        for name, _ in route.kwargs:
            if name in OBJECT_FACTORIES:
                values[name] = OBJECT_FACTORIES[name](world, route)
            elif name in NON_OBJECT_KWARGS:
                values[name] = NON_OBJECT_KWARGS[name]
        object_keys = {k for k in values if k not in NON_OBJECT_KWARGS and k != "app_label"}
        path = build_path(route, values)
        absent_path = build_path(route, {**values, **_absent({k: values[k] for k in object_keys})})
        roles = ADMIN_ROLES if route.is_admin else tuple(ACTORS)
        for role in roles:
            page, api = actors[role]
            client = api if route.is_api else page
            for method in ("get", "post"):
                call = getattr(client, method)
                kwargs = {"content_type": "application/json", "data": "{}"} if (route.is_api and method == "post") else {}
                response = call(path, **kwargs)
                status = response.status_code
                leaked = _leaks(response, world)
                ok = status == 404
                if not ok:
                    # Otherwise the answer must be exactly what a non-existent object gets (same
                    # statuses along the redirect chain), e.g. a form validated before any lookup,
                    # or a role refused before any lookup; a GET must still end in an error.
                    mine = call(path, follow=True, **kwargs)
                    absent = call(absent_path, follow=True, **kwargs)
                    leaked += _leaks(mine, world)
                    ok = _signature(mine) == _signature(absent) and not (
                        method == "get" and mine.status_code < 400)
                    status = f"{_signature(mine)} vs absent {_signature(absent)}"
                if not ok or leaked:
                    failures.append(f"{role} {method.upper()} {path} [{route.name or route.template}] -> {status}"
                                    + (f" leaked {leaked}" if leaked else ""))
    assert routes, "no object routes found"
    assert not failures, f"{len(failures)} cross-tenant answers were not 404:\n" + "\n".join(failures[:60])


def test_no_list_shows_another_districts_objects(actors):
    """GET every route without an object in its URL, as every actor, with all of 330105's objects
    in the database: none of their names, credit codes, receipt numbers or user names shows."""
    world = OtherDistrict().populate()
    routes = list_routes()
    failures, answered = [], {name: 0 for name in ACTORS}
    for route in routes:
        path = build_path(route, {name: NON_OBJECT_KWARGS.get(name) or OBJECT_FACTORIES[name](world, route)
                                  for name, _ in route.kwargs})
        for name in ACTORS:
            page, api = actors[name]
            response = (api if route.is_api else page).get(path)
            answered[name] += response.status_code == 200
            leaked = _leaks(response, world)
            if leaked:
                failures.append(f"{name} GET {path} [{route.name or route.template}] -> "
                                f"{response.status_code} leaked {leaked}")
    assert len(routes) > 20, "no list routes found"
    # Each actor really got pages (not only refusals), or the probe would prove nothing.
    assert all(count >= 3 for count in answered.values()), answered
    assert not failures, f"{len(failures)} lists showed another district's objects:\n" + "\n".join(failures[:60])


def test_the_list_probe_can_see_the_other_districts_objects(make_account):
    """Control for the test above: in scope, the same routes show every one of those strings."""
    world = OtherDistrict().populate()
    hangzhou_viewer = _clients(make_account("hz_city_viewer", "city_viewer", "330100"))
    country_auditor = _clients(make_account("cn_auditor", "auditor", "000000"))
    seen: set[str] = set()
    for route in list_routes():
        path = build_path(route, {name: NON_OBJECT_KWARGS.get(name) or OBJECT_FACTORIES[name](world, route)
                                  for name, _ in route.kwargs})
        for page, api in (hangzhou_viewer, country_auditor):
            seen.update(_leaks((api if route.is_api else page).get(path), world))
    assert seen == set(world.secrets)
