"""manage.py load_regions: derived fields, idempotency, renames, bad files, the committed file."""

from __future__ import annotations

import gzip
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from regions.models import Region
from regions.services import DATA_DIR, newest_region_file

from .conftest import SMALL_TREE


def load(path: Path | None = None) -> str:
    out = StringIO()
    if path is None:
        call_command("load_regions", stdout=out)
    else:
        call_command("load_regions", file=str(path), stdout=out)
    return out.getvalue()


def fields(code: str) -> tuple:
    r = Region.objects.get(code=code)
    return (r.level, r.parent_id, r.province_id, r.city_id, r.tenant_district_id, r.full_name)


@pytest.mark.django_db
def test_load_sets_tree_fields_for_every_kind_of_region(region_file):
    out = load(region_file())

    assert "乡级 (township): 5" in out and "县级 (county): 3" in out
    assert fields("330000") == ("province", None, None, None, None, "浙江省")
    assert fields("330100") == ("city", "330000", "330000", None, None, "浙江省杭州市")
    # A normal county files for itself; its townships file with it.
    assert fields("330106") == ("county", "330100", "330000", "330100", "330106", "浙江省杭州市西湖区")
    assert fields("330106001") == ("township", "330106", "330000", "330100", "330106", "浙江省杭州市西湖区北山街道")
    # Dongguan has no counties: each township is its own filing district.
    assert fields("441900003") == ("township", "441900", "440000", "441900", "441900003", "广东省东莞市东城街道")
    assert Region.objects.get(code="441900003").is_tenant
    assert Region.objects.get(code="441900").tenant_district_id is None
    # Municipality: districts hang under the province, there is no city.
    assert fields("110101") == ("county", "110000", "110000", None, "110101", "北京市东城区")
    assert fields("110101001")[4] == "110101"
    assert fields("419001") == ("county", "410000", "410000", None, "419001", "河南省济源市")


@pytest.mark.django_db
def test_reload_changes_nothing(region_file):
    path = region_file()
    load(path)
    before = list(Region.objects.order_by("code").values_list())

    out = load(path)

    assert "新增 created 0, 更新 updated 0, 未变 unchanged 14" in out
    assert list(Region.objects.order_by("code").values_list()) == before


@pytest.mark.django_db
def test_renamed_region_updates_itself_and_descendants_full_names(region_file):
    load(region_file())
    renamed = [(c, "西湖新区" if c == "330106" else n, lvl, p) for c, n, lvl, p in SMALL_TREE]

    out = load(region_file(renamed, name="regions-2099-02-01.csv"))

    # The county and its two townships changed; nothing else did.
    assert "更新 updated 3," in out
    assert Region.objects.get(code="330106").name == "西湖新区"
    assert Region.objects.get(code="330106002").full_name == "浙江省杭州市西湖新区西溪街道"
    assert Region.objects.get(code="330100").full_name == "浙江省杭州市"


@pytest.mark.django_db
def test_region_missing_from_new_file_is_kept_and_counted(region_file):
    load(region_file())
    out = load(region_file([r for r in SMALL_TREE if r[0] != "330106002"], name="regions-2099-03-01.csv"))
    assert "not in file 1" in out
    assert Region.objects.filter(code="330106002").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(("bad_row", "message"), [
    (("330106003", "新街道", "township", "330199"), "上级区划“330199”不在文件中"),
    (("33010600", "短码", "township", "330106"), "与级别“township”不符"),
    (("330106", "重复", "county", "330100"), "区划代码“330106”重复"),
    (("330107", "某区", "district", "330100"), "级别“district”无效"),
    (("330203001", "错挂街道", "township", "330106"), "与上级“330106”不一致"),
])
def test_bad_row_names_the_line_and_loads_nothing(region_file, bad_row, message):
    path = region_file([*SMALL_TREE, bad_row], name="bad.csv")

    with pytest.raises(CommandError) as exc:
        load(path)

    assert message in str(exc.value)
    assert f"第 {len(SMALL_TREE) + 2} 行 / line {len(SMALL_TREE) + 2}" in str(exc.value)
    assert not Region.objects.exists()


@pytest.mark.django_db
def test_file_without_the_required_columns_is_refused(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("code,name\n330000,浙江省\n", encoding="utf-8")
    with pytest.raises(CommandError, match="表头缺少列 level, parent"):
        load(path)


def test_default_file_is_the_newest_dated_file(tmp_path):
    for name in ("regions-2021-06-30.csv.gz", "regions-2023-06-30.csv.gz", "regions-2022-12-31.csv.gz"):
        (tmp_path / name).write_bytes(b"")
    assert newest_region_file(tmp_path).name == "regions-2023-06-30.csv.gz"


@pytest.mark.dataset
@pytest.mark.django_db
def test_committed_file_loads_the_whole_country(django_assert_max_num_queries):
    path = newest_region_file()
    assert path.parent == DATA_DIR
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        assert fh.readline().strip() == "code,name,level,parent"

    with django_assert_max_num_queries(10):
        out = load()

    counts = dict(Region.objects.values_list("level").annotate(n=Count("code")))
    assert counts["province"] == 31
    assert 300 <= counts["city"] <= 340
    assert 2800 <= counts["county"] <= 2900
    assert counts["township"] >= 38000
    assert Region.objects.get(code="330106").full_name == "浙江省杭州市西湖区"
    # The four cities without counties: their townships are the filing districts.
    for city in ("441900", "442000", "460400", "620200"):
        townships = Region.objects.filter(parent_id=city)
        assert townships.exists() and all(t.is_tenant for t in townships), city
    assert not Region.objects.filter(name__in=["市辖区", "县", "省直辖县级行政区划"]).exists()
    assert "新增 created" in out

    assert "更新 updated 0, 未变 unchanged" in load()
