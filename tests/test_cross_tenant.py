"""Every route that names an object, for every role of district 330106, against 330105's objects:
the answer is 404 (or the very same refusal a non-existent object gets) and nothing leaks.

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
    NON_TENANT_ADMIN_APPS,
    OBJECT_FACTORIES,
    OtherDistrict,
    build_path,
    is_public,
    iter_routes,
)
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

COMMISSION_ROLES = ("district_reviewer", "district_inspector", "district_admin")
ADMIN_ROLES = ("auditor", "security_admin", "system_admin")


def object_routes():
    routes = []
    for route in iter_routes():
        names = [name for name, _ in route.kwargs]
        if is_public(route) or not any(n not in NON_OBJECT_KWARGS and n != "app_label" for n in names):
            continue
        if route.admin_app in NON_TENANT_ADMIN_APPS:
            continue
        routes.append(route)
    return routes


@pytest.fixture
def actors(make_account):
    """Clients for every 330106 role: session clients for pages, token clients for the API."""
    with scopes_disabled():
        own = InstitutionFactory(name="西湖本区托育园", region_id="330106001")
    users = {role: make_account(f"xh_{role}", role, "330106") for role in COMMISSION_ROLES + ADMIN_ROLES}
    users["operator"] = make_account("xh_operator", "operator", own.uscc)
    clients = {}
    for role, user in users.items():
        page = Client()
        page.force_login(user)
        token = Token.objects.create(user=user)
        clients[role] = (page, Client(HTTP_AUTHORIZATION=f"Token {token.key}"))
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
        roles = ADMIN_ROLES if route.is_admin else (*COMMISSION_ROLES, "operator", *ADMIN_ROLES)
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
