"""manage.py import_population and population_of."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from regions.models import Population, Region
from regions.selectors import population_of


def run(path) -> str:
    out = StringIO()
    call_command("import_population", str(path), stdout=out)
    return out.getvalue()


def figures() -> dict:
    return {(p.region_id, p.year): (p.population, p.source) for p in Population.objects.all()}


@pytest.mark.django_db
def test_import_creates_then_upserts(regions, population_file):
    run(population_file([("330106", "2024", "1190000", "七普推算"),
                         ("330105", "2024", "1,030,000", "")]))
    assert figures() == {("330106", 2024): (1190000, "七普推算"), ("330105", 2024): (1030000, "")}

    out = run(population_file([("330106", "2024", "1200000", "2024 统计公报"),
                               ("330105", "2024", "1030000", ""),
                               ("330106", "2025", "1210000", "")], name="second.csv"))

    assert "新增 created 1, 更新 updated 1, 未变 unchanged 1" in out
    assert figures()[("330106", 2024)] == (1200000, "2024 统计公报")
    assert Population.objects.count() == 3


@pytest.mark.django_db
def test_source_column_is_optional(regions, population_file):
    run(population_file([("330106", "2024", "1190000")], header=("code", "year", "population")))
    assert figures() == {("330106", 2024): (1190000, "")}


@pytest.mark.django_db
def test_any_bad_row_names_its_line_and_imports_nothing(regions, population_file):
    Population.objects.create(region_id="330106", year=2024, population=1)
    path = population_file([
        ("330106", "2024", "1190000", ""),     # line 2: fine, but must not be written
        ("999999", "2024", "10", ""),           # line 3: unknown region
        ("330105", "24", "10", ""),             # line 4: bad year
        ("330105", "2024", "-5", ""),           # line 5: negative population
        ("330105", "2024", "十万", ""),          # line 6: not a number
        ("330106", "2024", "1190000", ""),     # line 7: duplicate of line 2
    ])

    with pytest.raises(CommandError) as exc:
        run(path)

    message = str(exc.value)
    assert "文件有 5 处错误，未导入任何数据" in message
    assert "第 3 行 / line 3: 区划代码“999999”不存在" in message
    assert "第 4 行 / line 4: 年份“24”无效" in message
    assert "第 5 行 / line 5: 人口数“-5”应为非负整数" in message
    assert "第 6 行" in message
    assert "第 7 行 / line 7" in message and "首次出现在第 2 行" in message
    assert figures() == {("330106", 2024): (1, "")}


@pytest.mark.django_db
def test_missing_column_is_reported(regions, population_file):
    with pytest.raises(CommandError, match="表头缺少列 population"):
        run(population_file([("330106", "2024")], header=("code", "year")))


@pytest.mark.django_db
def test_import_is_recorded_in_the_audit_trail(regions, population_file):
    run(population_file([("330106", "2024", "1190000", "")]))
    run(population_file([("330106", "2024", "1200000", "")], name="b.csv"))
    run(population_file([("330106", "2024", "1200000", "")], name="c.csv"))  # unchanged: no event
    labels = list(Population.objects.get().audit_events.order_by("pgh_id").values_list("pgh_label", flat=True))
    assert labels == ["insert", "update"]


@pytest.mark.django_db
def test_population_of_prefers_own_figure_then_sums_children(regions, django_assert_max_num_queries):
    def pop(code, year, n):
        Population.objects.create(region_id=code, year=year, population=n)

    pop("330106", 2024, 1_000)          # county with its own figure
    pop("330105001", 2024, 300)         # county 330105 known only through its township
    pop("330203", 2024, 5_000)
    pop("330200", 2024, 9_999)          # Ningbo has its own figure: it wins over the sum
    pop("441900003", 2024, 200)         # a Dongguan township (no counties)
    r = Region.objects.in_bulk()

    with django_assert_max_num_queries(2):
        assert population_of(r["330100"], 2024) == 1_300      # 1,000 + 300
    assert population_of(r["330000"], 2024) == 1_300 + 9_999
    assert population_of(r["330200"], 2024) == 9_999
    assert population_of(r["330105"], 2024) == 300
    assert population_of(r["441900"], 2024) == 200
    assert population_of(r["440000"], 2024) == 200
    assert population_of(r["330106001"], 2024) is None
    assert population_of(r["330000"], 2023) is None
