"""Foundation journey: a district reviewer signs in through the login page and sees the district's home."""

from __future__ import annotations

from django_scopes import scopes_disabled

from registry.models import InstitutionStatus
from tests.conftest import PASSWORD
from tests.factories import InstitutionFactory


def test_reviewer_logs_in_and_sees_district_home(page, shot, browser_login, reviewer, regions):
    with scopes_disabled():
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=60)
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=40)
        InstitutionFactory(status=InstitutionStatus.REGISTERED)
        # Another district's institution must not be counted.
        InstitutionFactory(status=InstitutionStatus.FILED, total_slots=500, region_id="330105001",
                           uscc="92330105MA2H3K4L55")

    page.goto("/")
    assert "/accounts/login/" in page.url
    shot(page, "login-page")

    page.get_by_label("用户名").fill(reviewer.username)
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    assert page.get_by_role("alert").inner_text().strip().startswith("用户名或密码错误")
    shot(page, "login-failed")

    browser_login(page, reviewer.username, PASSWORD)
    title = page.get_by_test_id("home-title").inner_text()
    assert "西湖区" in title
    assert page.get_by_test_id("stat-filed").inner_text() == "2"
    assert page.get_by_test_id("stat-slots").inner_text() == "100"
    assert page.get_by_test_id("stat-unfiled").inner_text() == "1"
    assert page.get_by_role("link", name="备案审核").is_visible()
    shot(page, "reviewer-home")
