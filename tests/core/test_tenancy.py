"""Tenancy guarantees that hold for every model, present and future."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db.models import Q
from django_scopes import ScopeError, scopes_disabled

from core.tenancy import (
    NO_INSTITUTION,
    TenantManager,
    TenantModel,
    TenantScope,
    tenant_models,
    tenant_scope,
    tenant_setting,
)
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
    if model.tenant_institution_path == NO_INSTITUTION:  # said explicitly: an operator sees none of its rows
        assert scope.q(model) == Q(pk__in=[])


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


def test_a_scopes_remembered_filter_is_never_another_scopes(regions):
    """The manager compiles each scope's filter once (``core.tenancy._SCOPED_QUERIES``) and copies it
    per use: scopes alternating in one process, each asked twice (the second from the memo), still
    see only their own rows, and a query narrowed in one use does not narrow the next."""
    from core import tenancy
    from registry.models import Institution

    with scopes_disabled():
        west = InstitutionFactory(region_id="330106001", name="西湖甲")
        west_b = InstitutionFactory(region_id="330106002", name="西湖乙")
        north = InstitutionFactory(region_id="330105001", name="拱墅甲")
    expected = [
        (TenantScope.for_region(regions["330106"]), {west.pk, west_b.pk}),
        (TenantScope.for_region(regions["330105"]), {north.pk}),
        (TenantScope.for_region(regions["330100"]), {west.pk, west_b.pk, north.pk}),
        (TenantScope.for_institutions([north.pk]), {north.pk}),
        (TenantScope.for_institutions([west.pk, north.pk]), {west.pk, north.pk}),
        (TenantScope.nothing(), set()),
    ]
    tenancy._SCOPED_QUERIES.clear()
    for _ in range(2):
        for value, pks in expected:
            with tenant_scope(value):
                assert set(Institution.objects.values_list("pk", flat=True)) == pks
                assert not Institution.objects.filter(name="不存在").exists()  # narrows a copy only
                assert Institution.objects.count() == len(pks)
    assert (Institution, None, expected[0][0]) in tenancy._SCOPED_QUERIES


# --- one interpretation of a scope ----------------------------------------------------------------

def _scopes(regions, institution_ids):
    return {
        "country": TenantScope.country(),
        "province": TenantScope.for_region(regions["330000"]),
        "city": TenantScope.for_region(regions["330100"]),
        "district": TenantScope.for_region(regions["330106"]),
        "other district": TenantScope.for_region(regions["330105"]),
        "township tenant": TenantScope.for_region(regions["441900003"]),
        "operator": TenantScope.for_institutions(institution_ids),
        "nothing": TenantScope.nothing(),
    }


@pytest.mark.django_db
def test_filter_and_covers_agree_for_every_scope_and_model(regions):
    """The ORM filter and the in-Python check (permissions) are one interpretation: they agree on
    every row, for rows placed directly (institution) and rows under a parent (class, qualification)."""
    from registry.models import FilingClass, Institution, StaffQualification
    from tests.factories import FilingClassFactory, FilingFactory, StaffFactory

    with scopes_disabled():
        places = ["330106001", "330106002", "330105001", "330203001", "441900003"]
        institutions = [InstitutionFactory(region_id=code) for code in places]
        for i in institutions:
            FilingClassFactory(filing=FilingFactory(institution=i))
            StaffQualification(staff=StaffFactory(institution=i), type="childcare", number="X").save()
        rows = {model: list(model.objects.all()) for model in (Institution, FilingClass, StaffQualification)}
    mine = institutions[0].pk
    expected_districts = {
        "country": {"330106", "330105", "330203", "441900003"}, "province": {"330106", "330105", "330203"},
        "city": {"330106", "330105"}, "district": {"330106"}, "other district": {"330105"},
        "township tenant": {"441900003"}, "operator": {"330106"}, "nothing": set(),
    }
    for name, scope in _scopes(regions, [mine]).items():
        for model, objs in rows.items():
            condition = scope.q(model)
            with scopes_disabled():
                filtered = set(model.objects.filter(condition).values_list("pk", flat=True)) if condition \
                    else {o.pk for o in objs}
            covered = {o.pk for o in objs if scope.covers(o)}
            assert filtered == covered, f"{name} / {model.__name__}"
            seen_districts = {o.district_id for o in objs if o.pk in covered}
            assert seen_districts == expected_districts[name], f"{name} / {model.__name__}"
        if name == "operator":
            assert {o.pk for o in rows[Institution] if scope.covers(o)} == {mine}


@pytest.mark.django_db
def test_a_region_is_covered_by_its_own_scope_and_those_above(regions):
    district = TenantScope.for_region(regions["330106"])
    assert district.covers_region(regions["330106"]) and district.covers_region(regions["330106001"])
    assert not district.covers_region(regions["330105001"]) and not district.covers_region(regions["330100"])
    city = TenantScope.for_region(regions["330100"])
    assert city.covers_region(regions["330105001"]) and city.covers_region(regions["330100"])
    assert not city.covers_region(regions["330203"]) and not city.covers_region(regions["330000"])
    assert TenantScope.country().covers_region(regions["441900003"])
    assert not TenantScope.for_institutions([1]).covers_region(regions["330106"])
    dongguan = TenantScope.for_region(regions["441900003"])  # a township tenant: its own district
    assert dongguan.covers_region(regions["441900003"]) and not dongguan.covers_region(regions["441900"])


@pytest.mark.django_db
def test_database_setting_names_the_same_scope(regions):
    assert TenantScope.country().as_setting() == "*"
    assert TenantScope.for_region(regions["330000"]).as_setting() == "province:330000"
    assert TenantScope.for_region(regions["330100"]).as_setting() == "city:330100"
    assert TenantScope.for_region(regions["330106"]).as_setting() == "district:330106"
    assert TenantScope.for_institutions([12, 3]).as_setting() == "institution:3,12"
    assert TenantScope.nothing().as_setting() == "institution:"
    with tenant_scope(TenantScope.for_region(regions["330106"])):
        assert tenant_setting() == "district:330106"
    with scopes_disabled():
        assert tenant_setting() == "*"


def test_only_a_country_scope_is_unrestricted():
    assert TenantScope.country().unrestricted
    assert not TenantScope("district", "330106").unrestricted
    assert not TenantScope.for_institutions([1]).unrestricted and not TenantScope.nothing().unrestricted


# --- rows take their tenant from their parent -------------------------------------------------------

def _tenant_fks(model):
    return [f for f in model._meta.concrete_fields
            if f.is_relation and f.related_model is not None and issubclass(f.related_model, TenantModel)]


@pytest.mark.parametrize("model", tenant_models(), ids=_label)
def test_a_row_under_a_tenant_row_names_its_parent(model):
    """A row that belongs under another tenant row (a foreign key to one) copies its tenant from it;
    its institution path runs through that parent, so both walls place it with its parent."""
    if model.tenant_parent is None:
        # Registrations are placed where the authority registered them, like institutions; rows that
        # no institution owns (NO_INSTITUTION: a blacklist entry, a hit) in the district they belong to.
        assert model.tenant_institution_path in ("pk", NO_INSTITUTION) or model.__name__ == "Registration", \
            f"{_label(model)}: rows under another tenant row must name it in tenant_parent"
        return
    parent = model._meta.get_field(model.tenant_parent)
    assert parent in _tenant_fks(model), f"{_label(model)}.tenant_parent must be a foreign key to a tenant model"
    parent_path = parent.related_model.tenant_institution_path
    if parent_path == NO_INSTITUTION:  # no operator sees the rows under such a row either
        assert model.tenant_institution_path == NO_INSTITUTION
        return
    expected = f"{parent.name}_id" if parent_path == "pk" else f"{parent.name}__{parent_path}"
    assert model.tenant_institution_path == expected


@pytest.mark.django_db
def test_save_and_bulk_create_copy_the_parent_tenant(regions):
    from registry.models import FilingClass
    from tests.factories import FilingFactory

    with scopes_disabled():
        filing = FilingFactory(institution=InstitutionFactory(region_id="330106002"))
        saved = FilingClass(filing=filing, class_type="infant", planned_children=5)
        saved.save()
        bulk = FilingClass.objects.bulk_create([FilingClass(filing=filing, class_type="toddler", planned_children=6)])
        rows = FilingClass.objects.filter(pk__in=[saved.pk, bulk[0].pk])
        assert {(r.region_id, r.province_id, r.city_id, r.district_id) for r in rows} \
            == {("330106002", "330000", "330100", "330106")}


@pytest.mark.django_db
def test_a_root_row_is_placed_by_its_region(regions):
    with scopes_disabled():
        dongguan = InstitutionFactory(region_id="441900003")
    assert (dongguan.province_id, dongguan.city_id, dongguan.district_id) == ("440000", "441900", "441900003")
