"""Tenancy: every tenant row carries its region and the copied-down province/city/district ids.

The tenant is the health commission that files an institution (normally county level; township
level in cities without counties). A request acts in one ``TenantScope``, opened by
``core.middleware.TenantScopeMiddleware`` from the user's active assignment; Celery tasks and
maintenance code open theirs explicitly with ``tenant_scope(...)`` or ``scopes_disabled()``.

``TenantManager`` is built on django-scopes' state: with no scope active, every query raises
``ScopeError`` instead of returning everything.

How an app uses it: subclass ``TenantModel``; a row below another tenant row names that foreign key
in ``tenant_parent`` (its region ids are then copied on save and ``bulk_create``) and says how it
reaches its institution in ``tenant_institution_path`` (for operators' scopes and row security).
Read through the default manager (already confined); to ask what a scope covers, use
``TenantScope.q``/``filter``/``covers`` with ``TenantPaths``, all interpreted by ``scope_criteria``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import reduce

from django.db import models
from django_scopes import ScopeError, get_scope, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet

SCOPE_DIMENSION = "tenant"

COUNTRY = "country"
PROVINCE = "province"
CITY = "city"
DISTRICT = "district"
INSTITUTION = "institution"


@dataclass(frozen=True)
class TenantPaths:
    """Where rows of a model keep the codes a scope is compared with: ``__``-separated lookup paths
    (usable in ``filter()`` and, attribute by attribute, on an instance); None where the model cannot
    be placed at that level (a scope of that level then sees none of its rows).

    The default is a ``TenantModel``'s own copied-down columns; ``REGION_TREE`` is the region table's.
    """

    province: str | None = "province_id"
    city: str | None = "city_id"
    district: str | None = "district_id"
    institution: str | None = None
    # A region row itself: inside the scope of exactly that region as well as those above it.
    own_region: str | None = None

    def under(self, prefix: str) -> TenantPaths:
        """The same paths reached through a relation (``prefix`` ends with ``__``)."""
        return TenantPaths(*(None if p is None else prefix + p for p in
                             (self.province, self.city, self.district, self.institution, self.own_region)))


# The region tree (``regions.Region``): a region is in a district scope through its tenant district.
REGION_TREE = TenantPaths(province="province_id", city="city_id", district="tenant_district_id", own_region="code")
NO_PATHS = TenantPaths(province=None, city=None, district=None)


# ``tenant_institution_path`` of rows that no institution owns and no operator may see (a blacklist
# entry, a blacklist hit kept for the commissions): an operator's scope covers none of them, in the
# ORM (``scope_criteria``) and in row security (``core.db.rls.institution_sql``) alike. Said
# explicitly, so that a model that forgot its path still fails the tenancy meta-test.
NO_INSTITUTION = "<no institution>"


def institution_path(model) -> str | None:
    """The lookup path from ``model`` to its institution's id; None for a ``NO_INSTITUTION`` model."""
    path = getattr(model, "tenant_institution_path", None)
    return None if path == NO_INSTITUTION else path


def tenant_paths(model) -> TenantPaths:
    """A tenant model's paths: its own province/city/district columns and its institution path."""
    return TenantPaths(institution=institution_path(model))


def scope_criteria(scope: TenantScope | None, *paths: TenantPaths) -> list[tuple[str, frozenset]] | None:
    """The one interpretation of a scope: which rows (reached by ``paths``) it covers.

    None: every row (a country scope). Otherwise a list of ``(path, accepted values)``, any of which
    places a row inside; an empty list: no row (no scope, the empty scope, or a level ``paths`` cannot
    place). Every filter and check on a scope (``TenantScope.q``/``filter``/``covers``, the admin,
    permissions, account scoping) goes through here; the database's twin is ``core.db.rls``.
    """
    if scope is None:
        return []
    if scope.level == COUNTRY:
        return None
    out: list[tuple[str, frozenset]] = []
    for p in paths:
        if scope.level == INSTITUTION:
            if p.institution and scope.institution_ids:
                out.append((p.institution, scope.institution_ids))
            continue
        for path in (getattr(p, scope.level), p.own_region):
            if path and scope.region_code:
                out.append((path, frozenset({scope.region_code})))
    return out


