"""A city official drills, in a real browser, from a red indicator on the city dashboard to the
institutions behind it (the screenshot of the city dashboard is kept in test-artifacts)."""

from __future__ import annotations

from tests.conftest import PASSWORD
from tests.indicators.conftest import world  # noqa: F401  (the hand-computed world)


def test_city_official_drills_from_a_red_indicator_to_its_institutions(page, shot, browser_login, make_account,
                                                                       world):  # noqa: F811
    official = make_account("hz_city_official", "city_viewer", "330100")
    browser_login(page, official.username, PASSWORD)
    page.get_by_role("link", name="指标看板").first.click()
    assert "杭州市" in page.get_by_test_id("dashboard-title").inner_text()
    page.get_by_test_id("bar-chart").locator("canvas").first.wait_for()
    shot(page, "city-dashboard")

    xihu = page.get_by_test_id("row-330106")
    cell = xihu.get_by_test_id("cell-filing_rate")
    assert cell.get_attribute("data-status") == "red"
    assert cell.inner_text() == "75.0%"  # filed 甲, 乙, 己 of 甲, 乙, 丙, 己 (丁 terminated)
    cell.click()

    assert "备案率" in page.get_by_test_id("drill-title").inner_text()
    rows = page.get_by_test_id("drill-row")
    assert rows.count() == 1 and "丙托育园" in rows.first.inner_text()
    shot(page, "drill-unfiled")
    rows.first.get_by_role("link", name="丙托育园").click()
    assert "丙托育园" in page.content()
    shot(page, "institution")
