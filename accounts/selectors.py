"""Reads of users, assignments and the scope an assignment grants."""

from __future__ import annotations

from core.tenancy import TenantScope

from .models import Assignment, User
from .roles import COUNTRY_CODE, Role


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
