"""The pages: the operator's certification, enrolments and monthly claim with each line explained; the
district's queue with duplicate flags and budget left; the city admin's home; batches."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from subsidies.models import Certification, SubsidyClaim
from tests.factories import make_enrolment, make_id_number

pytestmark = pytest.mark.django_db
D = dt.date


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_operator_pages_from_enrolment_to_submitted_claim(institution, operator, budgets):
    op = page(operator)
    r = op.post(f"/subsidies/institutions/{institution.pk}/enrolments/", {
        "child_name": "甲", "id_number": make_id_number("330106", born=D(2024, 1, 10), seq=1),
        "birth_date": "2024-01-10", "class_type": "older_toddler", "enrolled_on": "2026-02-01"})
    assert r.status_code == 302
    r = op.post(f"/subsidies/institutions/{institution.pk}/enrolments/", {
        "child_name": "乙", "id_number": "bad", "birth_date": "2024-01-10", "class_type": "older_toddler",
        "enrolled_on": "2026-02-01"})
    assert r.status_code == 200 and "id_number" in r.context["form"].errors
    listing = op.get(f"/subsidies/institutions/{institution.pk}/enrolments/").content.decode()
    assert "甲" in listing and make_id_number("330106", born=D(2024, 1, 10), seq=1) not in listing
    r = op.post(f"/subsidies/institutions/{institution.pk}/claims/new/", {"period": "2026-03"})
    with scopes_disabled():
        claim = SubsidyClaim.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/subsidies/claims/{claim.pk}/")
    body = op.get(f"/subsidies/claims/{claim.pk}/").content.decode()
    assert 'data-testid="line-甲"' in body and "300.00" in body and "人月" in body
    assert op.post(f"/subsidies/claims/{claim.pk}/submit/").status_code == 302
    with scopes_disabled():
        claim.refresh_from_db()
    assert claim.status == "submitted"
    assert op.post(f"/subsidies/claims/{claim.pk}/approve/").status_code == 403


def test_district_queue_shows_duplicates_and_budget(institution, district_reviewer, budgets):
    with scopes_disabled():
        make_enrolment(institution, name="童", born=D(2024, 1, 10), class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1))
        from subsidies.services.claims import operating_claim_create

        claim = operating_claim_create(actor=None, institution_id=institution.pk, period=D(2026, 3, 1))
        claim.lines.update(reason="duplicate_child", counts=False, duplicate=True)
        SubsidyClaim.objects.filter(pk=claim.pk).update(status="submitted")
    client = page(district_reviewer)
    body = client.get("/subsidies/claims/").content.decode()
    assert "1 人待核定" in body and 'data-testid="budget-left-330106"' in body
    detail = client.get(f"/subsidies/claims/{claim.pk}/").content.decode()
    assert "本机构不计该月" in detail and "duplicate_child" in detail
    r = client.post(f"/subsidies/claims/{claim.pk}/approve/", follow=True)
    assert "须先核定" in r.content.decode()


def test_certification_page_apply_and_accept(institution, operator, district_reviewer):
    with scopes_disabled():
        Certification.objects.all().delete()
    op = page(operator)
    r = op.post(f"/subsidies/institutions/{institution.pk}/certification/", {"toddler": "200000",
                                                                            "older_toddler": "180000"})
    assert r.status_code == 302
    with scopes_disabled():
        cert = Certification.objects.get()
    rev = page(district_reviewer)
    r = rev.post(f"/subsidies/certifications/{cert.pk}/accept/", {"period_start": "2026-01-01",
                                                                  "period_end": "2028-12-31"})
    assert r.status_code == 302
    body = rev.get(f"/subsidies/institutions/{institution.pk}/certification/").content.decode()
    assert "已认定" in body and "2028-12-31" in body
    r = rev.post(f"/subsidies/certifications/{cert.pk}/accept/", {"period_start": "x", "period_end": ""})
    assert r.status_code == 302  # a message, never a 500


def test_city_admin_home_and_batches(city_admin, budgets, district_admin):
    body = page(city_admin).get("/").content.decode()
    assert "市级补助管理" in body and 'data-testid="city-waiting"' in body and "330106" in body
    assert page(district_admin).get("/subsidies/batches/").status_code == 200
