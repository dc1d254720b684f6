"""Reads of users, assignments and the scope an assignment grants."""

from __future__ import annotations

from django.db.models import Q

from core.tenancy import TenantScope

from .models import Assignment, User
from .roles import COUNTRY_CODE, REVIEWERS, Role


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


# --- who is told (notification recipients) ----------------------------------------------------------
# Active people holding an active assignment, each once per key, in the order they were granted.

def _people_by(key: str, values, **condition) -> dict:
    people: dict = {v: [] for v in values}
    if not people:
        return people
    seen: set = set()
    for a in (Assignment.objects.filter(is_active=True, user__is_active=True, **{f"{key}__in": list(people)},
                                        **condition).select_related("user").order_by("id")):
        value = getattr(a, key)
        if (value, a.user_id) not in seen:
            seen.add((value, a.user_id))
            people[value].append(a.user)
    return people


def operators_by_institution(institution_ids) -> dict[int, list[User]]:
    """The operators (举办者/负责人) of each institution: ``{institution_id: [users]}``, one query."""
    return _people_by("institution_id", set(institution_ids), role=Role.OPERATOR)


def reviewers_by_district(district_ids) -> dict[str, list[User]]:
    """The reviewers and admins of each filing district: ``{district_id: [users]}``, one query."""
    return _people_by("region_id", set(district_ids), role__in=REVIEWERS)


def operators_of(institution_id: int) -> list[User]:
    return operators_by_institution([institution_id])[institution_id]


def reviewers_of(district_id: str) -> list[User]:
    return reviewers_by_district([district_id])[district_id]
