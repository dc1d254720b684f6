"""Fixtures of the subsidy tests: 杭州 (330100) sets the policy and guided prices; 西湖区 (330106)
has a filed, certified institution with 10 托小班 and 10 托大班 slots; budgets for 2026."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from tests.factories import (
    make_budget,
    make_certification,
    make_filed_institution,
    make_guided_prices,
    make_subsidy_policy,
)

YEAR = 2026


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def evidence(name: str = "新增托位验收照片.pdf"):
    from django.core.files.base import ContentFile

    return ContentFile(b"%PDF-1.4\n% evidence\n", name=name)


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def policy(regions):
    with scopes_disabled():
        make_guided_prices("330100")
        return make_subsidy_policy("330100")


@pytest.fixture
def dongguan(regions, policy):
    """广东 东莞 东城街道 (another province): its own city policy and a certified institution, for the
    same child claimed in two places."""
    with scopes_disabled():
        make_guided_prices("441900")
        make_subsidy_policy("441900")
        inst = make_filed_institution(region_id="441900003", name="东莞东城托育园")
        make_certification(inst)
    return inst


@pytest.fixture
def budgets(policy):
    with scopes_disabled():
        return {code: make_budget(code, YEAR, 10_000_000) for code in ("330100", "330106", "330105", "330000")}


@pytest.fixture
def institution(policy):
    with scopes_disabled():
        inst = make_filed_institution(name="西湖区普惠托育园")
        make_certification(inst)
        return inst


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_sub", "operator", institution.uscc)


@pytest.fixture
def district_reviewer(make_account):
    return make_account("xh_sub_reviewer", "district_reviewer", "330106")


@pytest.fixture
def district_admin(make_account):
    return make_account("xh_sub_admin", "district_admin", "330106")


@pytest.fixture
def city_admin(make_account):
    return make_account("hz_city_admin", "city_admin", "330100")