def scope_filter(scope: TenantScope | None, *paths: TenantPaths) -> models.Q | None:
    """``scope_criteria`` as a filter; None means no filter."""
    criteria = scope_criteria(scope, *paths)
    if criteria is None:
        return None
    terms = [models.Q(**{path: next(iter(values))}) if len(values) == 1 else models.Q(**{f"{path}__in": sorted(values)})
             for path, values in criteria]
    return reduce(operator.or_, terms) if terms else models.Q(pk__in=[])


def _resolve(obj, path: str):
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        value = getattr(value, part, None)
    return value


def scope_covers(scope: TenantScope | None, obj, *paths: TenantPaths) -> bool:
    """``scope_criteria`` applied to one object in Python (the object's own paths by default)."""
    criteria = scope_criteria(scope, *(paths or (tenant_paths(type(obj)),)))
    if criteria is None:
        return True
    return any(_resolve(obj, path) in values for path, values in criteria)


@dataclass(frozen=True)
class TenantScope:
    """What an actor may see: a whole level of the region tree, or some institutions.

    Build one with the constructors; ask what it covers through ``q``/``filter``/``covers`` (all
    interpreted by ``scope_criteria``), never by reading ``level`` and ``region_code`` yourself.
    """

    level: str
    region_code: str | None = None
    institution_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def country(cls) -> TenantScope:
        return cls(COUNTRY)

    @classmethod
    def for_region(cls, region) -> TenantScope:
        return cls(region.tenant_level, region.code)

    @classmethod
    def for_institutions(cls, ids) -> TenantScope:
        return cls(INSTITUTION, None, frozenset(ids))

    @classmethod
    def nothing(cls) -> TenantScope:
        return cls(INSTITUTION, None, frozenset())

    @property
    def unrestricted(self) -> bool:
        """Covers every row (the whole country)."""
        return scope_criteria(self, TenantPaths()) is None

    def q(self, model) -> models.Q | None:
        """The filter that confines ``model`` (a tenant model) to this scope (None: no filter)."""
        return scope_filter(self, tenant_paths(model))

    def filter(self, *paths: TenantPaths) -> models.Q | None:
        """The filter for rows reached by ``paths`` (any of them places a row inside); None: no filter."""
        return scope_filter(self, *paths)

    def covers(self, obj, *paths: TenantPaths) -> bool:
        return scope_covers(self, obj, *paths)

    def covers_region(self, region) -> bool:
        """The region is this scope's region or lies under it."""
        return scope_covers(self, region, REGION_TREE)

    def as_setting(self) -> str:
        """This scope as the session setting ``app.tenant`` that ``core.db.rls``'s SQL interprets:
        ``*``, ``district:330106`` (or ``city:``/``province:``), ``institution:1,2``, ``institution:``."""
        criteria = scope_criteria(self, _SETTING_KINDS)
        if criteria is None:
            return ALL_ROWS
        if not criteria:
            return "institution:"
        ((kind, values),) = criteria
        return f"{kind}:" + ",".join(str(v) for v in sorted(values))


# The setting names each level after itself (see ``TenantScope.as_setting``).
_SETTING_KINDS = TenantPaths(province=PROVINCE, city=CITY, district=DISTRICT, institution=INSTITUTION)
ALL_ROWS = "*"


def tenant_setting() -> str:
    """The active scope as the database session setting ``app.tenant`` that row security reads.

    ``*``: every row (scopes disabled, a country scope, or code outside any scope: migrations,
    maintenance commands, test set-up; requests and tasks always open a scope);
    ``district:330106`` / ``city:…`` / ``province:…``; ``institution:1,2`` (operators);
    ``institution:`` (the empty scope: no rows).
    """
    state = get_scope()
    if not state or not state.get("_enabled", True):
        return ALL_ROWS
    value = state.get(SCOPE_DIMENSION)
    if value is None:
        return "institution:"
    return value.as_setting()


@contextmanager
def tenant_scope(value: TenantScope) -> Iterator[None]:
    with scope(**{SCOPE_DIMENSION: value}):
        yield


