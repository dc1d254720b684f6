"""The indicators subsidies and supervision plug into the catalogue: arithmetic by hand
(``wired_world.py``), drill-down, page = API = Excel, the summaries, bounded queries."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from indicators import catalogue, selectors
from regions.models import Region

from .conftest import AS_OF
from .wired_world import add_subsidies, add_supervision

pytestmark = pytest.mark.django_db

WIRED = ("inclusive_share", "township_inclusive_coverage", "enrolled_children", "occupancy", "subsidy_paid_share",
         "inspections_done_share", "nonconformities", "overdue_rectifications", "complaints")


@pytest.fixture
def wired(world, regions):
    add_subsidies(world, regions)
    add_supervision(world, regions)
    return world


def _board(code):
    with scopes_disabled():
        return selectors.dashboard(region=Region.objects.get(code=code), as_of=AS_OF)


def _fig(row, code):
    f = row["figures"][code]
    return f["numerator"], f["denominator"], f["value"]


def test_no_indicator_is_pending_any_more():
    assert [i.code for i in catalogue.indicators() if i.pending] == []
    assert all(catalogue.get(code).drill is not None for code in WIRED)


def test_the_wired_indicators_by_hand(wired):
    board = _board("330100")
    xihu = next(r for r in board.rows if r["code"] == "330106")
    gongshu = next(r for r in board.rows if r["code"] == "330105")
    city = board.total

    assert _fig(xihu, "inclusive_share") == (60, 100, 0.6)
    assert xihu["figures"]["inclusive_share"]["status"] == "green"  # target 0.6
    assert _fig(gongshu, "inclusive_share") == (0, 30, 0.0)
    assert _fig(city, "inclusive_share") == (60, 130, 0.4615)
    assert city["figures"]["inclusive_share"]["status"] == "red"

    assert _fig(xihu, "township_inclusive_coverage") == (1, 2, 0.5)
    assert _fig(gongshu, "township_inclusive_coverage") == (0, 1, 0.0)
    assert _fig(city, "township_inclusive_coverage") == (1, 3, 0.3333)

    assert _fig(xihu, "enrolled_children")[2] == 4
    assert _fig(gongshu, "enrolled_children")[2] == 2
    assert _fig(city, "enrolled_children")[2] == 6
    assert _fig(xihu, "occupancy") == (4, 100, 0.04)
    assert _fig(gongshu, "occupancy") == (2, 30, 0.0667)
    assert _fig(city, "occupancy") == (6, 130, 0.0462)

    assert _fig(xihu, "subsidy_paid_share") == (1500, 10000, 0.15)
    assert _fig(gongshu, "subsidy_paid_share") == (600, 6000, 0.1)
    assert _fig(city, "subsidy_paid_share") == (4200, 36000, 0.1167)

    assert _fig(xihu, "inspections_done_share") == (1, 2, 0.5)
    assert xihu["figures"]["inspections_done_share"]["status"] == "red"
    assert _fig(gongshu, "inspections_done_share") == (1, 1, 1.0)
    assert gongshu["figures"]["inspections_done_share"]["status"] == "green"
    assert _fig(city, "inspections_done_share") == (2, 3, 0.6667)

    assert [_fig(r, "nonconformities")[2] for r in (xihu, gongshu, city)] == [1, 2, 3]
    assert [_fig(r, "overdue_rectifications")[2] for r in (xihu, gongshu, city)] == [1, 0, 1]
    assert xihu["figures"]["overdue_rectifications"]["status"] == "red"
    assert gongshu["figures"]["overdue_rectifications"]["status"] == "green"
    assert [_fig(r, "complaints")[2] for r in (xihu, gongshu, city)] == [2, 1, 3]


def test_a_district_sees_only_its_own_rows(wired):
    """The district's board (its townships) counts nothing of 拱墅 nor of the terminated D."""
    board = _board("330106")
    beishan = next(r for r in board.rows if r["code"] == "330106001")
    total = board.total
    assert _fig(total, "complaints")[2] == 2 and _fig(beishan, "complaints")[2] == 2
    assert _fig(total, "nonconformities")[2] == 1
    assert _fig(total, "enrolled_children")[2] == 4
    assert _fig(total, "subsidy_paid_share") == (1500, 10000, 0.15)
    # A township has no budget of its own: paid amounts only in the district's total.
    assert beishan["figures"]["subsidy_paid_share"]["value"] is None


def test_drill_down_names_the_institutions_behind_each_figure(wired):
    w = wired
    xihu = Region.objects.get(code="330106")

    def ids(code):
        with scopes_disabled():
            return selectors.drill(region=xihu, indicator_code=code, as_of=AS_OF)[1:]

    assert ids("inclusive_share") == ("institutions", [w["b"].pk])  # filed, not inclusive
    assert ids("township_inclusive_coverage") == ("regions", ["330106002"])
    assert ids("enrolled_children") == ("institutions", [w["a"].pk, w["b"].pk])
    assert ids("subsidy_paid_share") == ("institutions", [w["a"].pk])
    assert ids("inspections_done_share") == ("institutions", [w["b"].pk])
    assert ids("nonconformities") == ("institutions", [w["a"].pk])
    assert ids("overdue_rectifications") == ("institutions", [w["a"].pk])
    assert ids("complaints") == ("institutions", [w["a"].pk])


def test_page_api_and_excel_agree_on_the_wired_figures(client, make_account, wired):
    client.force_login(make_account("hz_viewer2", "city_viewer", "330100"))
    q = f"region=330100&as_of={AS_OF.isoformat()}"
    api = client.get(f"/api/v1/indicators/?{q}").json()
    html = client.get(f"/indicators/?{q}").content.decode()
    sheet = load_workbook(io.BytesIO(client.get(f"/indicators/?{q}&format=xlsx").content)).active
    excel = {row[0]: row for row in sheet.iter_rows(min_row=3, values_only=True)}
    computed = [i["code"] for i in api["indicators"] if not i["pending_on"]]
    assert set(WIRED) <= set(computed)
    xihu = next(r for r in api["rows"] if r["code"] == "330106")
    assert xihu["figures"]["subsidy_paid_share"]["value"] == 0.15
    assert api["total"]["figures"]["complaints"]["value"] == 3
    for code in WIRED:
        k = computed.index(code)
        assert excel["330106"][4 + 5 * k] == xihu["figures"][code]["value"], code
    for label in ("普惠托位占比", "托位使用率", "补助资金执行率", "检查计划完成率", "逾期未整改数", "投诉举报数"):
        assert label in html
    assert "暂无数据的指标" not in html
    drill = client.get(f"/indicators/drill/?region=330106&indicator=overdue_rectifications&as_of={AS_OF}")
    assert drill.status_code == 200 and wired["a"].name in drill.content.decode()


def test_the_summaries_carry_the_wired_indicators(wired):
    from indicators.services import snapshot_refresh

    with scopes_disabled():
        snap = snapshot_refresh(region=Region.objects.get(code="330000"), as_of=AS_OF)
    hangzhou = next(r for r in snap.payload["rows"] if r["code"] == "330100")
    assert hangzhou["figures"]["complaints"]["value"] == 3
    assert hangzhou["figures"]["subsidy_paid_share"]["numerator"] == 4200
    assert snap.payload["total"]["figures"]["inspections_done_share"]["value"] == 0.6667


def test_one_statement_per_indicator_whatever_the_rows(wired):
    with scopes_disabled():
        region = Region.objects.get(code="330100")
        with CaptureQueriesContext(connection) as ctx:
            selectors.compute(region=region, as_of=AS_OF)
    statements = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith("WITH")]
    assert len(statements) == len(catalogue.indicators())
