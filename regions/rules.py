"""Pure rules of the region tree and of population figures (no ORM, no Django).

* ``derive_tree(rows)`` checks a GB/T 2260 file (code, name, level, parent) and works out, per
  region, its province, city, tenant district and full name.
* ``parse_population_rows(rows)`` checks a population CSV (code, year, population[, source]).

Both report problems as ``RowError`` naming the line, in Chinese and English.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

LEVELS = ("province", "city", "county", "township")
CODE_LENGTH = {"province": 6, "city": 6, "county": 6, "township": 9}
# Which levels a region of a given level may hang under (municipalities and provincial
# directly-administered counties hang under the province; townships of cities without counties
# hang under the city).
PARENT_LEVELS = {"province": (), "city": ("province",), "county": ("province", "city"),
                 "township": ("county", "city")}
MIN_YEAR, MAX_YEAR = 1949, 2100
MAX_POPULATION = 2_000_000_000


@dataclass(frozen=True)
class RowError:
    line: int
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"第 {self.line} 行 / line {self.line}: {self.message_zh} ({self.message_en})"


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: str
    parent: str | None
    province: str | None
    city: str | None
    tenant_district: str | None
    full_name: str


def _code_shape_ok(code: str, level: str) -> bool:
    if not re.fullmatch(r"\d+", code) or len(code) != CODE_LENGTH[level]:
        return False
    if level == "province":
        return code.endswith("0000")
    if level == "city":
        return code.endswith("00") and not code.endswith("0000")
    if level == "county":
        return not code.endswith("00")
    return True


def derive_tree(rows: Iterable[tuple[int, str, str, str, str]]) -> tuple[list[RegionRow], list[RowError]]:
    """``rows``: (line, code, name, level, parent code or ""). Parents must be in the same file.

    Returns the derived rows (parents before children) and the errors; with errors, the rows
    are not to be used.
    """
    raw: dict[str, tuple[int, str, str, str | None]] = {}
    errors: list[RowError] = []
    for line, code, name, level, parent in rows:
        code, name, level, parent = code.strip(), name.strip(), level.strip(), (parent or "").strip()
        if level not in LEVELS:
            errors.append(RowError(line, f"级别“{level}”无效，应为 {'/'.join(LEVELS)}",
                                   f"invalid level {level!r}"))
            continue
        if not _code_shape_ok(code, level):
            errors.append(RowError(line, f"区划代码“{code}”与级别“{level}”不符",
                                   f"code {code!r} does not fit level {level}"))
            continue
        if not name:
            errors.append(RowError(line, "名称为空", "empty name"))
            continue
        if len(name) > 64:
            errors.append(RowError(line, "名称超过 64 个字符", "name longer than 64 characters"))
            continue
        if code in raw:
            errors.append(RowError(line, f"区划代码“{code}”重复（首次出现在第 {raw[code][0]} 行）",
                                   f"duplicate code {code!r} (first on line {raw[code][0]})"))
            continue
        raw[code] = (line, name, level, parent or None)

    for code, (line, _name, level, parent) in raw.items():
        if level == "province":
            if parent:
                errors.append(RowError(line, "省级区划不应有上级", "a province has no parent"))
            continue
        if not parent or parent not in raw:
            errors.append(RowError(line, f"上级区划“{parent or ''}”不在文件中",
                                   f"parent {parent!r} is not in the file"))
            continue
        parent_level = raw[parent][2]
        if parent_level not in PARENT_LEVELS[level]:
            errors.append(RowError(line, f"{level} 级区划不能挂在 {parent_level} 级区划之下",
                                   f"a {level} cannot hang under a {parent_level}"))
        elif not code.startswith(parent[: {"province": 2, "city": 4, "county": 6}[parent_level]]):
            errors.append(RowError(line, f"区划代码“{code}”与上级“{parent}”不一致",
                                   f"code {code!r} is not under parent {parent!r}"))
    if errors:
        return [], sorted(errors, key=lambda e: e.line)

    derived: dict[str, RegionRow] = {}
    for code in sorted(raw, key=lambda c: (LEVELS.index(raw[c][2]), c)):
        _line, name, level, parent_code = raw[code]
        parent = derived[parent_code] if parent_code else None
        province = None if parent is None else (parent.code if parent.level == "province" else parent.province)
        city = parent.code if parent and parent.level == "city" else (parent.city if parent else None)
        if level == "county":
            tenant_district: str | None = code
        elif level == "township":
            # Normally the county; in a city without counties the township files itself.
            tenant_district = parent_code if parent and parent.level == "county" else code
        else:
            tenant_district = None
        derived[code] = RegionRow(code=code, name=name, level=level, parent=parent_code,
                                  province=province, city=city, tenant_district=tenant_district,
                                  full_name=(parent.full_name if parent else "") + name)
    return list(derived.values()), []


@dataclass(frozen=True)
class PopulationRow:
    line: int
    code: str
    year: int
    population: int
    source: str


def parse_population_rows(
    rows: Iterable[tuple[int, dict[str, str]]],
) -> tuple[list[PopulationRow], list[RowError]]:
    """``rows``: (line, {"code", "year", "population", "source"?}) as read from the CSV."""
    parsed: list[PopulationRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[str, int], int] = {}
    for line, row in rows:
        code = (row.get("code") or "").strip()
        year_s = (row.get("year") or "").strip()
        pop_s = (row.get("population") or "").strip().replace(",", "")
        source = (row.get("source") or "").strip()
        if not re.fullmatch(r"\d{6}|\d{9}", code):
            errors.append(RowError(line, f"区划代码“{code}”应为 6 位或 9 位数字",
                                   f"region code {code!r} must be 6 or 9 digits"))
            continue
        if not re.fullmatch(r"\d{4}", year_s) or not MIN_YEAR <= int(year_s) <= MAX_YEAR:
            errors.append(RowError(line, f"年份“{year_s}”无效（应为 {MIN_YEAR}–{MAX_YEAR} 的四位年份）",
                                   f"invalid year {year_s!r}"))
            continue
        if not re.fullmatch(r"\d+", pop_s) or int(pop_s) > MAX_POPULATION:
            errors.append(RowError(line, f"人口数“{pop_s}”应为非负整数",
                                   f"population {pop_s!r} must be a non-negative integer"))
            continue
        if len(source) > 200:
            errors.append(RowError(line, "来源超过 200 个字符", "source longer than 200 characters"))
            continue
        key = (code, int(year_s))
        if key in seen:
            errors.append(RowError(line, f"区划“{code}”{year_s} 年的人口重复（首次出现在第 {seen[key]} 行）",
                                   f"duplicate {code} {year_s} (first on line {seen[key]})"))
            continue
        seen[key] = line
        parsed.append(PopulationRow(line, code, int(year_s), int(pop_s), source))
    return parsed, errors