class TenantQuerySet(models.QuerySet):
    def locked(self):
        return self.select_for_update(of=("self",))

    def bulk_create(self, objs, *args, **kwargs):
        """As Django's, after each new row has taken its tenant ids (``TenantModel.copy_tenant``)."""
        objs = list(objs)
        for obj in objs:
            if not obj.district_id:
                obj.copy_tenant()
        return super().bulk_create(objs, *args, **kwargs)


# (model, database alias, scope) -> the scope's filtered query, compiled once and copied per use:
# every manager access (``Filing.objects``, ``filing.classes``, each prefetch) would otherwise build the
# scope's Q and resolve it (``add_q``) anew, 30-40 times for a review page. Bounded: emptied when
# full (plain dict operations: safe between threads). The key holds the whole scope (level, region, institution ids), so one scope's
# filter is never handed to another (``tests/core/test_tenancy.py``).
_SCOPED_QUERIES: dict[tuple, object] = {}
SCOPED_QUERIES_MAX = 2048


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of every tenant model: filtered by the active scope, failing without one."""

    def get_queryset(self):
        state = get_scope()
        if not state.get("_enabled", True):
            return super().get_queryset()
        value = state.get(SCOPE_DIMENSION)
        if value is None:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes=[SCOPE_DIMENSION])
        key = (self.model, self._db, value)
        query = _SCOPED_QUERIES.get(key)
        if query is None:
            qs = super().get_queryset()
            condition = value.q(self.model)
            if condition is not None:
                qs = qs.filter(condition)
            if len(_SCOPED_QUERIES) >= SCOPED_QUERIES_MAX:
                _SCOPED_QUERIES.clear()
            _SCOPED_QUERIES[key] = qs.query.chain()
            return qs
        return self._queryset_class(model=self.model, query=query.chain(), using=self._db, hints=self._hints)


class TenantModel(models.Model):
    """Abstract base: the row's region plus the copied-down tenant ids (equality filters only).

    A root row (an institution, a registration) is placed with ``set_region``. Every other row names
    the foreign key it belongs under in ``tenant_parent`` and takes its ids from that parent when first
    saved (``save``, ``objects.bulk_create``), so services never copy them by hand.
    """

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="所在区划")
    province = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="省", editable=False)
    city = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                             verbose_name="市", editable=False, null=True)
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="备案机关辖区", editable=False)

    objects = TenantManager()
    # The foreign key to the tenant row this one belongs under ("filing", "institution"); None: a root.
    tenant_parent: str | None = None
    # Path from this model to the owning institution's id, for operator (institution) scopes;
    # ``NO_INSTITUTION`` for rows no operator may see.
    tenant_institution_path: str | None = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self.district_id:
            self.copy_tenant()
        super().save(*args, **kwargs)

    def copy_tenant(self) -> None:
        """Fill region/province/city/district: from ``tenant_parent``, or for a root from ``region``."""
        if self.tenant_parent:
            parent = getattr(self, self.tenant_parent)
            self.region_id, self.province_id = parent.region_id, parent.province_id
            self.city_id, self.district_id = parent.city_id, parent.district_id
        elif self.region_id:
            self.set_region(self.region)

    def set_region(self, region) -> None:
        """Set region and copy down province/city/district from the region tree."""
        self.region = region
        self.province_id = region.province_id or region.code
        self.city_id = region.city_id
        self.district_id = region.tenant_district_code


def tenant_models() -> list[type[models.Model]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, TenantModel)]


__all__ = [
    "CITY", "COUNTRY", "DISTRICT", "INSTITUTION", "NO_INSTITUTION", "NO_PATHS", "PROVINCE", "REGION_TREE", "ScopeError",
    "TenantManager", "TenantModel", "TenantPaths", "TenantScope", "institution_path", "scope_covers", "scope_criteria",
    "scope_filter", "scopes_disabled", "tenant_models", "tenant_paths", "tenant_scope", "tenant_setting",
]


def activate(value: TenantScope) -> None:
    """Replace the active tenant scope in place (only inside an enclosing ``tenant_scope``).

    Used by the API layer once DRF has authenticated a token user, after the middleware has
    already opened the request's (empty) scope; the middleware restores the previous state.
    """
    from django_scopes.state import state

    current = dict(state.get() or {})
    current["_enabled"] = True
    current[SCOPE_DIMENSION] = value
    state.set(current)
