"""Login and logout pages, the token endpoint, the security log and the login throttle."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.login_guard import LOGIN_ADDRESS_FAILURE_LIMIT, LOGIN_FAILURE_LIMIT
from accounts.models import AuthEvent, AuthEventKind
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_cache")]
WRONG = "Wr0ng-secret-42!"


def events(kind: str | None = None):
    qs = AuthEvent.objects.order_by("id")
    return list(qs.filter(kind=kind) if kind else qs)


def assert_secret_not_logged(secret: str) -> None:
    for event in AuthEvent.objects.all():
        assert all(secret not in str(getattr(event, f.attname)) for f in AuthEvent._meta.concrete_fields)


def test_login_page_logs_in_and_records_the_event(client, reviewer):
    response = client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD})
    assert response.status_code == 302 and response.url == "/"
    assert client.get("/").status_code == 200
    [event] = events(AuthEventKind.LOGIN)
    assert event.user == reviewer and event.username == "reviewer_xh"
    assert event.ip == "127.0.0.1" and event.path == "/accounts/login/"


def test_failed_login_shows_chinese_error_and_records_username_only(client, reviewer):
    response = client.post("/accounts/login/", {"username": "reviewer_xh", "password": WRONG})
    assert response.status_code == 200
    assert "用户名或密码错误" in response.content.decode()
    [event] = events(AuthEventKind.LOGIN_FAILED)
    # Linked to the account the name belongs to, so that account's auditors see the failure.
    assert event.username == "reviewer_xh" and event.user == reviewer
    assert_secret_not_logged(WRONG)


def test_failed_login_for_unknown_user_is_recorded(client, regions):
    client.post("/accounts/login/", {"username": "nobody", "password": WRONG})
    [event] = events(AuthEventKind.LOGIN_FAILED)
    assert event.username == "nobody" and event.user is None and event.district is None


def test_logout_is_a_post_and_is_recorded(client, reviewer):
    client.force_login(reviewer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response.url == "/accounts/login/"
    [event] = events(AuthEventKind.LOGOUT)
    assert event.user == reviewer
    assert client.get("/").status_code == 302


def test_after_five_failures_even_the_right_password_is_refused(client, reviewer):
    for _ in range(LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "reviewer_xh", "password": WRONG})
    response = client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert len(events(AuthEventKind.LOGIN_FAILED)) == LOGIN_FAILURE_LIMIT
    [locked] = events(AuthEventKind.LOGIN_LOCKED)
    assert locked.username == "reviewer_xh" and locked.ip == "127.0.0.1" and locked.user == reviewer
    assert not events(AuthEventKind.LOGIN)


def test_lock_is_per_account_across_addresses(client, reviewer, other_reviewer):
    """The attack as found: wrong passwords from five addresses, then the right one from a sixth."""
    for i in range(LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "reviewer_xh", "password": WRONG}, REMOTE_ADDR=f"10.9.0.{i + 1}")
    response = client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD},
                           REMOTE_ADDR="10.9.0.99")
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from one of those addresses still logs in (the address is not throttled).
    assert client.post("/accounts/login/", {"username": "reviewer_gs", "password": PASSWORD},
                       REMOTE_ADDR="10.9.0.1").status_code == 302


def test_one_address_is_throttled_across_accounts(client, reviewer):
    """45 usernames from one address: after the address limit even a right password is refused there."""
    for i in range(LOGIN_ADDRESS_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": f"guess{i}", "password": WRONG}, REMOTE_ADDR="10.8.0.7")
    refused = client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD},
                          REMOTE_ADDR="10.8.0.7")
    assert refused.status_code == 200 and "本地址" in refused.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD},
                       REMOTE_ADDR="10.8.0.8").status_code == 302


def test_a_success_does_not_wash_out_the_address_counter(client, reviewer):
    for i in range(LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": f"spray{i}", "password": WRONG}, REMOTE_ADDR="10.8.1.1")
    assert client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD},
                       REMOTE_ADDR="10.8.1.1").status_code == 302
    client.logout()
    client.post("/accounts/login/", {"username": "spray-last", "password": WRONG}, REMOTE_ADDR="10.8.1.1")
    assert client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD},
                       REMOTE_ADDR="10.8.1.1").status_code == 200


def test_rotating_forwarded_for_straight_to_the_app_is_still_one_address(client, reviewer, settings):
    """TRUSTED_PROXY_HOPS=1, but the request does not come from the proxy: the header is ignored."""
    settings.TRUSTED_PROXY_HOPS = 1
    for i in range(LOGIN_ADDRESS_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": f"rot{i}", "password": WRONG},
                    REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR=f"203.0.113.{i + 1}")
    response = client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD},
                           REMOTE_ADDR="198.51.100.20", HTTP_X_FORWARDED_FOR="203.0.113.250")
    assert response.status_code == 200 and "本地址" in response.content.decode()
    assert {e.ip for e in events(AuthEventKind.LOGIN_FAILED)} == {"198.51.100.20"}


def test_forwarded_for_counts_when_the_proxy_sends_it(client, reviewer, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    settings.TRUSTED_PROXIES = ["172.30.57.2"]
    client.post("/accounts/login/", {"username": "reviewer_xh", "password": WRONG},
                REMOTE_ADDR="172.30.57.2", HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9")
    [event] = events(AuthEventKind.LOGIN_FAILED)
    assert event.ip == "203.0.113.9"  # the address our proxy appended, not the one the client wrote


def test_admin_login_honours_the_lockout(client, make_account):
    """The admin login took the right password after the page login had locked the account."""
    make_account("auditor_lock", "auditor", "330106")
    for _ in range(LOGIN_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "auditor_lock", "password": WRONG})
    response = client.post("/admin/login/", {"username": "auditor_lock", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302
    [locked] = events(AuthEventKind.LOGIN_LOCKED)
    assert locked.path == "/admin/login/"


def test_admin_login_failures_lock_the_page_login_too(client, make_account):
    make_account("auditor_lock2", "auditor", "330106")
    for _ in range(LOGIN_FAILURE_LIMIT):
        client.post("/admin/login/", {"username": "auditor_lock2", "password": WRONG})
    assert len(events(AuthEventKind.LOGIN_FAILED)) == LOGIN_FAILURE_LIMIT
    response = client.post("/accounts/login/", {"username": "auditor_lock2", "password": PASSWORD})
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()


def test_admin_login_page_speaks_chinese(client, regions):
    page = client.get("/admin/login/").content.decode()
    assert "用户名" in page and "密码" in page
    assert "Username" not in page and "Password" not in page


def test_the_backend_refuses_a_locked_account_whoever_calls_it(rf, reviewer):
    from django.contrib.auth import authenticate

    request = rf.post("/anywhere/")
    for _ in range(LOGIN_FAILURE_LIMIT):
        assert authenticate(request, username="reviewer_xh", password=WRONG) is None
    assert authenticate(request, username="reviewer_xh", password=PASSWORD) is None


def test_a_machine_account_cannot_log_in_to_the_pages(client, make_account):
    make_account("ra_page", "registration_authority", "330106")
    response = client.post("/accounts/login/", {"username": "ra_page", "password": PASSWORD})
    assert response.status_code == 200 and "接口账号" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_then_success_resets_the_counter(client, reviewer):
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "reviewer_xh", "password": WRONG})
    assert client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD}).status_code == 302
    client.logout()
    for _ in range(LOGIN_FAILURE_LIMIT - 1):
        client.post("/accounts/login/", {"username": "reviewer_xh", "password": WRONG})
    assert client.post("/accounts/login/", {"username": "reviewer_xh", "password": PASSWORD}).status_code == 302


class TestTokenEndpoint:
    url = "/api/v1/auth/token/"

    def test_good_credentials_issue_a_token_that_works(self, client, reviewer):
        response = client.post(self.url, {"username": "reviewer_xh", "password": PASSWORD},
                               content_type="application/json")
        assert response.status_code == 200
        token = response.json()["token"]
        assert len(token) == 40
        [event] = events(AuthEventKind.TOKEN_ISSUED)
        assert event.user == reviewer and event.path == self.url
        from django.test import Client

        api = Client(HTTP_AUTHORIZATION=f"Token {token}")
        assert api.get("/api/v1/regions/").status_code == 200
        assert Client(HTTP_AUTHORIZATION="Token " + "0" * 40).get("/api/v1/regions/").status_code == 401

    def test_bad_credentials_answer_the_error_shape(self, client, reviewer):
        response = client.post(self.url, {"username": "reviewer_xh", "password": WRONG},
                               content_type="application/json")
        assert response.status_code == 400
        assert response.json() == {"code": "invalid_credentials", "message": "用户名或密码错误。", "fields": {}}
        assert [e.username for e in events(AuthEventKind.LOGIN_FAILED)] == ["reviewer_xh"]
        assert not events(AuthEventKind.TOKEN_ISSUED)
        assert_secret_not_logged(WRONG)

    def test_missing_fields_are_named(self, client, regions):
        response = client.post(self.url, {"username": "x"}, content_type="application/json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid" and "password" in body["fields"]

    def test_throttled_after_five_failures(self, client, reviewer):
        for _ in range(LOGIN_FAILURE_LIMIT):
            client.post(self.url, {"username": "reviewer_xh", "password": WRONG}, content_type="application/json")
        response = client.post(self.url, {"username": "reviewer_xh", "password": PASSWORD},
                               content_type="application/json")
        assert response.status_code == 429
        assert response.json()["code"] == "login_locked"
        assert "登录失败次数过多" in response.json()["message"]
        assert not events(AuthEventKind.TOKEN_ISSUED)
        assert len(events(AuthEventKind.LOGIN_LOCKED)) == 1


class TestTokenLifetime:
    url = "/api/v1/auth/token/"

    def _issue(self, client) -> str:
        response = client.post(self.url, {"username": "reviewer_xh", "password": PASSWORD},
                               content_type="application/json")
        assert response.status_code == 200
        assert response.json()["expires_at"]
        return response.json()["token"]

    def test_a_token_expires_after_its_lifetime(self, client, reviewer, settings):
        from django.test import Client
        from rest_framework.authtoken.models import Token

        settings.API_TOKEN_TTL_HOURS = 12
        key = self._issue(client)
        api = Client(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.get("/api/v1/regions/").status_code == 200
        Token.objects.filter(key=key).update(created=Token.objects.get(key=key).created - dt.timedelta(hours=12, seconds=1))
        expired = api.get("/api/v1/regions/")
        assert expired.status_code == 401 and expired.json()["code"] == "token_expired"
        assert not Token.objects.filter(key=key).exists()
        fresh = self._issue(client)
        assert fresh != key
        assert Client(HTTP_AUTHORIZATION=f"Token {fresh}").get("/api/v1/regions/").status_code == 200

    def test_a_live_token_is_reused(self, client, reviewer):
        assert self._issue(client) == self._issue(client)

    def test_page_logout_ends_the_api_tokens(self, client, reviewer):
        from django.test import Client

        key = self._issue(client)
        client.force_login(reviewer)
        client.post("/accounts/logout/")
        assert Client(HTTP_AUTHORIZATION=f"Token {key}").get("/api/v1/regions/").status_code == 401

    def test_api_logout_ends_the_token(self, client, reviewer):
        from django.test import Client

        key = self._issue(client)
        api = Client(HTTP_AUTHORIZATION=f"Token {key}")
        assert api.post("/api/v1/auth/logout/").status_code == 204
        assert api.get("/api/v1/regions/").status_code == 401
        assert events(AuthEventKind.LOGOUT)[-1].user == reviewer


def test_security_log_is_append_only(reviewer):
    from django.db import ProgrammingError, transaction

    from accounts.services import auth_event_record

    event = auth_event_record(kind=AuthEventKind.LOGIN, user=reviewer)
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AuthEvent.objects.filter(pk=event.pk).update(username="someone-else")
    with pytest.raises(ProgrammingError, match="Cannot update or delete"), transaction.atomic():
        AuthEvent.objects.filter(pk=event.pk).delete()
    assert AuthEvent.objects.get(pk=event.pk).username == "reviewer_xh"
