"""The probe behind the policy matrix test: every route × every role × every method it accepts.

The objects in URLs are those of ``tests.cross_tenant.OtherDistrict`` (district 330105 拱墅区), and
every actor here belongs to that district (or the city, province or country above it, or the
institution itself for the operator), so a 404 in the answer is the policy, not the tenant wall.

Each request runs in a savepoint that is rolled back: a POST or DELETE that succeeds changes nothing
the next probe sees. A response that ends the session (logout) logs the actor in again.
"""

from __future__ import annotations

import os

from django.conf import settings
from django.db import transaction
from django.test import Client
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token

from core.access_policy import ANONYMOUS, route_key
from core.roles import ADMIN_SITE_ROLES
from tests.cross_tenant import (
    NON_OBJECT_KWARGS,
    OBJECT_FACTORIES,
    OtherDistrict,
    Route,
    build_path,
    iter_routes,
)

DISTRICT = OtherDistrict.DISTRICT  # 330105 拱墅区
CITY, PROVINCE, COUNTRY = "330100", "330000", "000000"
SCOPES = {
    "district_reviewer": DISTRICT, "district_inspector": DISTRICT, "district_admin": DISTRICT,
    "city_viewer": CITY, "city_admin": CITY, "province_viewer": PROVINCE, "national_viewer": COUNTRY,
    "auditor": DISTRICT, "security_admin": DISTRICT, "system_admin": DISTRICT,
    "registration_authority": DISTRICT,
}
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def outcome(response) -> str:
    """``allow`` (past the permission check: 2xx, 3xx elsewhere, 400, 409, ...), ``refuse`` (401, 403,
    or the login page), ``404``, ``405`` (the method is not served), ``error`` (5xx)."""
    code = response.status_code
    if code == 503 and response.get("Content-Type", "").startswith("application/json") and b'"checks"' in (
            response.content or b""):
        return "allow"  # the health check answering that a part is down (no worker in tests) is an answer
    if code >= 500:
        return "error"
    if code == 404:
        return "404"
    if code == 405:
        return "405"
    if code == 429:
        return "429"  # a rate limit: the probe turns them off, so this is a probe fault, not a policy
    if code in (401, 403):
        return "refuse"
    if code in (301, 302, 303, 307, 308) and response["Location"].split("?")[0] in LOGIN_PATHS:
        return "refuse"
    return "allow"


def methods_of(route: Route) -> list[str]:
    """The HTTP methods a route's view serves (lower case); GET always."""
    callback = route.callback
    actions = getattr(callback, "actions", None)  # DRF viewsets
    if actions:
        # DRF adds "head" to a viewset's actions on its first request (HEAD is GET's): the table names GET.
        return sorted({"get", *actions} & set(HTTP_METHODS), key=HTTP_METHODS.index)
    cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
    if cls is not None:
        served = [m for m in HTTP_METHODS if hasattr(cls, m) and m in getattr(cls, "http_method_names", HTTP_METHODS)]
        return sorted({"get", *served}, key=HTTP_METHODS.index)
    return ["get", "post"]  # function views and the admin's: GET and POST


class Actors:
    """A page client and an API client per role (and the anonymous pair), all in 330105's tree."""

    def __init__(self, make_account, world: OtherDistrict):
        self.users = {}
        with scopes_disabled():
            institution = world.institution
        for role, scope in {**SCOPES, "operator": institution.uscc}.items():
            self.users[role] = make_account(f"policy_{role}", role, scope)
        self.clients: dict[str, tuple[Client, Client]] = {
            ANONYMOUS: (Client(raise_request_exception=False), Client(raise_request_exception=False))}
        for role, user in self.users.items():
            page = Client(raise_request_exception=False)  # a 500 is an outcome ("error"), reported
            page.force_login(user)
            token, _ = Token.objects.get_or_create(user=user)
            self.clients[role] = (page, Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Token {token.key}"))

    @property
    def roles(self) -> list[str]:
        return list(self.clients)

    def call(self, role: str, route: Route, method: str, path: str):
        page, api = self.clients[role]
        client = api if route.is_api else page
        kwargs = {}
        if method in ("post", "put", "patch") and route.is_api:
            kwargs = {"data": "{}", "content_type": "application/json"}
        with transaction.atomic():
            response = getattr(client, method)(path, **kwargs)
            transaction.set_rollback(True)
        cookie = response.cookies.get(settings.SESSION_COOKIE_NAME)
        if role != ANONYMOUS and cookie is not None and not cookie.value:  # the session ended (logout)
            page.force_login(self.users[role])
        return response


# Public routes the cross-tenant harness does not probe (it skips public routes).
PUBLIC_ROUTE_VALUES = {"portal:institution": {"pk": lambda w: w.institution.pk}}


WORLD_FILES = ("filings/leak.pdf", "supervision/leak.png", "supervision/leak.pdf", "subsidy_evidence/leak.pdf")


def write_world_files(media_root) -> None:
    """The files the world's rows name (downloads answer them, not a missing-file error)."""
    from pathlib import Path

    for name in WORLD_FILES:
        path = Path(media_root) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"%PDF-1.4\n%probe\n")


def route_path(world: OtherDistrict, route: Route) -> str:
    values = {}
    for name, _ in route.kwargs:
        if name in PUBLIC_ROUTE_VALUES.get(route.name, {}):
            values[name] = PUBLIC_ROUTE_VALUES[route.name][name](world)
        elif name in NON_OBJECT_KWARGS:
            values[name] = NON_OBJECT_KWARGS[name]
        elif name in OBJECT_FACTORIES:
            values[name] = OBJECT_FACTORIES[name](world, route)
    return build_path(route, values)


ADMIN_SITE_ACTORS = (ANONYMOUS, *sorted(ADMIN_SITE_ROLES))


def roles_for(route: Route, method: str, roles: list[str]) -> list[str]:
    """Who is probed. Admin routes: the admin-site roles and the anonymous visitor on every route and
    method; every other role on GET of the admin index and of each model's list (the admin site's
    wrapper refuses them before any view runs, the same for every admin URL and method).
    ``POLICY_FULL=1`` probes every role everywhere (about 3× longer)."""
    if not route.is_admin or os.environ.get("POLICY_FULL"):
        return roles
    if method == "get" and (route.name == "admin:index" or route.name.endswith("_changelist")):
        return roles
    return [r for r in roles if r in ADMIN_SITE_ACTORS]


def probe(actors: Actors, world: OtherDistrict, routes: list[Route] | None = None):
    """Yield ``(key, method, role, outcome, path, status)`` for every route × method × role."""
    log = os.environ.get("POLICY_PROGRESS")
    routes = routes if routes is not None else iter_routes()
    for n, route in enumerate(routes):
        if log and n % 25 == 0:
            with open(log, "a") as fh:
                fh.write(f"{n}/{len(routes)} {route}\n")
        path = route_path(world, route)
        for method in methods_of(route):
            for role in roles_for(route, method, actors.roles):
                response = actors.call(role, route, method, path)
                yield route_key(route.name, route.template), method.upper(), role, outcome(response), path, \
                    response.status_code
