"""A district reviewer's first sign-in with the second factor on (as in production): sent to bind an
authenticator (QR code), confirms it with a code, keeps the recovery codes, reaches the home page; the
next sign-in asks for a code before anything else."""

from __future__ import annotations

import time

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import PASSWORD


def current_code(user, *, after: int | None = None) -> str:
    device = TOTPDevice.objects.filter(user=user).order_by("-id").first()
    if after is not None:  # a TOTP code is single-use: wait for the next time step
        while int(time.time()) // device.step <= after:
            time.sleep(0.5)
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def test_reviewer_binds_an_authenticator_and_then_signs_in_with_a_code(page, shot, browser_login, reviewer,
                                                                      settings, regions):
    settings.OTP_REQUIRED = True
    browser_login(page, reviewer.username, PASSWORD)
    page.wait_for_url("**/accounts/otp/**")
    assert page.get_by_test_id("otp-qr").is_visible()
    assert len(page.get_by_test_id("otp-secret").inner_text().replace(" ", "")) >= 16
    shot(page, "bind-authenticator")

    page.get_by_label("验证码").fill("000000")
    page.get_by_role("button", name="完成绑定").click()
    assert "验证码不正确" in page.content()
    time.sleep(1.2)  # django-otp throttles a device for 1 s after a wrong code; a person takes longer
    used_step = int(time.time()) // 30
    page.get_by_label("验证码").fill(current_code(reviewer))
    page.get_by_role("button", name="完成绑定").click()
    page.get_by_test_id("otp-recovery-codes").wait_for()
    codes = page.get_by_test_id("otp-recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    shot(page, "recovery-codes")
    page.get_by_role("link", name="我已保存，继续").click()
    assert "西湖区" in page.get_by_test_id("home-title").inner_text()

    page.get_by_role("button", name="退出").click()
    browser_login(page, reviewer.username, PASSWORD)
    page.wait_for_url("**/accounts/otp/verify/**")
    shot(page, "verify-code")
    page.get_by_label("验证码").fill(current_code(reviewer, after=used_step))
    page.get_by_role("button", name="验证").click()
    assert "西湖区" in page.get_by_test_id("home-title").inner_text()
