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


GLYPHS_JS = """() => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 32;
  const ctx = canvas.getContext('2d');
  ctx.font = '24px ' + getComputedStyle(document.body).fontFamily;
  const draw = (text) => {
    ctx.clearRect(0, 0, 64, 32); ctx.fillText(text, 0, 26);
    return Array.from(ctx.getImageData(0, 0, 64, 32).data).join(',');
  };
  return [draw('托'), draw('育'), draw(String.fromCodePoint(0x10FFFD))];
}"""


def test_chinese_renders_as_glyphs_not_boxes(page):
    """Without a CJK font every Chinese character is the same 'missing glyph' box."""
    page.goto("/accounts/login/")
    tuo, yu, missing = page.evaluate(GLYPHS_JS)
    assert tuo != yu, "托 and 育 render identically: no CJK font (install fonts-wqy-microhei)"
    assert tuo != missing and yu != missing
