"""Tenancy: every tenant row carries its region and the copied-down province/city/district ids.

The tenant is the health commission that files an institution (normally county level; township
level in cities without counties). A request acts in one ``TenantScope``, opened by
``core.middleware.TenantScopeMiddleware`` from the user's active assignment; Celery tasks and
maintenance code open theirs explicitly with ``tenant_scope(...)`` or ``scopes_disabled()``.

``TenantManager`` is built on django-scopes' state: with no scope active, every query raises
``ScopeError`` instead of returning everything.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

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
class TenantScope:
    """What an actor may see: a whole level of the region tree, or some institutions."""

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

    def q(self, model) -> models.Q | None:
        """The filter that confines ``model`` to this scope (None: no filter)."""
        if self.level == COUNTRY:
            return None
        if self.level in (PROVINCE, CITY, DISTRICT):
            return models.Q(**{f"{self.level}_id": self.region_code})
        path = getattr(model, "tenant_institution_path", None)
        if path is None or not self.institution_ids:
            return models.Q(pk__in=[])
        return models.Q(**{f"{path}__in": sorted(self.institution_ids)})

    def covers_region(self, region) -> bool:
        if self.level == COUNTRY:
            return True
        if self.level in (PROVINCE, CITY, DISTRICT):
            # Regions carry province_id, city_id and tenant_district_id (not district_id).
            attr = "tenant_district_id" if self.level == DISTRICT else f"{self.level}_id"
            return getattr(region, attr, None) == self.region_code or region.code == self.region_code
        return False


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
    if value.level == COUNTRY:
        return ALL_ROWS
    if value.level == INSTITUTION:
        return "institution:" + ",".join(str(pk) for pk in sorted(value.institution_ids))
    return f"{value.level}:{value.region_code}"


def current_scope() -> TenantScope | None:
    state = get_scope()
    if not state.get("_enabled", True):
        return TenantScope.country()
    return state.get(SCOPE_DIMENSION)


@contextmanager
def tenant_scope(value: TenantScope) -> Iterator[None]:
    with scope(**{SCOPE_DIMENSION: value}):
        yield


class TenantQuerySet(models.QuerySet):
    def locked(self):
        return self.select_for_update(of=("self",))


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    """Default manager of every tenant model: filtered by the active scope, failing without one."""

    def get_queryset(self):
        state = get_scope()
        qs = super().get_queryset()
        if not state.get("_enabled", True):
            return qs
        value = state.get(SCOPE_DIMENSION)
        if value is None:
            return DisabledQuerySet(self.model, using=self._db, missing_scopes=[SCOPE_DIMENSION])
        condition = value.q(self.model)
        return qs if condition is None else qs.filter(condition)


class TenantModel(models.Model):
    """Abstract base: the row's region plus the copied-down tenant ids (equality filters only)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                               verbose_name="所在区划")
    province = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="省", editable=False)
    city = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                             verbose_name="市", editable=False, null=True)
    district = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+",
                                 verbose_name="备案机关辖区", editable=False)

    objects = TenantManager()
    # Path from this model to the owning institution's id, for operator (institution) scopes.
    tenant_institution_path: str | None = None

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.region_id and not self.district_id:
            self.set_region(self.region)
        super().save(*args, **kwargs)

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
    "CITY", "COUNTRY", "DISTRICT", "INSTITUTION", "PROVINCE", "ScopeError", "TenantManager",
    "TenantModel", "TenantScope", "current_scope", "scopes_disabled", "tenant_models", "tenant_scope",
    "tenant_setting",
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
