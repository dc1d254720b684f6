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


def roles_of_users(user_ids) -> dict[int, list[str]]:
    """{user id: the roles of their active assignments, in the order granted} (one query for all;
    the audit pages name the actors' current roles with it)."""
    resolver = _registered()
    return resolver.roles_of_users(user_ids) if resolver.roles_of_users else {}
