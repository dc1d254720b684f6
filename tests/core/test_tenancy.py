"""Tenancy guarantees that hold for every model, present and future."""

from __future__ import annotations

import pytest
from django.apps import apps
from django_scopes import ScopeError, scopes_disabled

from core.tenancy import TenantManager, TenantModel, TenantScope, tenant_models, tenant_scope
from tests.factories import InstitutionFactory

# Models with a ``district`` foreign key that are deliberately not TenantModels, and why.
EXEMPT_FROM_TENANT_MODEL = {
    "accounts.AuthEvent": "security log: written at login (before any scope), read only in the admin, "
                          "which filters it by district and by users in scope",
    "registry.ReceiptSequence": "a counter per filing district, touched only under lock by the accept service",
}


def _label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def _is_event_model(model) -> bool:
    from pghistory.models import Event

    return issubclass(model, Event)


def test_there_are_tenant_models():
    assert {"registry.Institution", "registry.Filing", "registry.Staff"} <= {_label(m) for m in tenant_models()}


@pytest.mark.parametrize("model", tenant_models(), ids=_label)
def test_default_manager_fails_without_a_scope(model):
    assert isinstance(model._default_manager, TenantManager)
    assert model._default_manager is model.objects
    with pytest.raises(ScopeError):
        list(model.objects.all())
    with pytest.raises(ScopeError):
        model.objects.filter(pk=1).exists()


@pytest.mark.parametrize("model", tenant_models(), ids=_label)
def test_default_manager_filters_under_a_district_scope(model, regions):
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        sql = str(model.objects.all().query)
    assert f'"{model._meta.db_table}"."district_id" = 330106' in sql


@pytest.mark.parametrize("model", tenant_models(), ids=_label)
def test_operator_scope_has_a_path_to_the_institution(model):
    assert model.tenant_institution_path, f"{_label(model)} needs tenant_institution_path for operator scopes"
    scope = TenantScope.for_institutions([7])
    assert scope.q(model) is not None


def test_every_model_with_a_district_is_a_tenant_model_or_exempt():
    offenders = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "district" not in names or issubclass(model, TenantModel):
            continue
        if _is_event_model(model):
            # pghistory copies: append-only, read only through the admin's scope filter
            # (core.admin.region_scope_q), never through a public page or API.
            continue
        if _label(model) not in EXEMPT_FROM_TENANT_MODEL:
            offenders.append(_label(model))
    assert not offenders, f"models with a district FK must subclass TenantModel or be exempt: {offenders}"


def test_scoped_reads_see_only_their_district(regions):
    with scopes_disabled():
        mine = InstitutionFactory(region_id="330106001")
        InstitutionFactory(region_id="330105001")
        township = InstitutionFactory(region_id="330106002")
    from registry.models import Institution

    with tenant_scope(TenantScope.for_region(regions["330106"])):
        assert set(Institution.objects.values_list("pk", flat=True)) == {mine.pk, township.pk}
    with tenant_scope(TenantScope.for_region(regions["330100"])):
        assert Institution.objects.count() == 3
    with tenant_scope(TenantScope.for_institutions([mine.pk])):
        assert list(Institution.objects.values_list("pk", flat=True)) == [mine.pk]
    with tenant_scope(TenantScope.nothing()):
        assert not Institution.objects.exists()
