"""Who may act on what: a role held by the actor in a scope that covers the object.

Services call ``require_role(actor, roles, obj)``; selectors already confine reads to the
request's scope, so this is the second question: does the actor hold a *role* allowed to do it
there. An object outside every scope of the actor is 404 (no existence leak); inside scope but with
the wrong role is 403. Scopes come from ``core.assignments``; whether one covers ``obj`` is
``TenantScope.covers`` (the object's tenant columns, or its institution for operators).
"""

from __future__ import annotations

from collections.abc import Iterable

from . import assignments
from .errors import NotFound, PermissionDenied


def covers(assignment, obj) -> bool:
    return assignments.scope_of(assignment).covers(obj)


def roles_for(actor, obj) -> set[str]:
    """The actor's roles whose scope covers ``obj``."""
    return {a.role for a in assignments.assignments_of(actor) if covers(a, obj)}


def require_role(actor, roles: Iterable[str], obj, message: str = "您没有执行该操作的权限。") -> str:
    """Return the role the actor acts in; raise NotFound outside scope, PermissionDenied for the wrong role."""
    held = roles_for(actor, obj)
    if not held:
        raise NotFound()
    allowed = held & set(roles)
    if not allowed:
        raise PermissionDenied(message)
    return sorted(allowed)[0]
