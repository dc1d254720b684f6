"""The auditor's admin lists at province and country scope: the count stops at a cap ("10000+")
instead of counting every row in scope, and the first page is read in an index's order (the list's
order ends with the primary key in its own direction; business tables newest first)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled

from core.admin import CappedCountPaginator
from registry.models import Institution
from tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_account):
    return make_account("auditor_xh", "auditor", "330106")


@pytest.fixture
def five_institutions(regions):
    with scopes_disabled():
        return [InstitutionFactory(name=f"西湖{index}号托育园") for index in range(5)]


def test_a_list_longer_than_the_cap_says_so_and_never_counts_past_it(client, auditor, five_institutions,
                                                                      monkeypatch):
    monkeypatch.setattr(CappedCountPaginator, "count_limit", 3)
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/registry/institution/")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "3+ 托育机构" in text and "请用搜索或筛选缩小范围" in text
    counts = [q["sql"] for q in queries.captured_queries
              if "COUNT(" in q["sql"] and "registry_institution" in q["sql"]]
    assert counts and all("LIMIT 4" in sql for sql in counts), counts


def test_a_list_within_the_cap_shows_its_exact_count(client, auditor, five_institutions):
    client.force_login(auditor)
    response = client.get("/admin/registry/institution/")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    assert "5 托育机构" in text and "5+ " not in text


def test_business_rows_are_listed_newest_first_by_their_key(client, auditor, five_institutions):
    client.force_login(auditor)
    response = client.get("/admin/registry/institution/")
    shown = [row.pk for row in response.context["cl"].result_list]
    assert shown == sorted((i.pk for i in five_institutions), reverse=True)


def test_a_column_order_is_completed_with_the_key_in_the_same_direction(client, auditor, five_institutions):
    client.force_login(auditor)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/registry/filingevent/")
    assert response.status_code == 200
    pages = [q["sql"] for q in queries.captured_queries
             if 'FROM "registry_filingevent"' in q["sql"] and "ORDER BY" in q["sql"]]
    assert pages and all(re.search(r'ORDER BY "registry_filingevent"\."created_at" DESC, '
                                   r'"registry_filingevent"\."id" DESC', sql) for sql in pages), pages
    with scopes_disabled():
        assert Institution.objects.count() == 5
