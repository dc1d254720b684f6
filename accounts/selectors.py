"""Reads of users, assignments and the scope an assignment grants."""

from __future__ import annotations

from django.db.models import Q

from core.errors import DomainError
from core.tenancy import REGION_TREE, TenantPaths, TenantScope, scope_filter

from .models import Assignment, User, active_assignments_query
from .roles import COUNTRY_CODE, REVIEWERS, Role


def active_assignments(user: User) -> list[Assignment]:
    """The user's active assignments, loaded once per user object (``User.active_assignments``)."""
    return user.active_assignments


def user_with_assignments(user_id) -> User | None:
    """The user with this id, their active assignments already read (``User.active_assignments``), in
    one query: the assignments with their user, region and institution joined. Every signed-in page
    reads both (the session's user, then the role it acts in); a user without an active assignment
    costs a second, plain read."""
    rows = list(active_assignments_query(user_id).select_related("user"))
    if not rows:
        return User._default_manager.filter(pk=user_id).first()
    user = rows[0].user
    for assignment in rows:
        assignment.user = user  # one user object, as ``user.active_assignments`` gives
    user.__dict__["active_assignments"] = rows  # the cached_property's value
    return user


def assignments_of(user: User) -> list[Assignment]:
    return list(active_assignments_query(user.pk))


def assignment_for_session(user: User, assignment_id: int | None) -> Assignment | None:
    # The request's user object loads its assignments once: the menu (``core.context_processors``)
    # and the permission checks read the same list, so a page pays one query for them.
    assignments = active_assignments(user)
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


def role_conflict(*, user: User, role: str) -> DomainError | None:
    """Why ``user`` may not hold ``role`` next to the roles they hold (None: they may).

    An operator account is never also a commission, administrative or machine account, and a
    machine (interface) account holds only the registration authority role: nobody files for an
    institution and decides on that filing, and an interface key never acts as a person.
    """
    if bool(user.is_machine) != (role == Role.REGISTRATION_AUTHORITY):
        message = ("接口账号只能担任“登记机关（接口账号）”角色。" if user.is_machine
                   else "“登记机关（接口账号）”角色只能授予接口账号，请新建专用的接口账号。")
        return DomainError("machine_account_role", message, fields={"role": [("machine_account_role", message)]},
                           status_code=403)
    if not user.pk:
        return None
    held = Assignment.objects.filter(user=user, is_active=True)
    held = held.exclude(role=Role.OPERATOR) if role == Role.OPERATOR else held.filter(role=Role.OPERATOR)
    other = held.values_list("role", flat=True).first()
    if other:
        message = (f"该账号已担任“{Role(other).label}”，不能再担任“{Role(role).label}”："
                   "机构举办者账号与卫生健康部门、管理或接口账号必须分开。")
        return DomainError("operator_role_conflict", message,
                           fields={"role": [("operator_role_conflict", message)]}, status_code=403)
    return None


def roles_of_users(user_ids) -> dict[int, list[str]]:
    """{user id: roles of their active assignments, in the order granted, each once} (one query)."""
    roles: dict[int, list[str]] = {}
    for user_id, role in (Assignment.objects.filter(user_id__in=list(user_ids), is_active=True)
                          .order_by("user_id", "id").values_list("user_id", "role")):
        held = roles.setdefault(user_id, [])
        if role not in held:
            held.append(role)
    return roles


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


def inspectors_by_district(district_ids) -> dict[str, list[User]]:
    """The inspectors and admins of each district (they record and verify inspections): one query."""
    return _people_by("region_id", set(district_ids), role__in=(Role.DISTRICT_INSPECTOR, Role.DISTRICT_ADMIN))


def admins_by_district(district_ids) -> dict[str, list[User]]:
    """The admins of each district (escalations go to them): one query."""
    return _people_by("region_id", set(district_ids), role=Role.DISTRICT_ADMIN)
def district_staff(district_id: str, roles) -> list[User]:
    """The active people holding one of ``roles`` in the district ``district_id`` (e.g. who may be
    assigned a complaint), each once, in the order they were granted."""
    return _people_by("region_id", [district_id], role__in=list(roles))[district_id]
