"""``core.pages.Paginator``: a list's total through ``core.db.counts`` (one plain SELECT counted in SQL),
the same number Django counts; a DISTINCT queryset keeps Django's count."""

from __future__ import annotations

import pytest
from django.core import paginator as django_paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.pages import Paginator
from registry.models import Institution, Staff
from tests.factories import InstitutionFactory, StaffFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def institutions(regions):
    with scopes_disabled():
        made = [InstitutionFactory(name=f"分页托育园{i:02d}") for i in range(7)]
        for inst in made[:3]:
            StaffFactory.create_batch(2, institution=inst)
    return made


def test_counts_a_list_through_the_shape_cache_and_agrees_with_django(institutions):
    with scopes_disabled():
        cases = [Institution.objects.order_by("id"),
                 Institution.objects.filter(name__startswith="分页托育园0").order_by("-id"),
                 Institution.objects.order_by("id").values("id", "name"),
                 Institution.objects.none()]
        for qs in cases:
            with CaptureQueriesContext(connection) as queries:
                page = Paginator(qs, 3).get_page(2)
            expected = django_paginator.Paginator(qs, 3).count
            assert page.paginator.count == expected
            if expected:
                assert len(queries) == 1 and "counted_0" in queries[0]["sql"]  # the total (the rows: when read)
            assert list(page) == list(qs[3:6])


def test_distinct_and_plain_lists_keep_djangos_count(institutions):
    with scopes_disabled():
        with_staff = Institution.objects.filter(staff__in=Staff.objects.all()).distinct().order_by("id")
        assert Paginator(with_staff, 2).count == 3 == len(list(with_staff))
        joined = Institution.objects.filter(staff__in=Staff.objects.all()).order_by("id")  # one row per staff member
        assert Paginator(joined, 2).count == 6
    assert Paginator(list(range(11)), 5).num_pages == 3
