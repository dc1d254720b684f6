"""Auditor-facing admin for regions: read-only (the tree is loaded by ``load_regions``,
population by ``import_population``, policy parameters through their service)."""

from django.contrib import admin

from core.admin_site import admin_site

from .models import PolicyParameter, Population, Region


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only; h3 may replace this with the shared base class from core/admin.py."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return admin_site.has_permission(request)


@admin.register(Region, site=admin_site)
class RegionAdmin(ReadOnlyAdmin):
    list_display = ["code", "name", "level", "full_name", "tenant_district"]
    list_filter = ["level"]
    search_fields = ["code", "name", "full_name"]
    raw_id_fields = ["parent", "province", "city", "tenant_district"]
    list_select_related = ["tenant_district"]
    show_full_result_count = False


@admin.register(Population, site=admin_site)
class PopulationAdmin(ReadOnlyAdmin):
    list_display = ["region", "year", "population", "source"]
    list_filter = ["year"]
    search_fields = ["region__code", "region__name"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]


@admin.register(PolicyParameter, site=admin_site)
class PolicyParameterAdmin(ReadOnlyAdmin):
    list_display = ["region", "key", "value", "note", "updated_at"]
    list_filter = ["key"]
    search_fields = ["region__code", "region__name", "key"]
    raw_id_fields = ["region"]
    list_select_related = ["region"]
