"""``core.db.compiler``: a query shape's SQL around the WHERE is compiled once and reused, never wrongly.

The whole suite also runs with ``SQL_SHAPE_CACHE = "verify"`` (tests/conftest.py), which compiles every
query both ways; these tests pin the behaviour itself, with the cache on as in production.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import Count
from django.db.models.functions import Upper
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.db import compiler as shapes
from core.tenancy import TenantScope, tenant_scope
from regions.models import Region
from registry.models import Institution
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def cache_on(settings):
    settings.SQL_SHAPE_CACHE = "on"
    shapes._SHAPES.clear()
    yield shapes._SHAPES
    shapes._SHAPES.clear()


@pytest.fixture
def two_districts(regions):
    with scopes_disabled():
        a = InstitutionFactory(name="拱墅甲", region_id="330105001")
        b = InstitutionFactory(name="西湖乙", region_id="330106001")
    return a, b


def _ids(qs):
    return sorted(i.pk for i in qs)


def test_a_second_query_of_a_shape_takes_its_own_values_and_scope(cache_on, two_districts):
    a, b = two_districts
    for institution in (a, b):
        region = Region.objects.get(code=institution.district_id)
        with tenant_scope(TenantScope.for_region(region)), CaptureQueriesContext(connection) as seen:
            rows = list(Institution.objects.select_related("region", "district").filter(name__startswith=institution.name[:2])
                        .order_by("name", "id"))
        assert [r.pk for r in rows] == [institution.pk]
        assert rows[0].region.name and rows[0].district.code == institution.district_id  # joined rows built
        assert institution.district_id in seen.captured_queries[-1]["sql"]  # the scope's own filter, each time
    assert len([k for k, v in cache_on.items() if v is not None and k[1] is Institution]) == 1  # one shape, reused


def test_the_cached_statement_is_djangos_own(cache_on, two_districts, settings):
    a, _ = two_districts
    with scopes_disabled():
        build = lambda pk: Institution.objects.select_related("region").filter(pk=pk).order_by("-name")[:5]  # noqa: E731
        list(build(a.pk))  # remembered
        fast = build(a.pk + 1).query.get_compiler("default").as_sql()
        settings.SQL_SHAPE_CACHE = "off"
        slow = build(a.pk + 1).query.get_compiler("default").as_sql()
    assert fast == slow


def test_what_is_not_a_plain_shape_is_never_cached(cache_on, two_districts):
    with scopes_disabled():
        assert Institution.objects.count() == 2
        list(Institution.objects.annotate(n=Count("staff")))
        list(Institution.objects.values_list(Upper("name"), flat=True))
    assert all(k[1] is not Institution or v is None for k, v in cache_on.items())


def test_plain_columns_lists_are_shapes_too(cache_on, two_districts):
    a, b = two_districts
    with scopes_disabled():
        for wanted in (a, b):
            assert list(Institution.objects.filter(pk=wanted.pk).values_list("name", "district__name")) == [
                (wanted.name, wanted.district.name)]
            assert list(Institution.objects.filter(pk=wanted.pk).values("uscc")) == [{"uscc": wanted.uscc}]
    assert sum(1 for k, v in cache_on.items() if k[1] is Institution and v is not None) == 2


def test_a_subquery_in_the_where_is_compiled_with_it(cache_on, two_districts):
    a, b = two_districts
    with scopes_disabled():
        for wanted in (a, b):
            inner = Institution.objects.filter(name=wanted.name).values("pk")
            assert [i.pk for i in Institution.objects.filter(pk__in=inner)] == [wanted.pk]


def test_an_empty_in_and_a_where_that_changes_emptiness(cache_on, two_districts):
    with scopes_disabled():
        assert list(Institution.objects.filter(pk__in=[])) == []
        assert list(Institution.objects.filter(pk__in=[])) == []
        assert len(list(Institution.objects.all())) == 2
        assert len(list(Institution.objects.all())) == 2


def test_verify_mode_catches_a_wrong_entry(cache_on, two_districts, settings):
    a, _ = two_districts
    with scopes_disabled():
        list(Institution.objects.filter(pk=a.pk))
        ((_key, shape),) = [(k, v) for k, v in cache_on.items() if k[1] is Institution]
        shape.prefix = shape.prefix.replace('"registry_institution"."name", ', "")  # a column lost
        settings.SQL_SHAPE_CACHE = "verify"
        with pytest.raises(shapes.ShapeMismatch):
            list(Institution.objects.filter(pk=a.pk))
