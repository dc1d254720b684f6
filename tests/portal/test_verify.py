"""The public verification page: limited per client IP (receipt numbers are sequential, so it could
be walked), a clear Chinese page on 429, and nothing shown that the public registry would not."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from registry.models import FilingStatus, Institution, InstitutionStatus
from tests.factories import FilingFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def receipt(regions):
    with scopes_disabled():
        institution = InstitutionFactory(name="西湖区核验托育园", status=InstitutionStatus.FILED,
                                         address="杭州市西湖区文三路 1 号", principal_name="王园长",
                                         legal_representative="李法人", contact_phone="13800138000")
        filing = FilingFactory(institution=institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00007",
                               decided_at=timezone.now(), total_slots=60, name=institution.name,
                               principal_name="王园长", legal_representative="李法人", contact_phone="13800138000")
        Institution.objects.filter(pk=institution.pk).update(current_filing=filing, receipt_no=filing.receipt_no)
    return filing


@pytest.fixture
def limits(settings):
    settings.VERIFY_RATE_LIMITS = ((5, 60), (8, 86400))
    return settings.VERIFY_RATE_LIMITS


def get(client, number, ip="203.0.113.7", **extra):
    return client.get(f"/verify/{number}/", REMOTE_ADDR=ip, **extra)


def test_walking_receipt_numbers_is_stopped_per_ip_with_a_chinese_429_page(client, receipt, limits):
    numbers = [f"330106-2026-{n:05d}" for n in range(1, 6)]  # a walk: mostly numbers that do not exist
    assert [get(client, n).status_code for n in numbers] == [404, 404, 404, 404, 404]
    blocked = get(client, receipt.receipt_no)
    assert blocked.status_code == 429
    body = blocked.content.decode()
    assert "查询过于频繁" in body and "分钟后再试" in body and "西湖区核验托育园" not in body
    assert 0 < int(blocked["Retry-After"]) <= 60
    # Another address is not held back by this one.
    assert get(client, receipt.receipt_no, ip="198.51.100.20").status_code == 200


def test_a_forged_forwarded_for_does_not_reset_the_count(client, receipt, limits, settings):
    settings.TRUSTED_PROXY_HOPS = 0  # no proxy declared: X-Forwarded-For is the client's own text
    for i in range(5):
        assert get(client, receipt.receipt_no, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code == 200
    assert get(client, receipt.receipt_no, HTTP_X_FORWARDED_FOR="10.0.0.99").status_code == 429


def test_behind_the_declared_proxy_each_client_is_counted_on_its_own(client, receipt, limits, settings):
    settings.TRUSTED_PROXY_HOPS = 1  # the proxy (REMOTE_ADDR) writes the client's address last
    settings.TRUSTED_PROXIES = ["10.1.1.1"]  # and only the declared proxy is believed
    for _ in range(5):
        assert get(client, receipt.receipt_no, ip="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 200
    assert get(client, receipt.receipt_no, ip="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
    assert get(client, receipt.receipt_no, ip="10.1.1.1", HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200


def test_the_daily_limit_holds_after_the_minute_passes(client, receipt, limits, monkeypatch):
    import core.ratelimit

    clock = [1_800_000_000]
    monkeypatch.setattr(core.ratelimit.time, "time", lambda: clock[0])
    assert all(get(client, receipt.receipt_no).status_code == 200 for _ in range(5))
    clock[0] += 61  # a new minute: 3 more fit under the daily 8
    assert [get(client, receipt.receipt_no).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert int(get(client, receipt.receipt_no)["Retry-After"]) > 3600


def test_the_page_still_answers_when_the_cache_is_down(client, receipt, limits, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("redis unreachable")

    monkeypatch.setattr(cache, "add", down)
    assert all(get(client, receipt.receipt_no).status_code == 200 for _ in range(7))


def test_the_page_shows_the_registrys_facts_only(client, receipt):
    body = get(client, receipt.receipt_no).content.decode()
    for public in ("西湖区核验托育园", receipt.institution.uscc, "杭州市西湖区文三路 1 号", "60", "西湖区卫生健康局", "有效"):
        assert public in body, public
    for private in ("王园长", "李法人", "13800138000", "138****8000"):
        assert private not in body, private


def test_a_superseded_or_terminated_receipt_shows_no_old_facts(client, receipt):
    with scopes_disabled():
        newer = FilingFactory(institution=receipt.institution, kind="change", status=FilingStatus.ACCEPTED,
                              receipt_no="330106-2026-00008", decided_at=timezone.now(), name="西湖区核验托育中心",
                              address="杭州市西湖区新址路 9 号", total_slots=80)
        Institution.objects.filter(pk=receipt.institution_id).update(
            current_filing=newer, name=newer.name, address=newer.address, total_slots=80, receipt_no=newer.receipt_no)
    old = get(client, receipt.receipt_no).content.decode()
    assert "该回执对应的备案已变更" in old and "西湖区核验托育中心" in old  # the institution as it is now
    assert "文三路" not in old and "新址路" not in old and 'data-testid="verify-address"' not in old
    current = get(client, newer.receipt_no).content.decode()
    assert "新址路 9 号" in current and "80" in current
    with scopes_disabled():
        Institution.objects.filter(pk=receipt.institution_id).update(status=InstitutionStatus.TERMINATED)
    ended = get(client, newer.receipt_no).content.decode()
    assert "已终止备案" in ended and "新址路" not in ended and 'data-testid="verify-address"' not in ended
