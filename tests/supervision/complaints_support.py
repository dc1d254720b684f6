"""Fixtures of the complaint and incident tests (imported by each test module): a filed institution
in 西湖区 (330106) with its operator, the district's staff, a filed institution in 拱墅区 (330105)
and its reviewer, and clients."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registry.models import InstitutionStatus
from tests.factories import InstitutionFactory

PHONE = "13912345678"
CONTACT = "孙丽华"
TEXT = "孩子午睡时老师离开教室二十分钟，无人看护，孩子从床上摔下。"


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def filed(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖区小太阳托育园", status=InstitutionStatus.FILED)


@pytest.fixture
def registered_only(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖区未备案托育点")


@pytest.fixture
def gongshu_filed(regions):
    with scopes_disabled():
        return InstitutionFactory(name="拱墅区禾苗托育园", region_id="330105001", status=InstitutionStatus.FILED)


@pytest.fixture
def xh_reviewer(make_account):
    return make_account("c_xh_reviewer", "district_reviewer", "330106")


@pytest.fixture
def xh_inspector(make_account):
    return make_account("c_xh_inspector", "district_inspector", "330106")


@pytest.fixture
def xh_admin(make_account):
    return make_account("c_xh_admin", "district_admin", "330106")


@pytest.fixture
def gs_reviewer(make_account):
    return make_account("c_gs_reviewer", "district_reviewer", "330105")


@pytest.fixture
def xh_operator(make_account, filed):
    return make_account("c_xh_operator", "operator", filed.uscc)


@pytest.fixture
def gs_operator(make_account, gongshu_filed):
    return make_account("c_gs_operator", "operator", gongshu_filed.uscc)


def complaint_body(institution, **extra) -> dict:
    return {"institution": institution.pk, "text": TEXT, "contact_name": CONTACT, "contact_phone": PHONE, **extra}


def submit(institution, **extra) -> dict:
    response = api().post("/api/v1/public/complaints/", complaint_body(institution, **extra), format="json")
    assert response.status_code == 201, response.content
    return response.json()


def complaint_of(code: str):
    from supervision.models import Complaint

    with scopes_disabled():
        return Complaint.objects.get(tracking_code=code.replace("-", ""))
