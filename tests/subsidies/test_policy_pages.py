"""The policy page: a city admin publishes the city's policy versions, guided prices and budget; a
district admin the district's within the city's bounds; amounts typed in yuan are kept in fen exactly;
field errors come back on the page in Chinese; a new version never alters a claim already computed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from subsidies.models import GuidedPrice, SubsidyBudget, SubsidyClaim, SubsidyPolicy
from tests.factories import make_enrolment

pytestmark = pytest.mark.django_db
D = dt.date
URL = "/subsidies/policies/"


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def policy_post(**overrides) -> dict:
    data = {"form": "policy", "valid_from": "2026-07-01", "construction_rate_min_fen": "400",
            "construction_rate_max_fen": "600", "construction_rate_fen": "450.55", "operating_rate_fen": "320.10",
            "min_eligible_days": "15", "min_occupancy_bp": "0", "province_share_bp": "0",
            "city_share_bp": "60", "district_share_bp": "40", "requires_inclusive": "on", "requires_filed": "on",
            "requires_fee_within_band": "on", "basis": "杭政办〔2026〕1号"}
    data.update(overrides)
    return data


def test_city_admin_publishes_a_new_version_in_exact_fen(city_admin, policy, budgets):
    client = page(city_admin)
    body = client.get(URL).content.decode()
    assert 'data-testid="policy-v1"' in body and "现行" in body and 'data-testid="policy-form"' in body
    r = client.post(URL, policy_post())
    assert r.status_code == 302, r.content.decode()[:2000]
    with scopes_disabled():
        v1, v2 = SubsidyPolicy.objects.filter(region_id="330100").order_by("version")
    assert (v2.version, v2.construction_rate_fen, v2.operating_rate_fen) == (2, 45_055, 32_010)
    assert (v2.city_share_bp, v2.district_share_bp, v2.basis) == (6_000, 4_000, "杭政办〔2026〕1号")
    assert v1.valid_until == D(2026, 6, 30) and v2.valid_until is None
    body = client.get(URL).content.decode()
    assert "450.55" in body and "第 2 版" in body and "2026-06-30" in body


def test_field_errors_come_back_on_the_page_in_chinese(city_admin, policy):
    client = page(city_admin)
    r = client.post(URL, policy_post(construction_rate_fen="450.555", city_share_bp="70"))
    assert r.status_code == 400
    form = r.context["forms"]["policy"]
    assert "最多两位小数" in form.errors["construction_rate_fen"][0]
    r = client.post(URL, policy_post(city_share_bp="70"))
    assert r.status_code == 400
    assert "10000" in r.context["forms"]["policy"].errors["district_share_bp"][0]
    r = client.post(URL, policy_post(valid_from="2019-01-01"))
    assert r.status_code == 400 and "valid_from" in r.context["forms"]["policy"].errors
    with scopes_disabled():
        assert SubsidyPolicy.objects.filter(region_id="330100").count() == 1


def test_district_admin_stays_within_the_city_policy(district_admin, policy):
    client = page(district_admin)
    body = client.get(URL).content.decode()
    assert 'data-testid="city-policy"' in body and "400.00–600.00" in body
    r = client.post(URL, policy_post(construction_rate_fen="650", construction_rate_max_fen="700"))
    assert r.status_code == 400
    assert "市级政策" in r.context["forms"]["policy"].errors["construction_rate_fen"][0]
    r = client.post(URL, policy_post(city_share_bp="50", district_share_bp="50", construction_rate_fen="500",
                                     operating_rate_fen="300"))
    assert r.status_code == 302
    with scopes_disabled():
        own = SubsidyPolicy.objects.get(region_id="330106")
        assert own.version == 1 and own.construction_rate_fen == 50_000
        assert SubsidyPolicy.objects.filter(region_id="330100").count() == 1  # the city's untouched


def test_guided_price_and_budget_with_used_and_left(city_admin, district_admin, policy, budgets):
    with scopes_disabled():
        SubsidyBudget.objects.filter(region_id="330106").update(committed_fen=2_500_000)
    client = page(city_admin)
    r = client.post(URL, {"form": "price", "class_type": "toddler", "price_fen": "2100.5", "band_bp": "115",
                          "valid_from": "2026-09-01"})
    assert r.status_code == 302
    with scopes_disabled():
        price = GuidedPrice.objects.get(region_id="330100", class_type="toddler", valid_from=D(2026, 9, 1))
    assert (price.price_fen, price.band_bp) == (210_050, 11_500)
    r = client.post(URL, {"form": "budget", "year": "2027", "amount_fen": "1234567.89"})
    assert r.status_code == 302
    with scopes_disabled():
        assert SubsidyBudget.objects.get(region_id="330100", year=2027).amount_fen == 123_456_789
    body = client.get(URL).content.decode()
    # The city sees its districts' budgets too: used and left per region and year.
    assert 'data-testid="budget-330106-2026">75000.00' in body and 'data-testid="budget-330100-2027">1234567.89' in body
    district = page(district_admin)
    r = district.post(URL, {"form": "budget", "year": "2026", "amount_fen": "20000"})
    assert r.status_code == 400 and "已占用" in r.content.decode()
    with scopes_disabled():
        assert SubsidyBudget.objects.get(region_id="330106", year=2026).amount_fen == 10_000_000


def test_readers_see_but_cannot_publish_and_operators_are_refused(district_reviewer, operator, policy):
    reviewer = page(district_reviewer)
    body = reviewer.get(URL).content.decode()
    assert 'data-testid="policy-versions"' in body and 'data-testid="policy-form"' not in body
    r = reviewer.post(URL, policy_post(), follow=True)
    assert "只有本级管理员" in r.content.decode()
    with scopes_disabled():
        assert not SubsidyPolicy.objects.filter(region_id="330106").exists()
    assert page(operator).get(URL).status_code == 403


def test_a_new_version_never_alters_a_computed_claim(institution, city_admin, budgets):
    with scopes_disabled():
        make_enrolment(institution, name="童", born=D(2024, 1, 10), class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1))
        from subsidies.services.claims import operating_claim_create

        claim = operating_claim_create(actor=None, institution_id=institution.pk, period=D(2026, 3, 1))
        before = (claim.policy_id, claim.amount_fen, claim.rate_fen)
    assert page(city_admin).post(URL, policy_post(valid_from="2026-03-15", operating_rate_fen="500")).status_code == 302
    with scopes_disabled():
        claim = SubsidyClaim.objects.get(pk=claim.pk)
        assert (claim.policy_id, claim.amount_fen, claim.rate_fen) == before
        assert claim.policy.version == 1 and before[1] == 30_000
