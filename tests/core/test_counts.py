"""``core.db.counts.count_many``: the same numbers as ``.count()``, in one statement, inside the scope."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import ScopeError, scopes_disabled

from core.db.counts import count_many
from core.tenancy import TenantScope, tenant_scope
from regions.models import Region
from registry.models import Institution, InstitutionStatus
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def institutions(regions):
    with scopes_disabled():
        return [InstitutionFactory(region_id="330106001", status=InstitutionStatus.FILED),
                InstitutionFactory(region_id="330106002", status=InstitutionStatus.REGISTERED),
                InstitutionFactory(region_id="330105001", status=InstitutionStatus.FILED)]


def test_the_counts_of_dotcount_in_one_statement_and_within_the_scope(institutions):
    with tenant_scope(TenantScope.for_region(Region.objects.get(code="330106"))):
        querysets = {"all": Institution.objects.all(), "filed": Institution.objects.filter(status="filed"),
                     "none": Institution.objects.filter(pk__in=[]), "named": Institution.objects.filter(name="?")}
        expected = {name: qs.count() for name, qs in querysets.items()}
        with CaptureQueriesContext(connection) as seen:
            got = count_many(**querysets)
    assert got == expected == {"all": 2, "filed": 1, "none": 0, "named": 0}
    assert len(seen.captured_queries) == 1
    assert "330106" in seen.captured_queries[0]["sql"]  # the scope's own filter, inside


def test_without_a_scope_it_refuses_as_count_does(institutions):
    with pytest.raises(ScopeError):
        Institution.objects.count()
    with pytest.raises(ScopeError):
        count_many(n=Institution.objects.all())
    assert count_many() == {}
