"""Clawback from the claim page: a district admin takes back an amount paid wrongly (reason required,
at most what is left of the payment), and it appears as a negative line in the district's next batch."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from subsidies.models import PayoutItem, SubsidyClaim
from tests.factories import make_enrolment

pytestmark = pytest.mark.django_db
D = dt.date


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def paid_claim(institution, budgets):
    from subsidies.services.claims import operating_claim_create

    with scopes_disabled():
        make_enrolment(institution, name="童", born=D(2024, 1, 10), class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1))
        claim = operating_claim_create(actor=None, institution_id=institution.pk, period=D(2026, 3, 1))
        assert claim.amount_fen == 30_000
        SubsidyClaim.objects.filter(pk=claim.pk).update(status="paid")
        return claim


def test_clawback_from_the_page_then_negative_line_in_next_batch(paid_claim, institution, district_admin,
                                                                 district_reviewer):
    url = f"/subsidies/claims/{paid_claim.pk}/"
    admin = page(district_admin)
    assert 'data-testid="clawback-form"' in admin.get(url).content.decode()
    assert 'data-testid="clawback-form"' not in page(district_reviewer).get(url).content.decode()
    assert page(district_reviewer).post(url + "clawback/", {"amount_fen": "1", "reason": "x"}).status_code == 403
    # Reason required; more than paid refused; three decimals refused: nothing recorded.
    body = admin.post(url + "clawback/", {"amount_fen": "100", "reason": ""}, follow=True).content.decode()
    assert "追回原因" in body
    body = admin.post(url + "clawback/", {"amount_fen": "300.01", "reason": "多报"}, follow=True).content.decode()
    assert "追回金额超过可追回的 300.00 元" in body
    body = admin.post(url + "clawback/", {"amount_fen": "1.001", "reason": "多报"}, follow=True).content.decode()
    assert "最多两位小数" in body
    with scopes_disabled():
        assert not PayoutItem.objects.filter(kind="clawback").exists()
    r = admin.post(url + "clawback/", {"amount_fen": "120.50", "reason": "幼儿实际未在托"}, follow=True)
    assert "已记录追回 120.50 元" in r.content.decode() and "待计入下一拨付批次" in r.content.decode()
    body = admin.post(url + "clawback/", {"amount_fen": "180", "reason": "再追"}, follow=True).content.decode()
    assert "追回金额超过可追回的 179.50 元" in body
    # The next batch of the district carries it as a negative line.
    from subsidies.services.claims import operating_claim_create

    with scopes_disabled():
        other = operating_claim_create(actor=None, institution_id=institution.pk, period=D(2026, 4, 1))
        SubsidyClaim.objects.filter(pk=other.pk).update(status="district_ok")
    r = admin.post("/subsidies/batches/", {"claims": [str(other.pk)]})
    assert r.status_code == 302, r.content.decode()[:500]
    with scopes_disabled():
        item = PayoutItem.objects.get(kind="clawback")
        assert item.amount_fen == -12_050 and item.batch is not None and item.reason == "幼儿实际未在托"
        assert item.batch.total_fen == 30_000 - 12_050
