"""Subsidy rows in the auditor admin: read-only, scoped to the actor (``core.admin.register_app_models``),
each with its history. Writes go through ``subsidies.services``, never the admin.

Policies, guided prices and budgets are reference rows of a region (a city's or a district's): an
auditor reads those of their region and the regions under it (``RegionRowAdmin``)."""

from core.admin import ReadOnlyScopedAdmin, register_app_models
from core.tenancy import REGION_TREE, scope_filter

from .models import GuidedPrice, SubsidyBudget, SubsidyPolicy


class RegionRowAdmin(ReadOnlyScopedAdmin):
    """Rows of a region: in an auditor's scope when the region is their region or lies under it."""

    list_display = ("__str__", "region")

    def scope_q(self, request):
        return scope_filter(getattr(request, "tenant_scope", None), REGION_TREE.under("region__"))


register_app_models("subsidies", overrides={SubsidyPolicy: RegionRowAdmin, GuidedPrice: RegionRowAdmin,
                                            SubsidyBudget: RegionRowAdmin})
