"""The reviewer's page: the roster as submitted with each person's certificates and criminal-record
check; the checklist with failures first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from core.tenancy import TenantScope, tenant_scope
from registry.models import Filing, Staff, StaffQualification
from registry.services import filings as svc
from tests.factories import InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db

# The review page of a new filing (no filing in force): fixed, whatever the roster and the policy hold.
QUERIES = 16


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def submitted(regions, make_account):
    today = timezone.localdate()
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区名册托育园")
        filing = make_ready_filing(institution)
        carer = Staff.objects.filter(institution=institution, role="caregiver").order_by("id").first()
        Staff.objects.filter(pk=carer.pk).update(name="陈保育", criminal_record_checked=True,
                                                 criminal_record_checked_on=today - dt.timedelta(days=40))
        cert = StaffQualification(staff=carer, type="childcare", number="YY-2024-0815",
                                  expires_on=today + dt.timedelta(days=300))
        cert.region_id, cert.province_id, cert.city_id, cert.district_id = (
            carer.region_id, carer.province_id, carer.city_id, carer.district_id)
        cert.save()
        expired = StaffQualification(staff=carer, type="teacher", number="JS-001", expires_on=today - dt.timedelta(days=1))
        expired.region_id, expired.province_id, expired.city_id, expired.district_id = (
            carer.region_id, carer.province_id, carer.city_id, carer.district_id)
        expired.save()
    operator = make_account("op_roster", "operator", institution.uscc)
    with tenant_scope(TenantScope.for_institutions([institution.pk])):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with scopes_disabled():
        return Filing.objects.get(pk=filing.pk)


def test_the_roster_as_submitted_shows_certificates_and_criminal_record_checks(client, reviewer, submitted):
    client.force_login(reviewer)
    page = client.get(reverse("registry:review_detail", args=[submitted.pk])).content.decode()
    table = re.search(r'data-testid="staff-snapshot">(.*?)</table>', page, re.S).group(1)
    assert "资格证书" in table and "无犯罪记录证明" in table
    row = re.search(r"<tr data-testid=\"snapshot-row\"><td[^>]*>陈保育</td>(.*?)</tr>", table, re.S).group(1)
    year = timezone.localdate() + dt.timedelta(days=300)
    assert f"保育师/育婴员证书 YY-2024-0815（至 {year:%Y-%m-%d}）" in row
    assert "教师资格证 JS-001" in row and "已过期" in row
    checked_on = timezone.localdate() - dt.timedelta(days=40)
    assert f"已提供（{checked_on:%Y-%m-%d}）" in row
    guard = re.search(r"<tr data-testid=\"snapshot-row\"><td[^>]*>[^<]+</td><td[^>]*>保安人员</td>(.*?)</tr>", table,
                      re.S).group(1)
    # Everyone submitted has a criminal-record check on file (the checklist refuses a filing without).
    assert "保安员证 BA-0001" in guard and "已提供（" in guard
    # The roster as submitted: a certificate added later does not appear in it.
    with scopes_disabled():
        Staff.objects.filter(name="陈保育").update(criminal_record_checked=False)
    again = client.get(reverse("registry:review_detail", args=[submitted.pk])).content.decode()
    assert f"已提供（{checked_on:%Y-%m-%d}）" in again
    # The API gives the same.
    api = APIClient()
    api.force_authenticate(reviewer)
    people = {p["name"]: p for p in api.get(f"/api/v1/filings/{submitted.pk}/").json()["staff_snapshot"]}
    assert people["陈保育"]["criminal_record_checked"] is True
    # The roster's own 保育师 certificate, the one added here and the expired teacher's licence.
    assert sorted((q["type"], q["expired"]) for q in people["陈保育"]["qualifications"]) == [
        ("childcare", False), ("childcare", False), ("teacher", True)]


def test_an_older_snapshot_without_the_check_says_not_recorded(client, reviewer, submitted):
    with scopes_disabled():
        rows = [{k: v for k, v in r.items() if k not in ("criminal_record_checked", "criminal_record_checked_on",
                                                          "qualifications")} for r in submitted.staff_snapshot]
        Filing.objects.filter(pk=submitted.pk).update(staff_snapshot=rows)
    client.force_login(reviewer)
    page = client.get(reverse("registry:review_detail", args=[submitted.pk])).content.decode()
    table = re.search(r'data-testid="staff-snapshot">(.*?)</table>', page, re.S).group(1)
    assert table.count("未记录") == len(rows)


def test_the_review_page_reads_the_roster_classes_and_policy_once(client, reviewer, submitted,
                                                                    django_assert_max_num_queries):
    """The checklist, the changes since the snapshot and the page share one read of the live roster and
    of the filing's classes; the region's policy parameters come in one query, however many are set."""
    from regions.models import PolicyParameter

    with scopes_disabled():
        for code, key, value in (("330000", "filing.review_working_days", 7), ("330100", "premises.min_lease_years", 4),
                                 ("330106", "mixed.min_age_months", 24)):
            PolicyParameter.objects.create(region_id=code, key=key, value=value)
    client.force_login(reviewer)
    client.get(reverse("registry:review_detail", args=[submitted.pk]))  # session, caches
    with django_assert_max_num_queries(QUERIES) as captured:
        page = client.get(reverse("registry:review_detail", args=[submitted.pk]))
    assert page.status_code == 200 and "陈保育" in page.content.decode()
    sql = [q["sql"] for q in captured.captured_queries]
    assert sum('FROM "regions_policyparameter"' in q for q in sql) == 1
    assert sum('FROM "registry_filingclass"' in q for q in sql) == 1
