"""Fixtures of the blacklist tests: a person listed in 东莞 (广东, another province) and the people
of 西湖区 (浙江) who meet them at the door; API clients by session."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from tests.factories import InstitutionFactory, make_blacklist_entry, make_id_number

LISTED_ID = make_id_number("440104", seq=901)
# What the listing district knows and nobody else may read.
LISTING_SECRETS = ("虐待被看护婴幼儿", "东莞市卫生健康局行政处罚决定书", "东卫罚〔2026〕7号", "东莞", "东城街道")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def dongguan_admin(make_account):
    return make_account("dg_admin", "district_admin", "441900003")


@pytest.fixture
def dongguan_reviewer(make_account):
    return make_account("dg_reviewer", "district_reviewer", "441900003")


@pytest.fixture
def xihu_admin(make_account):
    return make_account("xh_admin", "district_admin", "330106")


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖区小星星托育园", service_types=["full_day"], total_slots=10)


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_xihu", "operator", institution.uscc)


@pytest.fixture
def listed(regions):
    """赵某某, listed for life by 东莞市东城街道 (a filing tenant in a city without counties)."""
    with scopes_disabled():
        return make_blacklist_entry(id_number=LISTED_ID)
