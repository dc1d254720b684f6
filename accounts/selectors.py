"""Reads of users, assignments and the scope an assignment grants."""

from __future__ import annotations

from django.db.models import Q

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


def assignment_scope_q(scope: TenantScope | None, prefix: str = "") -> Q | None:
    """Assignments granted inside ``scope`` (None: no filter, the whole country).

    A region assignment is inside when its region is the scope's region or lies under it; an
    operator assignment when its institution's filing district lies under it.
    """
    from core.tenancy import COUNTRY, DISTRICT

    if scope is None:
        return Q(pk__in=[])
    if scope.level == COUNTRY:
        return None
    if scope.region_code is None:
        return Q(pk__in=[])
    region_field = "tenant_district" if scope.level == DISTRICT else scope.level
    code = scope.region_code
    return (Q(**{f"{prefix}region_id": code}) | Q(**{f"{prefix}region__{region_field}_id": code})
            | Q(**{f"{prefix}institution__{scope.level}_id": code}))


def users_in_scope(scope: TenantScope | None):
    """Users holding at least one assignment (active or not) inside ``scope``."""
    condition = assignment_scope_q(scope)
    if condition is None:
        return User.objects.all()
    return User.objects.filter(pk__in=Assignment.objects.filter(condition).values("user_id"))
