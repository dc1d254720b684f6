"""The public institution page: filed facts only, no personal data, a home daycare point's address
never shown, and a 404 for anything not (or no longer) filed."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionKind, InstitutionStatus
from tests.factories import FilingFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def filed(name, *, kind=InstitutionKind.INSTITUTION, status=InstitutionStatus.FILED,
          receipt_no="330106-2026-00011", address="杭州市西湖区文三路 9 号"):
    with scopes_disabled():
        institution = InstitutionFactory(name=name, status=status, address=address, principal_name="王园长",
                                         legal_representative="李法人", contact_phone="13800138000", kind=kind)
        filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, receipt_no=receipt_no,
                               decided_at=timezone.now(), total_slots=48, name=name, address=address,
                               institution_kind=institution.kind, principal_name="王园长",
                               legal_representative="李法人", contact_phone="13800138000")
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing, receipt_no=receipt_no)
    return institution


def test_a_filed_institution_shows_its_filed_facts_and_nothing_personal(client, regions):
    institution = filed("西湖区公开托育园")
    response = client.get(f"/institutions/{institution.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "西湖区公开托育园" in body and "杭州市西湖区文三路 9 号" in body and "330106-2026-00011" in body
    assert "王园长" not in body and "李法人" not in body and "13800138000" not in body
    assert "public" in response["Cache-Control"]


def test_a_home_daycare_point_shows_only_its_district_and_township(client, regions):
    institution = filed("家庭托育点", kind=InstitutionKind.HOME_DAYCARE, address="某小区 3 幢 402 室",
                        receipt_no="330106-2026-00012")
    body = client.get(f"/institutions/{institution.pk}/").content.decode()
    assert "家庭托育点" in body and "402" not in body


@pytest.mark.parametrize("status", [InstitutionStatus.TERMINATED, InstitutionStatus.REGISTERED])
def test_an_institution_not_in_service_is_not_found(client, regions, status):
    institution = filed("已终止托育园", status=status, receipt_no="330106-2026-00013")
    response = client.get(f"/institutions/{institution.pk}/")
    assert response.status_code == 404 and "未找到该机构" in response.content.decode()
    assert client.get("/institutions/999999999/").status_code == 404


def test_the_page_shows_fees_hours_classes_and_its_point(client, regions):
    from tests.portal.helpers import filed as filed_at

    institution = filed_at("文三托育园", lat=30.275, lng=120.15, classes=("infant", "toddler"),
                           fees={"full_day": 250000, "hourly": 4500}, service_types=("full_day", "hourly"))
    body = client.get(f"/institutions/{institution.pk}/").content.decode()
    assert "全日托：每月 2500 元" in body and "计时托：每小时 45 元" in body
    assert "周一至周五 7:30-17:30" in body and "满 6 个月、不满 12 个月" in body
    assert 'data-lat="30.275"' in body and 'data-approximate="0"' in body
    assert "vendor/leaflet-1.9.4/leaflet.js" in body and "<script>" not in body
