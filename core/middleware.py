"""Request middleware: audit context for pghistory, and the tenant scope from the active assignment."""

from __future__ import annotations

import pghistory
from django.core.handlers.asgi import ASGIRequest as DjangoASGIRequest
from django.core.handlers.wsgi import WSGIRequest as DjangoWSGIRequest
from django.db import connection
from pghistory.middleware import ASGIRequest, HistoryMiddleware, WSGIRequest

from .audit import client_ip
from .tenancy import TenantScope, tenant_scope

SESSION_ASSIGNMENT_KEY = "active_assignment_id"


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
    from accounts.selectors import assignment_for_session

    return assignment_for_session(request.user, request.session.get(SESSION_ASSIGNMENT_KEY))


def scope_for_assignment(assignment) -> TenantScope:
    from accounts.selectors import scope_of

    return scope_of(assignment)


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
            assignment = active_assignment(request)
        request.assignment = assignment
        value = scope_for_assignment(assignment) if assignment else TenantScope.nothing()
        request.tenant_scope = value
        with tenant_scope(value):
            return self.get_response(request)
