"""Subsidy rows in the auditor admin: read-only, scoped to the actor (``core.admin.register_app_models``),
each with its history. Writes go through ``subsidies.services``, never the admin.

Policies, guided prices and budgets are reference rows of a region (a city's or a district's): an
auditor reads those of their region and the regions under it (``RegionRowAdmin``)."""

from django.apps import apps

from core.admin import EventAdmin, ReadOnlyScopedAdmin, register_app_models
from core.tenancy import REGION_TREE, scope_filter

from .models import GuidedPrice, SubsidyBudget, SubsidyPolicy


def _region_row_q(request):
    return scope_filter(getattr(request, "tenant_scope", None), REGION_TREE.under("region__"))


class RegionRowAdmin(ReadOnlyScopedAdmin):
    """Rows of a region: in an auditor's scope when the region is their region or lies under it."""

    list_display = ("__str__", "region")

    def scope_q(self, request):
        return _region_row_q(request)


class RegionRowEventAdmin(EventAdmin):
    """The change history of those rows, in the same scope (an event row carries the row's region;
    without this a district auditor saw none of their own district's policy, price or budget history)."""

    def scope_q(self, request):
        return _region_row_q(request)


REGION_ROWS = (SubsidyPolicy, GuidedPrice, SubsidyBudget)
register_app_models("subsidies", overrides={
    **{model: RegionRowAdmin for model in REGION_ROWS},
    **{apps.get_model("subsidies", f"{model.__name__}History"): RegionRowEventAdmin for model in REGION_ROWS}})
