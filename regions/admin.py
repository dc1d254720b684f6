"""Auditor-facing admin for regions, read-only (built on ``core.admin.ReadOnlyScopedAdmin``).

The tree is loaded by ``manage.py load_regions``, population by ``manage.py import_population``;
nothing is edited here. The region tree is public reference data: every admin-site role sees all
of it. Population and policy parameters (and their audit events) are shown for the regions in
the actor's scope and for the regions above it (whose parameters apply to it).
"""

from __future__ import annotations

from django.apps import apps
from django.contrib import admin
from django.db import models

from core.admin import EventAdmin, ReadOnlyScopedAdmin
from core.admin_site import admin_site
from core.tenancy import REGION_TREE, scope_filter

from .models import PolicyParameter, Population, Region


def region_fk_scope_q(scope, prefix: str = "region") -> models.Q | None:
    """Rows whose ``region`` is in ``scope`` or above it; None = no filter (country). Institution
    scopes (operators) see none of this."""
    within = scope_filter(scope, REGION_TREE.under(f"{prefix}__"))
    if within is None:
        return None
    region = Region.objects.filter(code=scope.region_code).first() if scope and scope.region_code else None
    above = [c for c in (region.parent_id, region.city_id, region.province_id) if c] if region else []
    return (within | models.Q(**{f"{prefix}_id__in": above})) if above else within


class RegionScopedMixin:
    def scope_q(self, request):
        return region_fk_scope_q(getattr(request, "tenant_scope", None))


@admin.register(Region, site=admin_site)
class RegionAdmin(ReadOnlyScopedAdmin):
    list_display = ["code", "name", "level", "full_name", "tenant_district"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]

    def scope_q(self, request):
        return None  # public reference data


@admin.register(Population, site=admin_site)
class PopulationAdmin(RegionScopedMixin, ReadOnlyScopedAdmin):
    list_display = ["region", "year", "population", "source"]
    list_filter = ["year"]
    search_fields = ["region__code", "region__name"]
    list_select_related = ["region"]


@admin.register(PolicyParameter, site=admin_site)
class PolicyParameterAdmin(RegionScopedMixin, ReadOnlyScopedAdmin):
    list_display = ["region", "key", "value", "note", "updated_at"]
    list_filter = ["key"]
    search_fields = ["region__code", "region__name", "key"]
    list_select_related = ["region"]


@admin.register(apps.get_model("regions", "PopulationHistory"), site=admin_site)
class PopulationHistoryAdmin(RegionScopedMixin, EventAdmin):
    pass


@admin.register(apps.get_model("regions", "PolicyParameterHistory"), site=admin_site)
class PolicyParameterHistoryAdmin(RegionScopedMixin, EventAdmin):
    pass
