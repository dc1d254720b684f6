"""Who may act on what: a role held by the actor in a scope that covers the object.

Services call ``require_role(actor, roles, obj)``; selectors already confine reads to the
request's scope, so this is the second question: does the actor hold a *role* allowed to do it
there. An object outside every scope of the actor is 404 (no existence leak); inside scope but with
the wrong role is 403. Scopes come from ``core.assignments``; whether one covers ``obj`` is
``TenantScope.covers`` (the object's tenant columns, or its institution for operators).

In a request the actor acts through ONE assignment, the active one (chosen in the session, or the
``X-Assignment`` header of a token call): the middleware and ``core.api.TenantScopedMixin`` pin it
on the user with ``act_as``, and only that assignment is judged, never the other roles the person
holds. Code outside a request (commands, tasks, tests) that pins nothing is judged on every active
assignment of the actor.
"""

from __future__ import annotations

from collections.abc import Iterable

from . import assignments
from .errors import NotFound, PermissionDenied

_UNPINNED = object()
ACTING_ATTRIBUTE = "acting_assignment"


def act_as(user, assignment) -> None:
    """Pin the assignment ``user`` acts through in this request (None: acts through none)."""
    if user is not None and getattr(user, "is_authenticated", False):
        setattr(user, ACTING_ATTRIBUTE, assignment)


def acting_assignments(actor) -> list:
    """The assignments an actor's action is judged on: the pinned active one, else every active one."""
    pinned = getattr(actor, ACTING_ATTRIBUTE, _UNPINNED)
    if pinned is not _UNPINNED:
        return [pinned] if pinned is not None else []
    return list(assignments.assignments_of(actor))


def covers(assignment, obj) -> bool:
    return assignments.scope_of(assignment).covers(obj)


def roles_for(actor, obj) -> set[str]:
    """The roles of the actor's acting assignment(s) whose scope covers ``obj``."""
    return {a.role for a in acting_assignments(actor) if covers(a, obj)}


def require_role(actor, roles: Iterable[str], obj, message: str = "您没有执行该操作的权限。") -> str:
    """Return the role the actor acts in; raise NotFound outside scope, PermissionDenied for the wrong role."""
    held = roles_for(actor, obj)
    if not held:
        raise NotFound()
    allowed = held & set(roles)
    if not allowed:
        raise PermissionDenied(message)
    return sorted(allowed)[0]


def require_role_anywhere(actor, roles: Iterable[str], message: str = "您没有执行该操作的权限。") -> str:
    """For a write whose object comes in its body (a new record): the actor acts in one of ``roles``
    somewhere, else PermissionDenied. The service still checks the role over the object itself."""
    allowed = {a.role for a in acting_assignments(actor)} & set(roles)
    if not allowed:
        raise PermissionDenied(message)
    return sorted(allowed)[0]


def roles_at_region(actor, region) -> set[str]:
    """The roles of the actor's acting assignment(s) held exactly at ``region`` (a reference row set
    for one region — a city's or a district's subsidy policy — is written by that region's own
    roles, not by those above or below it)."""
    code = getattr(region, "code", region)
    return {a.role for a in acting_assignments(actor) if getattr(a, "region_id", None) == code}


def require_role_at_region(actor, roles: Iterable[str], region, message: str = "您没有执行该操作的权限。") -> str:
    """As ``require_role`` for a region's own reference rows: NotFound when no acting assignment is
    held at ``region`` (nor covers it), PermissionDenied when the roles held there are not allowed."""
    held = roles_at_region(actor, region)
    if not held:
        if any(assignments.scope_of(a).covers_region(region) for a in acting_assignments(actor)):
            raise PermissionDenied(message)
        raise NotFound()
    allowed = held & set(roles)
    if not allowed:
        raise PermissionDenied(message)
    return sorted(allowed)[0]
