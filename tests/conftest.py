"""Shared fixtures: the small region tree, accounts per role, and an open scope helper."""

from __future__ import annotations

import pytest
from django_scopes import scopes_disabled

from accounts.services import account_create_or_grant
from tests.regions_fixture import load_test_regions

PASSWORD = "Passw0rd!2026"


@pytest.fixture
def regions(db):
    return load_test_regions()


@pytest.fixture
def unscoped():
    """Run the test body with scopes disabled (set-up code that is not under test)."""
    with scopes_disabled():
        yield


@pytest.fixture
def make_account(regions):
    def make(username: str, role: str, scope: str, password: str = PASSWORD):
        with scopes_disabled():
            user, _, _ = account_create_or_grant(actor=None, username=username, password=password,
                                                 role=role, scope=scope)
        return user

    return make


@pytest.fixture
def reviewer(make_account):
    return make_account("reviewer_xh", "district_reviewer", "330106")


@pytest.fixture
def other_reviewer(make_account):
    return make_account("reviewer_gs", "district_reviewer", "330105")


@pytest.fixture
def login(client):
    def do(user):
        client.force_login(user)
        return client

    return do
