"""Who acts, and in which scope: the kernel's view of a user's role assignments.

The kernel does not import the accounts app. The app that owns assignments (``accounts``) registers
three functions from its ``AppConfig.ready()``::

    from core import assignments
    assignments.register(
        assignments_of=lambda user: user.active_assignments,   # the user's active assignments
        choose=selectors.assignment_for_session,               # (user, wanted id or None) -> one or None
        scope_of=selectors.scope_of,                           # assignment -> TenantScope
    )

An assignment is any object with ``role`` (a ``core.roles.Role`` value). The request middleware
(session users), ``core.api.TenantScopedMixin`` (token users) and ``core.permissions`` ask here;
using them with nothing registered is a configuration error, raised at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from .tenancy import TenantScope


@dataclass(frozen=True)
class _Resolver:
    assignments_of: Callable[[Any], list]
    choose: Callable[[Any, int | None], Any]
    scope_of: Callable[[Any], TenantScope]
    roles_of_users: Callable[[Any], dict] | None = None


_resolver: _Resolver | None = None


def register(*, assignments_of: Callable[[Any], list], choose: Callable[[Any, int | None], Any],
             scope_of: Callable[[Any], TenantScope],
             roles_of_users: Callable[[Any], dict] | None = None) -> None:
    global _resolver
    resolver = _Resolver(assignments_of, choose, scope_of, roles_of_users)
    if _resolver is not None and _resolver != resolver:
        raise ImproperlyConfigured("An assignment resolver is already registered (core.assignments).")
    _resolver = resolver


def _registered() -> _Resolver:
    if _resolver is None:
        raise ImproperlyConfigured("No assignment resolver registered: the accounts app registers it in "
                                   "AppConfig.ready() (core.assignments.register).")
    return _resolver


def assignments_of(user) -> list:
    """The user's active assignments."""
    return _registered().assignments_of(user)


def choose(user, wanted_id: int | None):
    """The assignment the user acts through: ``wanted_id`` if it is one of theirs, else the first."""
    return _registered().choose(user, wanted_id)


def scope_of(assignment) -> TenantScope:
    return _registered().scope_of(assignment)


# 三员分立: the system admin, the security admin and the auditor write only in the admin site (where each
# admin's permissions decide) and on their own account; every other write is refused before any view.
OWN_ACCOUNT_PATHS = ("/admin/", "/accounts/", "/notifications/", "/switch-role/", "/api/v1/auth/token")
WRITES_REFUSED_MESSAGE = "三员分立：系统管理员、安全管理员和审计员不能办理业务，只能在管理后台履行各自职责。"
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def writes_refused(assignment, method: str, path: str) -> bool:
    """Whether this request is a business write by one of the three administrators (``ADMINISTRATIVE_ROLES``)."""
    from .roles import ADMINISTRATIVE_ROLES

    return (assignment is not None and assignment.role in ADMINISTRATIVE_ROLES and method.upper() not in SAFE_METHODS
            and not path.startswith(OWN_ACCOUNT_PATHS))


BUSINESS_REFUSED_MESSAGE = "三员分立：系统管理员和安全管理员不能查阅业务数据。"


def business_refused(assignment) -> bool:
    """Whether this caller is one of the administrators who read no business data at all
    (``NO_BUSINESS_DATA``: the system and security admins; the auditor reads)."""
    from .roles import NO_BUSINESS_DATA

    return assignment is not None and assignment.role in NO_BUSINESS_DATA


def request_scope(assignment, *, admin_site: bool = False) -> TenantScope:
    """The tenant scope a request acts in. 三员分立: outside the admin site the system and security
    admins see no business rows (``NO_BUSINESS_DATA``: the empty scope, so every business object is 404
    to them); in the admin site their region's scope confines the accounts they manage."""
    from .roles import NO_BUSINESS_DATA

    if assignment is None or (assignment.role in NO_BUSINESS_DATA and not admin_site):
        return TenantScope.nothing()
    return scope_of(assignment)


def roles_of_users(user_ids) -> dict[int, list[str]]:
    """{user id: the roles of their active assignments, in the order granted} (one query for all;
    the audit pages name the actors' current roles with it)."""
    resolver = _registered()
    return resolver.roles_of_users(user_ids) if resolver.roles_of_users else {}
