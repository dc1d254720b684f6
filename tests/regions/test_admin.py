"""The regions admin is read-only; population is confined to the auditor's scope."""

from __future__ import annotations

import pytest

from regions.models import Population


@pytest.fixture
def populations(regions):
    Population.objects.create(region_id="330106", year=2024, population=1_190_000)
    Population.objects.create(region_id="330100", year=2024, population=12_500_000)
    Population.objects.create(region_id="330203", year=2024, population=900_000)


@pytest.mark.django_db
def test_auditor_reads_regions_but_cannot_add_change_or_delete(login, make_account, populations):
    client = login(make_account("auditor_zj", "auditor", "330000"))

    listing = client.get("/admin/regions/region/", {"q": "西湖"})
    assert listing.status_code == 200 and "浙江省杭州市西湖区" in listing.content.decode()
    assert client.get("/admin/regions/region/add/").status_code == 403
    page = client.get("/admin/regions/region/330106/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert client.post("/admin/regions/region/330106/change/", {"name": "改名"}).status_code == 403
    assert client.get("/admin/regions/region/330106/delete/").status_code == 403


@pytest.mark.django_db
def test_district_auditor_sees_population_of_own_district_and_above_only(login, make_account, populations):
    client = login(make_account("auditor_xh", "auditor", "330106"))

    body = client.get("/admin/regions/population/").content.decode()

    assert "1190000" in body and "12500000" in body  # own district and its city
    assert "900000" not in body  # Ningbo's Haishu district is another tenant


@pytest.mark.django_db
def test_district_reviewer_has_no_admin(login, reviewer):
    response = login(reviewer).get("/admin/regions/region/")
    assert response.status_code == 302
