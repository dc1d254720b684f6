"""The city admin's home page (市级管理员): budgets across the city's districts and the claims waiting
for the city's approval."""

from __future__ import annotations

from django.utils import timezone

from .models import SubsidyClaimStatus
from .selectors.claims import claim_list
from .selectors.policies import budgets_visible


def city_home(request) -> dict:
    return {"budgets": budgets_visible(getattr(request, "tenant_scope", None), year=timezone.localdate().year),
            "waiting": claim_list(status=SubsidyClaimStatus.DISTRICT_APPROVED)[:20]}

