"""A family finds a nearby toddler class on the public map, on a phone, with the map tiles unavailable:
the browser's location orders the results, the markers and the list still work, and the institution
page shows the classes. Screenshots in test-artifacts/."""

from __future__ import annotations

import re

import pytest

from registry.models import InstitutionKind
from tests.portal.helpers import filed

HOME = {"latitude": 30.27, "longitude": 120.15}


@pytest.fixture
def phone(browser, live_server, artifacts_dir):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", geolocation=HOME,
                                  permissions=["geolocation"], viewport={"width": 390, "height": 844},
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    blocked = []

    def refuse(route):  # the tile server is unreachable (a closed government network, an outage)
        blocked.append(route.request.url)
        route.abort()

    context.route(re.compile(r".*tianditu\.gov\.cn.*"), refuse)
    page = context.new_page()
    page.blocked_tiles = blocked
    yield page
    context.close()


def test_a_family_finds_a_nearby_toddler_class_with_tiles_unavailable(phone, shot, regions, settings):
    settings.TIANDITU_KEY = "demo-key-unreachable"
    filed("文三路乳儿托育园", lat=30.271, lng=120.15, classes=("infant",), fees={"full_day": 300000})
    filed("文三路托小托育园", lat=30.276, lng=120.152, classes=("toddler", "older_toddler"),
          fees={"full_day": 260000}, service_types=("full_day", "half_day"))
    filed("西溪托小托育中心", lat=30.29, lng=120.14, classes=("toddler",), fees={"full_day": 220000})
    filed("翠苑家庭托育点", lat=30.2801, lng=120.1603, kind=InstitutionKind.HOME_DAYCARE, classes=("mixed",),
          region="330106002")
    filed("远郊托小托育园", lat=30.6, lng=120.15, classes=("toddler",))
    page = phone

    page.goto("/search/")
    shot(page, "search-page")
    page.get_by_label("孩子月龄").fill("15")
    page.get_by_test_id("use-location").click()
    page.wait_for_url(re.compile(r".*lat=30\.27.*"))
    results = page.get_by_test_id("result")
    names = [results.nth(i).locator("a").first.inner_text() for i in range(results.count())]
    # 15 months: a 托小班 (12–24); nearest first; the infant-only and the far one are not listed.
    assert names == ["文三路托小托育园", "西溪托小托育中心"]
    assert page.get_by_test_id("distance").first.inner_text().startswith("0.")

    the_map = page.get_by_test_id("map")
    page.wait_for_function("document.getElementById('map').dataset.markers === '2'")
    page.wait_for_function("document.getElementById('map-note').textContent.includes('无法加载')")
    assert "no-tiles" in the_map.get_attribute("class")
    assert page.blocked_tiles, "the page asked the tile server and carried on without it"
    the_map.scroll_into_view_if_needed()
    shot(page, "results-and-map-without-tiles")

    page.locator("path.result-marker").first.click()
    popup = page.locator(".leaflet-popup-content a")
    popup.wait_for()
    assert popup.inner_text() in names
    shot(page, "marker-popup")

    results.first.locator("a").first.click()
    page.wait_for_url(re.compile(r".*/institutions/\d+/$"))
    assert page.get_by_test_id("public-institution-name").inner_text() == "文三路托小托育园"
    assert "托小班" in page.content() and "全日托：每月 2600 元" in page.content()
    page.wait_for_function("document.getElementById('institution-map').dataset.ready === '1'")
    shot(page, "institution-page")


def test_the_search_works_with_no_tile_key_and_no_location(page, shot, regions):
    filed("文三路托小托育园", lat=30.276, lng=120.152, classes=("toddler",))
    page.goto("/search/?district=330106")
    assert page.get_by_test_id("result").count() == 1
    page.wait_for_function("document.getElementById('map').dataset.markers === '1'")
    assert "未配置地图底图" in page.get_by_test_id("map-note").inner_text()
    shot(page, "search-without-tiles")
