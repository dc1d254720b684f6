"""Open data: the filed-institution list of a province, city or district as CSV and Excel, the columns the
national registry publishes, nothing personal, streamed; limited per client address."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import override_settings
from openpyxl import load_workbook

from registry.models import InstitutionKind, InstitutionStatus
from registry.selectors.public import OPEN_DATA_COLUMNS
from tests.portal.helpers import filed

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(regions):
    return [filed("西湖一园", lat=30.27, lng=120.13, service_types=("full_day", "half_day")),
            filed("西湖家庭点", kind=InstitutionKind.HOME_DAYCARE, region="330106002"),
            filed("拱墅一园", region="330105001"),
            filed("拱墅已终止", region="330105001", status=InstitutionStatus.TERMINATED)]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


@pytest.mark.parametrize(("code", "expected"), [
    ("330106", {"西湖一园", "西湖家庭点"}), ("330105", {"拱墅一园"}),
    ("330100", {"西湖一园", "西湖家庭点", "拱墅一园"}), ("330000", {"西湖一园", "西湖家庭点", "拱墅一园"}),
])
def test_a_regions_list_as_csv(client, listed, code, expected):
    rows = read_csv(client.get(f"/open-data/{code}.csv"))
    assert rows[0] == [label for _k, label in OPEN_DATA_COLUMNS]
    assert {r[0] for r in rows[1:]} == expected
    first = next(r for r in rows if r[0] == "西湖一园") if "西湖一园" in expected else None
    if first:
        record = dict(zip(rows[0], first, strict=True))
        assert record["服务类型"] == "全日托、半日托" and record["区县"] == "西湖区" and record["状态"] == "已备案"
        assert record["备案回执编号"].startswith("330106-2026-") and record["备案机关"] == "西湖区卫生健康局"
        assert record["城市"] == "杭州市" and record["省份"] == "浙江省"
    body = "\n".join(",".join(r) for r in rows)
    assert "13800138000" not in body and "王园长" not in body


def test_the_same_list_as_excel(client, listed):
    response = client.get("/open-data/330100.xlsx")
    assert response.status_code == 200 and "spreadsheetml" in response["Content-Type"]
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [label for _k, label in OPEN_DATA_COLUMNS]
    assert {r[0] for r in rows[1:]} == {"西湖一园", "西湖家庭点", "拱墅一园"}


def test_a_home_daycare_points_address_is_its_district_and_township(client, listed):
    rows = read_csv(client.get("/open-data/330106.csv"))
    home = dict(zip(rows[0], next(r for r in rows if r[0] == "西湖家庭点"), strict=True))
    assert home["地址"] == "西湖区西溪街道" and home["乡镇（街道）"] == "西溪街道"


def test_the_index_lists_regions_with_filed_institutions(client, listed):
    page = client.get("/open-data/").content.decode()
    assert "浙江省（3 家）" in page and "杭州市（3 家）" in page and "西湖区（2）" in page
    assert "/open-data/330105.xlsx" in page


@pytest.mark.parametrize("code", ["999999", "330106001", "abc", "110000"])
def test_a_region_without_a_list_is_404(client, listed, code):
    assert client.get(f"/open-data/{code}.csv").status_code == 404


@override_settings(EXPORT_RATE_LIMITS=((2, 60),))
def test_exports_are_limited_per_client_address(client, listed):
    assert client.get("/open-data/330106.csv").status_code == 200
    assert client.get("/open-data/330106.xlsx").status_code == 200
    response = client.get("/open-data/330106.csv")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
