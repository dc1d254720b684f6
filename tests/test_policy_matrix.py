"""The policy matrix (issue 12, 三员分立 and least privilege): every route the URL resolver knows ×
every role (and the anonymous visitor) × every method the view serves answers what
``docs/policy/access.yaml`` says; a route or role missing from the table fails.

One world (district 330105's objects, actors of that district and the regions above it) serves the
whole walk; each request is rolled back (``tests.policy_probe``). Set ``POLICY_DISCOVER=<file>`` to
write what was observed as JSON instead of asserting (to draft the table for new routes).
"""

from __future__ import annotations

import fnmatch
import json
import os
from collections import defaultdict

import pytest

from core.access_policy import ANONYMOUS, SECURITY_DOC, doc_section, load, render_markdown, route_key
from core.roles import Role
from tests.cross_tenant import OtherDistrict, iter_routes
from tests.policy_probe import Actors, probe, write_world_files

pytestmark = pytest.mark.django_db


def test_the_table_names_every_role():
    assert set(load().roles) == {*Role.values, ANONYMOUS}, "docs/policy/access.yaml: roles differ from core.roles"


def test_the_table_names_every_route():
    policy = load()
    missing = sorted({route_key(r.name, r.template) for r in iter_routes()
                      if policy.group_of(route_key(r.name, r.template)) is None})
    assert not missing, "routes missing from docs/policy/access.yaml:\n" + "\n".join(missing)


# Routes of one's own account and session: every signed-in role may use them, whatever its duties.
OWN_ACCOUNT = ("accounts:*", "notifications:*", "core:home", "core:switch_assignment", "core:healthz", "api-token",
               "api-logout",
               # The region tree (GB/T 2260) is public reference data, not a business row.
               "api-regions", "api-region-detail",
               "admin:index", "admin:login", "admin:logout", "admin:password_change", "admin:password_change_done",
               "admin:jsi18n", "admin:autocomplete", "admin:view_on_site",
               # Claiming an institution is how any account becomes its operator: the page shows the
               # caller's own claims and public region reference data (GET only: writes are refused).
               "registry:claim", "registry:claim_regions", "registry:operator_home")
# The admin site's families that hold business rows (registered with ``BUSINESS_DATA_READERS``).
BUSINESS_ADMIN_APPS = ("registry", "supervision", "subsidies")
WRITES = ("POST", "PUT", "PATCH", "DELETE")
ADMIN_WRITE_VIEWS = ("_add", "_change", "_delete")


def _rules():
    """(key, method, rule) for every concrete route and every method the table names for it."""
    policy = load()
    for route in iter_routes():
        key = route_key(route.name, route.template)
        for method in policy.methods_of(key):
            yield route, key, method, {r: policy.expected(key, method, r) for r in policy.roles}


def _matches(key: str, patterns) -> bool:
    return any(fnmatch.fnmatchcase(key, p) for p in patterns)


def test_the_table_keeps_the_duties_apart():
    """三员分立 and least privilege, read off the table itself (the matrix test proves the code answers
    so): the system and security admins reach no business route (pages, API, the admin site's business
    families); the auditor writes nothing beyond their own account; the anonymous visitor reaches only
    the public routes."""
    holes = []
    for route, key, method, cells in _rules():
        public = cells[ANONYMOUS] == "allow"
        if public and not _public(route):
            holes.append(f"anonymous {method} {key}: not a public route (tests.cross_tenant.PUBLIC_ROUTES)")
        own = _matches(key, OWN_ACCOUNT)
        business = (route.admin_app in BUSINESS_ADMIN_APPS) if route.is_admin else not (own or public)
        for role in ("system_admin", "security_admin"):
            if business and cells[role] == "allow":
                holes.append(f"{role} {method} {key}: business data")
        # The admin's read views (changelist without a permitted action, history) answer a POST like a
        # GET: only its add, change and delete views write.
        writes = method in WRITES and (not route.is_admin or key.endswith(ADMIN_WRITE_VIEWS))
        if writes and cells["auditor"] == "allow" and not (own or public):
            holes.append(f"auditor {method} {key}: a write")
        if route.is_admin and writes and route.admin_app in BUSINESS_ADMIN_APPS:
            holes += [f"{r} {method} {key}: business rows are read-only in the admin site"
                      for r, v in cells.items() if v == "allow"]
    assert not holes, "\n".join(holes)


