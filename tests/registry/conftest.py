"""Fixtures every registry test module shares: uploads in a temporary media root, and one
institution in 西湖区 with its operator."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from tests.factories import InstitutionFactory


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded documents, receipts and notices go to this test's own directory."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(name="西湖区小星星托育园", service_types=["full_day"], total_slots=10)


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_xihu", "operator", institution.uscc)
