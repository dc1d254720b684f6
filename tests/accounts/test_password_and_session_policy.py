"""Identification (等保 level 3): password strength and history, forced change at the first sign-in of
an administrator-created account, expiry of staff passwords, idle and absolute session timeouts, API
tokens that die on a role change, and the previous sign-in shown after signing in."""

from __future__ import annotations

import datetime as dt
import itertools
import time

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.middleware import AUTH_AT, SEEN_AT
from accounts.models import AuthEvent, AuthEventKind, User
from accounts.services import account_create_or_grant, assignment_set_active, password_problems
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_cache")]


@pytest.fixture
def api_client_factory():
    from rest_framework.test import APIClient

    return APIClient


def sign_in(client, username, password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def change(client, old, new, again=None):
    return client.post("/accounts/password/", {"old_password": old, "new_password": new,
                                               "new_password_again": again or new})


@pytest.mark.parametrize(("password", "problem"), [
    ("Sh0rt!pw", "至少需要 10 个字符"),
    ("alllowercaseletters", "至少 3 类"),
    ("ALLUPPER123456", "至少 3 类"),
    ("reviewer_xh1A!", "太相似"),
])
def test_weak_passwords_are_refused_with_the_rule_in_chinese(reviewer, password, problem):
    assert any(problem in message for message in password_problems(password, reviewer))


def test_a_password_cannot_repeat_one_of_the_last_five(client, reviewer):
    sign_in(client, "reviewer_xh")
    passwords = [PASSWORD] + [f"Fresh#{n}Passw0rd" for n in range(5)]
    for old, new in itertools.pairwise(passwords):
        assert change(client, old, new).status_code == 302
    # The first one is now six back: allowed again; the last five are not.
    refused = change(client, passwords[-1], passwords[2])
    assert refused.status_code == 200 and "不能与最近 5 次使用过的密码相同" in refused.content.decode()
    assert change(client, passwords[-1], PASSWORD).status_code == 302
    assert AuthEvent.objects.filter(user=reviewer, kind=AuthEventKind.PASSWORD_CHANGED).count() == 6


def test_wrong_old_password_or_mismatch_changes_nothing(client, reviewer):
    sign_in(client, "reviewer_xh")
    before = User.objects.get(pk=reviewer.pk).password
    assert "原密码不正确" in change(client, "Wrong#Passw0rd", "Another#Passw0rd1").content.decode()
    assert "两次输入的新密码不一致" in change(client, PASSWORD, "Another#Passw0rd1", "Another#Passw0rd2").content.decode()
    assert User.objects.get(pk=reviewer.pk).password == before


def test_an_account_an_admin_created_must_change_its_password_first(client, api_client_factory, regions):
    with scopes_disabled():
        admin, _, _ = account_create_or_grant(actor=None, username="sec_admin", password=PASSWORD,
                                              role="security_admin", scope="330106")
        user, _, _ = account_create_or_grant(actor=admin, username="new_reviewer", password=PASSWORD,
                                             role="district_reviewer", scope="330106")
    assert user.must_change_password
    # No token before the change.
    token = api_client_factory().post("/api/v1/auth/token/", {"username": "new_reviewer", "password": PASSWORD},
                                      format="json")
    assert token.status_code == 403 and token.json()["code"] == "password_change_required"
    sign_in(client, "new_reviewer")
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/password/"
    page = client.get("/accounts/password/").content.decode()
    assert "首次登录请先修改密码" in page
    assert client.get("/api/v1/institutions/").json()["code"] == "password_change_required"
    assert change(client, PASSWORD, "Brand#New2026pw").status_code == 302
    assert client.get("/").status_code == 200
    assert not User.objects.get(pk=user.pk).must_change_password


def test_a_staff_password_expires_but_an_operators_does_not(client, reviewer, make_account, settings, regions):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    old = timezone.now() - dt.timedelta(days=91)
    User.objects.filter(pk=reviewer.pk).update(password_changed_at=old)
    sign_in(client, "reviewer_xh")
    response = client.get("/")
    assert response.status_code == 302 and response.url == "/accounts/password/"
    assert "超过 90 天未修改" in client.get("/accounts/password/").content.decode()

    from tests.factories import InstitutionFactory

    with scopes_disabled():
        institution = InstitutionFactory()
    operator = make_account("op_expiry", "operator", institution.uscc)
    User.objects.filter(pk=operator.pk).update(password_changed_at=old)
    client.post("/accounts/logout/")
    sign_in(client, "op_expiry")
    assert client.get("/").status_code != 302 or client.get("/").url != "/accounts/password/"


def test_an_idle_session_ends_and_says_why(client, reviewer, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 1800
    sign_in(client, "reviewer_xh")
    assert client.get("/").status_code == 200
    session = client.session
    session[SEEN_AT] = int(time.time()) - 1801
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert "会话已超时" in client.get(response.url).content.decode()
    assert AuthEvent.objects.filter(user=reviewer, kind=AuthEventKind.SESSION_EXPIRED, target="idle").exists()


def test_a_busy_session_still_ends_at_the_absolute_limit(client, reviewer, settings):
    settings.SESSION_ABSOLUTE_TIMEOUT_SECONDS = 8 * 3600
    sign_in(client, "reviewer_xh")
    session = client.session
    session[AUTH_AT] = int(time.time()) - 8 * 3600 - 1
    session[SEEN_AT] = int(time.time())
    session.save()
    response = client.get("/")
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert AuthEvent.objects.filter(user=reviewer, kind=AuthEventKind.SESSION_EXPIRED, target="absolute").exists()


def test_tokens_die_when_a_role_changes(api_client_factory, reviewer, regions):
    api = api_client_factory()
    token = api.post("/api/v1/auth/token/", {"username": "reviewer_xh", "password": PASSWORD}, format="json").json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token['token']}")
    assert api.get("/api/v1/institutions/").status_code == 200
    with scopes_disabled():
        assignment = reviewer.assignments.get()
        assignment_set_active(actor=None, assignment_id=assignment.pk, active=False)
    assert api.get("/api/v1/institutions/").status_code == 401


def test_after_signing_in_the_previous_sign_in_and_failures_are_shown(client, reviewer):
    sign_in(client, "reviewer_xh")
    client.post("/accounts/logout/")
    sign_in(client, "reviewer_xh", "Wrong#Passw0rd")
    sign_in(client, "reviewer_xh", "Wrong#Passw0rd")
    sign_in(client, "reviewer_xh")
    body = client.get("/").content.decode()
    assert "上次登录：" in body and "此后有 2 次失败的登录尝试" in body and "127.0.0.1" in body
