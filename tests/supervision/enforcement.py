"""Shared set-up of the penalty, closure, grade and sweep tests: a filed institution of 西湖区 with
its operator, the district's admin, reviewer and inspector, and ``acting(user)`` (the user's scope
open, as the middleware opens it)."""

from __future__ import annotations

import contextlib
import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.tenancy import tenant_scope
from registry.models import Institution, InstitutionStatus
from tests.factories import InstitutionFactory


@contextlib.contextmanager
def acting(user):
    with tenant_scope(scope_of(user.active_assignments[0])):
        yield


def filed(**kwargs) -> Institution:
    """A filed institution (set up directly: the filing workflow is registry's, tested there)."""
    with scopes_disabled():
        institution = InstitutionFactory(**kwargs)
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED,
                                                             filed_on=timezone.localdate() - dt.timedelta(days=200))
        institution.refresh_from_db()
    return institution


def penalty_data(kind: str = "warning", **overrides) -> dict:
    data = {"kind": kind, "decision_number": f"西卫罚〔2026〕{abs(hash((kind, tuple(overrides)))) % 1000}号",
            "decided_on": timezone.localdate() - dt.timedelta(days=3),
            "legal_basis": "《托育机构管理规范（试行）》第三十条", "facts": "保育人员配备不足"}
    if kind == "fine":
        data["amount_fen"] = 500_000
    data.update(overrides)
    return data


@pytest.fixture
def institution(regions):
    return filed(name="西湖区安心托育园")


@pytest.fixture
def admin(make_account):
    return make_account("xh_admin_enf", "district_admin", "330106")


@pytest.fixture
def district_reviewer(make_account):
    return make_account("xh_reviewer_enf", "district_reviewer", "330106")


@pytest.fixture
def inspector(make_account):
    return make_account("xh_inspector_enf", "district_inspector", "330106")


@pytest.fixture
def gongshu_admin(make_account):
    return make_account("gs_admin_enf", "district_admin", "330105")


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_enf", "operator", institution.uscc)
