"""The session's user is read with their active assignments in one query (``GuardedModelBackend.get_user``):
the same user, the same roles, nothing kept across requests."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.backends import GuardedModelBackend
from accounts.models import Assignment

pytestmark = pytest.mark.django_db


def test_user_and_active_assignments_in_one_query(make_account, django_assert_num_queries):
    reviewer = make_account("reviewer_xh", "district_reviewer", "330106")
    make_account("reviewer_xh", "city_viewer", "330100")  # a second role, granted later
    with scopes_disabled():
        revoked = Assignment.objects.create(user=reviewer, role="district_reviewer", region_id="330105",
                                            is_active=False)
    with django_assert_num_queries(1):
        user = GuardedModelBackend().get_user(reviewer.pk)
        roles = [(a.role, a.region_id) for a in user.active_assignments]
        assert all(a.user is user for a in user.active_assignments)
    assert user == reviewer and user.username == "reviewer_xh" and user.password == reviewer.password
    assert roles == [("district_reviewer", "330106"), ("city_viewer", "330100")]
    assert revoked.pk not in [a.pk for a in user.active_assignments]


def test_user_without_an_active_assignment_is_still_the_user(make_account):
    user = make_account("former_reviewer", "district_reviewer", "330106")
    with scopes_disabled():
        Assignment.objects.filter(user=user).update(is_active=False)
    loaded = GuardedModelBackend().get_user(user.pk)
    assert loaded == user and loaded.active_assignments == []


def test_unknown_or_deactivated_user_has_no_session_user(make_account, django_user_model):
    user = make_account("reviewer_xh", "district_reviewer", "330106")
    assert GuardedModelBackend().get_user(user.pk + 1000) is None
    django_user_model.objects.filter(pk=user.pk).update(is_active=False)
    assert GuardedModelBackend().get_user(user.pk) is None


def test_a_revoked_role_or_account_takes_effect_on_the_next_request(client, make_account, django_user_model):
    user = make_account("reviewer_xh", "district_reviewer", "330106")
    client.force_login(user)
    assert client.get(reverse("registry:review_queue")).status_code == 200
    with scopes_disabled():
        Assignment.objects.filter(user=user).update(is_active=False)
    assert client.get(reverse("registry:review_queue")).status_code == 403
    django_user_model.objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(reverse("registry:review_queue"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
