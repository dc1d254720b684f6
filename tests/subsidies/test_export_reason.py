"""The payout batch export carries payee data: a payer only, with a reason, audited with the reason."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from accounts.models import AuthEvent, AuthEventKind
from regions.models import Region
from subsidies.models import PayoutBatch

from .conftest import api

pytestmark = pytest.mark.django_db
REASON = "报送财政国库集中支付"


@pytest.fixture
def batch(regions):
    with scopes_disabled():
        b = PayoutBatch(title="西湖区 2026 年 3 月拨付")
        b.set_region(Region.objects.get(code="330106"))
        b.save()
        return b


def _exports():
    with scopes_disabled():
        return list(AuthEvent.objects.filter(kind=AuthEventKind.EXPORT).values_list("username", "target"))


def url(batch):
    return f"/api/v1/payout-batches/{batch.pk}/export.xlsx"


def test_export_without_a_reason_is_refused_and_nothing_is_recorded(batch, district_admin):
    client = api(district_admin)
    for params in ({}, {"reason": "  "}, {"reason": "导出"}):
        response = client.get(url(batch), params)
        assert response.status_code == 400 and response.json()["code"] == "export_reason_required"
        assert "reason" in response.json()["fields"]
    too_long = client.get(url(batch), {"reason": "事" * 101})
    assert too_long.status_code == 400 and too_long.json()["code"] == "export_reason_too_long"
    assert _exports() == []


def test_export_without_the_permission_is_refused_even_with_a_reason(batch, district_reviewer):
    response = api(district_reviewer).get(url(batch), {"reason": REASON})
    assert response.status_code == 403
    assert _exports() == []


def test_export_with_a_reason_is_audited_with_it(batch, district_admin):
    response = api(district_admin).get(url(batch), {"reason": REASON})
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    assert _exports() == [(district_admin.username, f"subsidies.payoutbatch:{batch.pk}:xlsx 事由：{REASON}")]


def test_the_batch_page_asks_for_the_reason(batch, district_admin):
    page = api(district_admin).get(f"/subsidies/batches/{batch.pk}/").content.decode()
    assert 'name="reason"' in page and "required" in page and "导出事由" in page
