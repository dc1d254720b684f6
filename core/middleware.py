"""Request middleware: malformed input refused early, audit context for pghistory, and the tenant
scope from the active assignment."""

from __future__ import annotations

import pghistory
from django.core.handlers.asgi import ASGIRequest as DjangoASGIRequest
from django.core.handlers.wsgi import WSGIRequest as DjangoWSGIRequest
from django.db import connection
from pghistory.middleware import ASGIRequest, HistoryMiddleware, WSGIRequest

from . import assignments
from .audit import client_ip
from .permissions import act_as
from .tenancy import TenantScope, tenant_scope

ADMIN_PREFIX = "/admin/"

SESSION_ASSIGNMENT_KEY = "active_assignment_id"


class RequestGuardMiddleware:
    """Refuses (400: the API error shape, or the Chinese page) a request whose path or query string
    carries a NUL character: PostgreSQL text cannot hold one, so it would otherwise fail deep in a
    query as a 500. Form and JSON fields are refused by their validators (Django forms and DRF
    both reject NUL), so only what views read straight from the URL needs this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path_info or any(
                "\x00" in key or any("\x00" in value for value in values) for key, values in request.GET.lists()):
            from .views import bad_request

            return bad_request(request, None)
        return self.get_response(request)


class _RecordsRole:
    """A request that adds the role it acts through to the pghistory context as soon as the
    assignment is known (``TenantScopeMiddleware`` for sessions, ``core.api`` for token users), as
    pghistory's own request class does for ``user``."""

    def __setattr__(self, attr, value):
        if attr == "assignment":
            pghistory.context(role=getattr(value, "role", None))
        super().__setattr__(attr, value)


class AuditWSGIRequest(_RecordsRole, WSGIRequest):
    pass


class AuditASGIRequest(_RecordsRole, ASGIRequest):
    pass


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory context on every write request: user, role, path, client IP (recorded in each event)."""

    def get_context(self, request):
        user = getattr(request, "user", None)
        user_id = (user._meta.pk.get_db_prep_value(user.pk, connection)
                   if user is not None and getattr(user, "is_authenticated", False) else None)
        return {"user": user_id, "url": request.path, "ip": client_ip(request), "method": request.method}

    def __call__(self, request):
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return self.get_response(request)
        with pghistory.context(**self.get_context(request)):
            if isinstance(request, DjangoWSGIRequest):  # pragma: no branch
                request.__class__ = AuditWSGIRequest
            elif isinstance(request, DjangoASGIRequest):  # pragma: no cover
                request.__class__ = AuditASGIRequest
            return self.get_response(request)


def active_assignment(request):
    """The assignment the user acts through (chosen in the session; the first one otherwise)."""
    return assignments.choose(request.user, request.session.get(SESSION_ASSIGNMENT_KEY))


class TenantScopeMiddleware:
    """Opens the django-scopes tenant scope for the whole request.

    Session users get it from their active assignment. API token users are authenticated later
    by DRF, so ``core.api.ScopedAPIView`` opens theirs; until then the scope is "nothing".
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        assignment = None
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            if getattr(request.user, "is_machine", False) and not request.path_info.startswith("/api/"):
                # Interface accounts use the API with a token; they have no pages (not even a session).
                from django.core.exceptions import PermissionDenied

                from .views import permission_denied

                request.assignment, request.tenant_scope = None, TenantScope.nothing()
                with tenant_scope(request.tenant_scope):
                    return permission_denied(request, PermissionDenied("接口账号只能通过接口（令牌）访问，不能使用页面。"))
            assignment = active_assignment(request)
            act_as(request.user, assignment)  # services judge this assignment only (core.permissions)
        request.assignment = assignment
        if assignments.writes_refused(assignment, request.method, request.path_info):
            from django.core.exceptions import PermissionDenied

            from .views import permission_denied

            request.tenant_scope = TenantScope.nothing()
            with tenant_scope(request.tenant_scope):
                return permission_denied(request, PermissionDenied(assignments.WRITES_REFUSED_MESSAGE))
        value = assignments.request_scope(assignment, admin_site=request.path_info.startswith(ADMIN_PREFIX))
        request.tenant_scope = value
        with tenant_scope(value):
            return self.get_response(request)