def _public(route) -> bool:
    from tests.cross_tenant import PUBLIC_PATH_PREFIXES, PUBLIC_ROUTES

    return (route.name in PUBLIC_ROUTES or any(p.endswith(":") and route.name.startswith(p) for p in PUBLIC_ROUTES)
            or route.template.startswith(PUBLIC_PATH_PREFIXES))


def test_security_doc_shows_the_table():
    section = doc_section(SECURITY_DOC.read_text(encoding="utf-8"))
    assert section == render_markdown(), "docs/security.md is stale: run `python -m core.access_policy --write`"


NO_RATE_LIMITS = ("VERIFY_RATE_LIMITS", "COMPLAINT_RATE_LIMITS", "COMPLAINT_TRACK_RATE_LIMITS", "PUBLIC_RATE_LIMITS",
                  "EXPORT_RATE_LIMITS")


def test_every_route_role_and_method_answers_as_the_table_says(make_account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    for name in NO_RATE_LIMITS:  # a 429 is the limiter, not the policy (and counters outlive a run in Redis)
        setattr(settings, name, ())
    world = OtherDistrict().populate()
    write_world_files(tmp_path)
    actors = Actors(make_account, world)
    policy = load()
    discover = os.environ.get("POLICY_DISCOVER")
    observed: dict = defaultdict(dict)
    paths: dict = {}
    routes = iter_routes()
    only = os.environ.get("POLICY_ONLY")  # e.g. "registry:*,api-*" or "!admin:*": a part of the walk, while drafting
    if only:
        globs = only.split(",")
        keep = [g for g in globs if not g.startswith("!")]
        drop = [g[1:] for g in globs if g.startswith("!")]
        routes = [r for r in routes if (not keep or _matches(route_key(r.name, r.template), keep))
                  and not _matches(route_key(r.name, r.template), drop)]
    if not discover:  # the routes the table names (test_the_table_names_every_route wants them all)
        routes = [r for r in routes if policy.group_of(route_key(r.name, r.template)) is not None]
    for key, method, role, got, path, status in probe(actors, world, routes):
        observed[(key, method)][role] = (got, status)
        paths[key] = path
        if discover:
            with open(discover + "l", "a", encoding="utf-8") as fh:  # JSON lines, as it goes
                fh.write(json.dumps([key, method, role, got], ensure_ascii=False) + "\n")
    if discover:
        with open(discover, "w", encoding="utf-8") as fh:
            json.dump({f"{k}\t{m}": {r: g for r, (g, _) in seen.items()} for (k, m), seen in observed.items()},
                      fh, ensure_ascii=False, indent=0, sort_keys=True)
        pytest.skip(f"observations written to {discover}")
    failures, checked = [], 0
    for (key, method), seen in observed.items():
        if any(got == "405" for got, _ in seen.values()):
            # Not served: every role gets 405 (or is refused before the method check), and the table
            # must not claim a rule for this method (its "ANY" means every method the view serves).
            # An anonymous request may be turned away before the method check with a redirect (the admin
            # sends a signed-out visitor of its logout page to its index): no view ran, nothing is served.
            failures += [f"{role:>22} {method:6} {paths[key]} [{key}] -> {status} ({got}), table: 405 (not served)"
                         for role, (got, status) in seen.items()
                         if got not in ("405", "refuse") and not (role == "anonymous" and 300 <= int(status) < 400)]
            if policy.lists_method(key, method):
                failures.append(f"{'*':>22} {method:6} {paths[key]} [{key}] -> 405, table lists {method}")
            continue
        for role, (got, status) in seen.items():
            checked += 1
            want = policy.expected(key, method, role)
            if got == "error" or want != got:
                failures.append(f"{role:>22} {method:6} {paths[key]} [{key}] -> {status} ({got}), table: {want}")
    assert checked > 1000, checked
    assert not failures, f"{len(failures)} answers differ from docs/policy/access.yaml:\n" + "\n".join(failures[:120])
