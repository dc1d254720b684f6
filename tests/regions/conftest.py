"""Helpers for region tests: write small region / population CSV files."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

import pytest

# A small but awkward tree: a normal province, a municipality (no city level), a city without
# counties (Dongguan) and a provincial directly-administered county-level city (Jiyuan).
SMALL_TREE = [
    ("330000", "浙江省", "province", ""),
    ("330100", "杭州市", "city", "330000"),
    ("330106", "西湖区", "county", "330100"),
    ("330106001", "北山街道", "township", "330106"),
    ("330106002", "西溪街道", "township", "330106"),
    ("110000", "北京市", "province", ""),
    ("110101", "东城区", "county", "110000"),
    ("110101001", "东华门街道", "township", "110101"),
    ("440000", "广东省", "province", ""),
    ("441900", "东莞市", "city", "440000"),
    ("441900003", "东城街道", "township", "441900"),
    ("441900004", "南城街道", "township", "441900"),
    ("410000", "河南省", "province", ""),
    ("419001", "济源市", "county", "410000"),
]


def write_csv(path: Path, header: list[str], rows, *, gz: bool = False) -> Path:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    data = text.getvalue().encode("utf-8")
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


@pytest.fixture
def region_file(tmp_path):
    def make(rows=SMALL_TREE, name="regions-2099-01-01.csv.gz"):
        return write_csv(tmp_path / name, ["code", "name", "level", "parent"], rows, gz=name.endswith(".gz"))

    return make


@pytest.fixture
def population_file(tmp_path):
    def make(rows, header=("code", "year", "population", "source"), name="population.csv"):
        return write_csv(tmp_path / name, list(header), rows)

    return make
