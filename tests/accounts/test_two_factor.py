"""Second factor (TOTP): mandatory for commission, administrative and auditor accounts (as in
production), optional for operators, enrolment with a QR code and recovery codes, the API token asking
for a code, and a reset by the security admin only — each step in the security log."""

from __future__ import annotations

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts.models import AuthEvent, AuthEventKind
from tests.conftest import PASSWORD
from tests.factories import InstitutionFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("isolated_cache")]


@pytest.fixture(autouse=True)
def required(settings):
    settings.OTP_REQUIRED = True


def code_for(user) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


def sign_in(client, username):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD})


def enrol(client, user) -> list[str]:
    page = client.get("/accounts/otp/")
    assert page.status_code == 200 and 'data-testid="otp-qr"' in page.content.decode()
    response = client.post("/accounts/otp/", {"otp": code_for(user), "next": "/"})
    return re.findall(r"<li>([0-9a-z]{8})</li>", response.content.decode())


def test_a_reviewer_must_enrol_before_reaching_any_page_or_api(client, reviewer):
    sign_in(client, "reviewer_xh")
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith("/accounts/otp/verify/")
    assert client.get(response.url).url == "/accounts/otp/"  # nothing enrolled yet: enrol first
    assert client.get("/api/v1/institutions/").json()["code"] == "otp_required"
    assert "没有待绑定的身份验证器" in client.post("/accounts/otp/", {"otp": "000000"}).content.decode()
    client.get("/accounts/otp/")
    wrong = client.post("/accounts/otp/", {"otp": "000000"})
    assert "验证码不正确" in wrong.content.decode()
    codes = enrol(client, reviewer)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/").status_code == 200
    kinds = set(AuthEvent.objects.filter(user=reviewer).values_list("kind", flat=True))
    assert {AuthEventKind.OTP_ENROLLED, AuthEventKind.OTP_FAILED} <= kinds


def test_every_later_sign_in_needs_a_code_and_a_recovery_code_works_once(client, reviewer):
    sign_in(client, "reviewer_xh")
    codes = enrol(client, reviewer)
    client.post("/accounts/logout/")
    sign_in(client, "reviewer_xh")
    assert client.get("/").url.startswith("/accounts/otp/verify/")
    assert "验证码不正确" in client.post("/accounts/otp/verify/", {"otp": "123456"}).content.decode()
    # django-otp throttles a device after a wrong code (1 s, then doubling): a second later, as here.
    StaticDevice.objects.filter(user=reviewer).update(throttling_failure_timestamp=None,
                                                     throttling_failure_count=0)
    assert client.post("/accounts/otp/verify/", {"otp": codes[0], "next": "/"}).url == "/"
    assert client.get("/").status_code == 200
    client.post("/accounts/logout/")
    sign_in(client, "reviewer_xh")
    assert "验证码不正确" in client.post("/accounts/otp/verify/", {"otp": codes[0]}).content.decode()


def test_the_api_token_asks_for_the_code(reviewer, client):
    api = APIClient()
    refused = api.post("/api/v1/auth/token/", {"username": "reviewer_xh", "password": PASSWORD}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "otp_not_enrolled"
    sign_in(client, "reviewer_xh")
    enrol(client, reviewer)
    missing = api.post("/api/v1/auth/token/", {"username": "reviewer_xh", "password": PASSWORD}, format="json")
    assert missing.status_code == 401 and missing.json()["code"] == "otp_required"
    wrong = api.post("/api/v1/auth/token/", {"username": "reviewer_xh", "password": PASSWORD, "otp": "000000"},
                     format="json")
    assert wrong.status_code == 400 and wrong.json()["code"] == "otp_invalid"
    # The enrolment code may be reused once more here, and a second later the wrong code's throttle is over.
    TOTPDevice.objects.filter(user=reviewer).update(last_t=-1, throttling_failure_timestamp=None,
                                                    throttling_failure_count=0)
    StaticDevice.objects.filter(user=reviewer).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    ok = api.post("/api/v1/auth/token/", {"username": "reviewer_xh", "password": PASSWORD,
                                         "otp": code_for(reviewer)}, format="json")
    assert ok.status_code == 200 and ok.json()["token"]


def test_an_operator_signs_in_without_a_code_until_opting_in(client, make_account, regions):
    with scopes_disabled():
        institution = InstitutionFactory()
    operator = make_account("op_otp", "operator", institution.uscc)
    sign_in(client, "op_otp")
    assert client.get("/").status_code in (200, 302) and not client.get("/").get("Location", "").startswith(
        "/accounts/otp")
    enrol(client, operator)
    client.post("/accounts/logout/")
    sign_in(client, "op_otp")
    assert client.get("/").url.startswith("/accounts/otp/verify/")


def test_only_the_security_admin_resets_a_second_factor(client, reviewer, make_account):
    sign_in(client, "reviewer_xh")
    enrol(client, reviewer)
    client.post("/accounts/logout/")
    security = make_account("sec_otp", "security_admin", "330106")
    system = make_account("sys_otp", "system_admin", "000000")
    from accounts.otp import otp_reset
    from core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        otp_reset(actor=system, user_id=reviewer.pk)
    assert TOTPDevice.objects.filter(user=reviewer).exists()
    otp_reset(actor=security, user_id=reviewer.pk)
    assert not TOTPDevice.objects.filter(user=reviewer).exists()
    assert AuthEvent.objects.filter(user=security, kind=AuthEventKind.OTP_RESET, target="reviewer_xh").exists()
    sign_in(client, "reviewer_xh")
    assert client.get(client.get("/").url).url == "/accounts/otp/"  # enrols again
