"""Reads of users, assignments and the scope an assignment grants."""

from __future__ import annotations

from django.db.models import Q

from core.tenancy import REGION_TREE, TenantPaths, TenantScope, scope_filter

from .models import Assignment, User
from .roles import COUNTRY_CODE, Role


def active_assignments(user: User) -> list[Assignment]:
    """The user's active assignments, loaded once per user object (``User.active_assignments``)."""
    return user.active_assignments


def assignments_of(user: User) -> list[Assignment]:
    return list(user.assignments.filter(is_active=True).select_related("region", "institution")
                .order_by("id"))


def assignment_for_session(user: User, assignment_id: int | None) -> Assignment | None:
    assignments = assignments_of(user)
    for a in assignments:
        if a.pk == assignment_id:
            return a
    return assignments[0] if assignments else None


def scope_of(assignment: Assignment) -> TenantScope:
    if assignment.role == Role.OPERATOR:
        return TenantScope.for_institutions([assignment.institution_id])
    if assignment.region_id is None or assignment.region_id == COUNTRY_CODE:
        return TenantScope.country()
    return TenantScope.for_region(assignment.region)


def assignment_scope_q(scope: TenantScope | None, prefix: str = "") -> Q | None:
    """Assignments granted inside ``scope`` (None: no filter, the whole country).

    A region assignment is inside when its region is the scope's region or lies under it; an
    operator assignment when its institution's filing district lies under it.
    """
    return scope_filter(scope, REGION_TREE.under(f"{prefix}region__"), TenantPaths().under(f"{prefix}institution__"))


def user_scope_q(scope: TenantScope | None, field: str = "pk") -> Q | None:
    """Rows whose ``field`` is a user holding at least one assignment (active or not) inside ``scope``
    (None: no filter, the whole country)."""
    condition = assignment_scope_q(scope)
    if condition is None:
        return None
    return Q(**{f"{field}__in": Assignment.objects.filter(condition).values("user_id")})
