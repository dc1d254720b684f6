"""The dashboards as officials reach them: page = API = Excel, scope, roles, query counts, summaries."""

import io

import pytest
from openpyxl import load_workbook

from core.errors import DomainError
from indicators.present import format_value

from .conftest import AS_OF

pytestmark = pytest.mark.django_db

Q = f"as_of={AS_OF.isoformat()}"


def _client(client, make_account, name, role, scope):
    client.force_login(make_account(name, role, scope))
    return client


def test_page_api_and_excel_show_the_same_numbers(client, make_account, world):
    c = _client(client, make_account, "hz_viewer", "city_viewer", "330100")
    page = c.get(f"/indicators/?region=330100&{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    api = c.get(f"/api/v1/indicators/?region=330100&{Q}").json()
    assert api["region"] == "330100" and api["source"] == "live"
    xlsx = c.get(f"/indicators/?region=330100&{Q}&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    excel_rows = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    kinds = {i["code"]: i["kind"] for i in api["indicators"] if not i["pending_on"]}
    computed = [i["code"] for i in api["indicators"] if not i["pending_on"]]
    for row in [*api["rows"], {**api["total"], "code": "330100"}]:
        for k, code in enumerate(computed):
            figure = row["figures"][code]
            assert excel_rows[row["code"]][4 + 5 * k] == figure["value"], (row["code"], code)
            if figure["value"] is not None:
                assert format_value(kinds[code], figure["value"]) in html
    xihu = next(r for r in api["rows"] if r["code"] == "330106")
    assert xihu["figures"]["filing_rate"] | {} == {"numerator": 2, "denominator": 4, "value": 0.5, "note": "",
                                                   "target": 1.0, "status": "red"}
    assert "无人口数据" in html  # 拱墅区


def test_a_district_sees_its_own_figures_and_nothing_of_another(client, make_account, world):
    c = _client(client, make_account, "xh_rev", "district_reviewer", "330106")
    page = c.get(f"/indicators/?{Q}")
    assert page.status_code == 200
    html = page.content.decode()
    assert "西湖区" in html and "北山街道" in html
    assert "拱墅" not in html
    for region in ("330105", "330100", "330000", "000000", "999999"):
        assert c.get(f"/indicators/?region={region}&{Q}").status_code == 404, region
        response = c.get(f"/api/v1/indicators/?region={region}&{Q}")
        assert response.status_code == 404 and response.json()["code"] == "region_not_found"
        assert c.get(f"/indicators/drill/?region={region}&indicator=filing_rate&{Q}").status_code == 404
    # Row security: even the district's own total counts none of 拱墅's institutions.
    api = c.get(f"/api/v1/indicators/?{Q}").json()
    assert api["total"]["figures"]["slots_per_1000"]["numerator"] == 100


def test_a_city_viewer_of_another_city_gets_404(client, make_account, world):
    c = _client(client, make_account, "nb_viewer", "city_viewer", "330200")
    assert c.get(f"/indicators/?region=330100&{Q}").status_code == 404
    assert c.get(f"/indicators/trend/?region=330106&{Q}").status_code == 404
    assert c.get(f"/api/v1/indicators/?region=330105&{Q}").status_code == 404


def test_province_and_national_viewers_read_their_region_only(client, make_account, world):
    c = _client(client, make_account, "zj_viewer", "province_viewer", "330000")
    api = c.get(f"/api/v1/indicators/?{Q}").json()
    assert api["region"] == "330000" and [r["code"] for r in api["rows"]] == ["330100", "330200"]
    assert api["total"]["figures"]["slots_per_1000"]["numerator"] == 130
    assert c.get(f"/api/v1/indicators/?region=440000&{Q}").status_code == 404
    assert c.get(f"/api/v1/indicators/?region=000000&{Q}").status_code == 404
    assert c.get(f"/indicators/?region=330100&{Q}").status_code == 200  # drill into a city of the province
    client.logout()
    n = _client(client, make_account, "cn_viewer", "national_viewer", "000000")
    api = n.get(f"/api/v1/indicators/?{Q}").json()
    assert api["region"] == "000000" and {"330000", "440000"} <= {r["code"] for r in api["rows"]}
    assert api["total"]["figures"]["slots_per_1000"]["numerator"] == 130


def test_viewer_roles_take_only_their_level(make_account, regions):
    with pytest.raises(DomainError) as e:
        make_account("p1", "province_viewer", "330100")
    assert e.value.code == "scope_invalid"
    with pytest.raises(DomainError):
        make_account("n1", "national_viewer", "330000")
    make_account("p2", "province_viewer", "330000")
    make_account("n2", "national_viewer", "000000")


def test_bad_input_is_400_not_500(client, make_account, world):
    c = _client(client, make_account, "hz_viewer", "city_viewer", "330100")
    assert c.get("/indicators/?as_of=2026-13-01").status_code == 400
    response = c.get("/api/v1/indicators/?as_of=yesterday")
    assert response.status_code == 400 and "as_of" in response.json()["fields"]
    assert c.get(f"/indicators/drill/?indicator=&{Q}").status_code == 400
    assert c.get(f"/indicators/drill/?indicator=nope&{Q}").status_code == 400


def test_operators_cannot_read_dashboards(client, make_account, world):
    c = _client(client, make_account, "op", "operator", world["a"].uscc)
    assert c.get("/indicators/").status_code == 403
    assert c.get("/api/v1/indicators/").status_code == 403


def test_drill_down_lists_the_rows_behind_a_figure(client, make_account, world):
    c = _client(client, make_account, "hz_viewer", "city_viewer", "330100")
    html = c.get(f"/indicators/drill/?region=330106&indicator=filing_rate&{Q}").content.decode()
    assert "丙托育园" in html and "己托育园" in html
    assert "甲托育园" not in html and "丁托育园" not in html
    html = c.get(f"/indicators/drill/?region=330106&indicator=township_coverage&{Q}").content.decode()
    assert "西溪街道" in html and "北山街道" not in html
    html = c.get(f"/indicators/drill/?region=330106&indicator=caregiver_certified_share&{Q}").content.decode()
    assert "甲托育园" in html and "乙托育园" not in html


def test_query_count_does_not_grow_with_children(client, make_account, world, django_assert_max_num_queries):
    c = _client(client, make_account, "zj_viewer", "province_viewer", "330000")
    c.get(f"/indicators/?{Q}")  # warm the session and caches
    # One statement per indicator (16) in one transaction with JIT off (the switch and, in tests, a
    # savepoint pair); plus the region tree, populations, targets and the session: whatever the number
    # of children.
    with django_assert_max_num_queries(40):
        assert c.get(f"/indicators/?{Q}").status_code == 200
    with django_assert_max_num_queries(40):
        assert c.get(f"/indicators/?region=330100&{Q}").status_code == 200


def test_province_dashboards_are_served_from_the_summaries_with_their_refresh_time(client, make_account, world):
    from core.sweeps import run_sweep
    from indicators.models import IndicatorSnapshot

    run = run_sweep("indicators.summaries", regions=["330000"])
    assert run.outcome == "ok"
    snapshot = IndicatorSnapshot.objects.filter(region_code="330000").latest("as_of")
    c = _client(client, make_account, "zj_viewer", "province_viewer", "330000")
    html = c.get("/indicators/").content.decode()
    assert "汇总数据，刷新于" in html
    api = c.get("/api/v1/indicators/").json()
    assert api["source"] == "summary" and api["as_of"] == snapshot.as_of.isoformat()
    # A day without a summary is computed live.
    assert c.get(f"/api/v1/indicators/?{Q}").json()["source"] == "live"


def test_trend_gives_each_year(client, make_account, world):
    c = _client(client, make_account, "hz_viewer", "city_viewer", "330100")
    page = c.get(f"/indicators/trend/?region=330106&{Q}")
    assert page.status_code == 200
    xlsx = c.get(f"/indicators/trend/?region=330106&{Q}&format=xlsx")
    rows = list(load_workbook(io.BytesIO(xlsx.content)).active.iter_rows(min_row=3, values_only=True))
    assert [r[0] for r in rows] == ["2022-12-31", "2023-12-31", "2024-12-31", "2025-12-31", "2026-06-30"]
    assert rows[-1][2] == 0.1  # slots per 1,000 on the day
    assert rows[-2][3] == 0  # 2025-12-31: no slots filed yet (D terminated counts nowhere)
