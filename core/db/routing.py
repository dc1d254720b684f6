"""Read replica routing: the public portal's and the dashboards' reads go to a PostgreSQL streaming
replica (alias ``replica``) when ``DATABASE_REPLICA_URL`` is set; everything else stays on the primary.

The rule — a read goes to the replica only when ALL of these hold:

1. a replica is configured (``DATABASE_REPLICA_URL``; without it the router sends everything to
   ``default`` and nothing changes);
2. the request opted in: a GET/HEAD to a view named in ``REPLICA_READ_VIEWS`` (the portal's search,
   institution, receipt verification and open-data pages, the public API, the indicators pages and
   API, and the home page of a province or country scope: their summaries), resolved by
   ``ReplicaReadMiddleware``. Celery tasks, sweeps, management commands, every POST and every other
   page read the primary;
3. the request has not written yet: the first write (``db_for_write``) of a model that the replica
   would serve turns the rest of the request to the primary, so a request never reads past its own
   write;
4. the primary connection is not inside an application transaction (``atomic``): a read in a
   transaction belongs to the transaction's snapshot (and its locks), on the primary;
5. the browser is not pinned: a request that wrote (or any POST/PUT/PATCH/DELETE) sets a short-lived
   cookie (``REPLICA_PIN_SECONDS``, default 10 s, far above streaming replication's usual
   milliseconds of lag) and the same browser's next requests read the primary while it lives. So
   "I submitted, then opened the dashboard" shows the submission; an anonymous visitor who only
   reads never gets pinned;
6. the model is not one of ``REPLICA_PRIMARY_ONLY_APPS`` (sessions, accounts, authentication,
   second-factor devices, API tokens, admin log): identity and session state are always read fresh.
   Writes to those (the session's idle-timeout stamp on every page, ``last_login``) do not count as
   the request's write under 3., since those rows are never read from the replica.

Writes always go to ``default``; migrations run on ``default`` only (the replica is a physical
copy). Row-level security holds on both aliases: the replica alias uses the same engine
(``core.db``), whose execute wrapper sends the active tenant scope as ``app.tenant`` on whichever
connection runs the statement (``set_config`` is allowed on a hot standby).
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA_ALIAS = "replica"
PIN_COOKIE = "db_pin"
# Safe defaults; settings may extend them.
PRIMARY_ONLY_APPS = frozenset({
    "sessions", "auth", "accounts", "admin", "otp_totp", "otp_static", "django_otp", "authtoken",
})


@dataclass
class ReadState:
    """One request's routing state."""

    eligible: bool = False  # the view opted in (rule 2) and the browser is not pinned (rule 5)
    wrote: bool = False  # rule 3


_state: ContextVar[ReadState | None] = ContextVar("replica_read_state", default=None)


def replica_configured() -> bool:
    return REPLICA_ALIAS in settings.DATABASES


def primary_only_apps() -> frozenset[str]:
    return PRIMARY_ONLY_APPS | frozenset(getattr(settings, "REPLICA_PRIMARY_ONLY_APPS", ()))


def _in_application_transaction() -> bool:
    """The primary connection is inside an ``atomic`` block the application opened (the test runner's
    own per-test transaction, marked ``_from_testcase``, does not count)."""
    conn = connections[DEFAULT_DB_ALIAS]
    return conn.in_atomic_block and any(not getattr(block, "_from_testcase", False) for block in conn.atomic_blocks)


@contextmanager
def replica_reads(*, eligible: bool = True):
    """Open a routing state for one unit of work (a request; or a read-only report in code)."""
    token = _state.set(ReadState(eligible=eligible))
    try:
        yield _state.get()
    finally:
        _state.reset(token)


def current_state() -> ReadState | None:
    return _state.get()


class ReplicaRouter:
    """``DATABASE_ROUTERS`` entry: see the module docstring for the rule."""

    def db_for_read(self, model, **hints):
        if not replica_configured():
            return DEFAULT_DB_ALIAS
        state = _state.get()
        if (state is None or not state.eligible or state.wrote
                or model._meta.app_label in primary_only_apps() or _in_application_transaction()):
            return DEFAULT_DB_ALIAS
        return REPLICA_ALIAS

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None and model._meta.app_label not in primary_only_apps():
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # one database, two copies of it

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


def _view_opted_in(request) -> bool:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return False
    wanted = getattr(settings, "REPLICA_READ_VIEWS", {})
    if match.view_name not in wanted:
        return False
    levels = wanted[match.view_name]
    if levels is None:  # every scope (public pages, indicators)
        return True
    scope = getattr(request, "tenant_scope", None)
    return scope is not None and scope.level in levels


class ReplicaReadMiddleware:
    """Opens the request's routing state (rule 2 in ``process_view``) and pins the browser to the
    primary after a write (rule 5). Placed before ``SessionMiddleware`` so that every write of the
    request, the session's included, happens inside the state."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replica_configured():
            return self.get_response(request)
        with replica_reads(eligible=False) as state:
            response = self.get_response(request)
            if state.wrote or request.method not in ("GET", "HEAD", "OPTIONS"):
                response.set_cookie(PIN_COOKIE, "1", max_age=int(getattr(settings, "REPLICA_PIN_SECONDS", 10)),
                                    httponly=True, secure=settings.SESSION_COOKIE_SECURE, samesite="Lax")
            return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        state = _state.get()
        if state is not None and not state.wrote:
            state.eligible = (request.method in ("GET", "HEAD") and PIN_COOKIE not in request.COOKIES
                              and _view_opted_in(request))
        return None
