"""Writes for regions: loading the GB/T 2260 tree and importing population figures.

Both are all-or-nothing: a bad line aborts the whole load with an error naming it.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection, transaction
from psycopg import sql

from core.errors import DomainError

from .models import Population, Region
from .rules import LEVELS, RowError, derive_tree, parse_population_rows

DATA_DIR = Path(__file__).resolve().parent / "data"
MAX_REPORTED_ERRORS = 50


def _raise_row_errors(code: str, errors: list[RowError]) -> None:
    shown = [str(e) for e in errors[:MAX_REPORTED_ERRORS]]
    if len(errors) > MAX_REPORTED_ERRORS:
        shown.append(f"……另有 {len(errors) - MAX_REPORTED_ERRORS} 处错误 / {len(errors) - MAX_REPORTED_ERRORS} more")
    raise DomainError(code, f"文件有 {len(errors)} 处错误，未导入任何数据：\n" + "\n".join(shown),
                      fields={"file": shown})


def newest_region_file(data_dir: Path = DATA_DIR) -> Path:
    files = sorted(data_dir.glob("regions-*.csv.gz")) + sorted(data_dir.glob("regions-*.csv"))
    if not files:
        raise DomainError("region_file_missing", f"目录 {data_dir} 中没有区划数据文件（regions-<日期>.csv.gz）。")
    # The date is in the name (ISO format), so the lexically greatest name is the newest.
    return max(files, key=lambda p: p.name)


def _open_text(path: Path) -> io.TextIOBase:
    if path.suffix == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _csv_rows(path: Path, required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    try:
        with _open_text(path) as fh:
            reader = csv.DictReader(fh)
            header = [h.strip() for h in (reader.fieldnames or [])]
            missing = [c for c in required if c not in header]
            if missing:
                raise DomainError("file_header_invalid",
                                  f"第 1 行 / line 1: 表头缺少列 {', '.join(missing)}（应为 {','.join(required)}）。")
            reader.fieldnames = header
            return [(reader.line_num, row) for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error, EOFError) as exc:
        raise DomainError("file_unreadable", f"无法读取文件 {path}：{exc}") from exc


@dataclass
class RegionLoadResult:
    path: str = ""
    per_level: dict[str, int] = field(default_factory=dict)
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    not_in_file: int = 0


_COLUMNS = ("code", "name", "level", "parent_id", "province_id", "city_id", "tenant_district_id", "full_name")
_TABLE = sql.Identifier(Region._meta.db_table)
_TEMP = sql.Identifier("_region_load")
_COLS = sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
_SQL_CREATE_TEMP = sql.SQL("CREATE TEMP TABLE {} (LIKE {} INCLUDING DEFAULTS) ON COMMIT DROP").format(_TEMP, _TABLE)
_SQL_COPY = sql.SQL("COPY {} ({}) FROM STDIN").format(_TEMP, _COLS)
_SQL_UPSERT = sql.SQL(
    "INSERT INTO {table} AS t ({cols}) SELECT {cols} FROM {temp} "
    "ON CONFLICT (code) DO UPDATE SET {updates} WHERE {changed} RETURNING (xmax = 0)").format(
    table=_TABLE, temp=_TEMP, cols=_COLS,
    updates=sql.SQL(", ").join(sql.SQL("{c} = EXCLUDED.{c}").format(c=sql.Identifier(c)) for c in _COLUMNS[1:]),
    changed=sql.SQL(" OR ").join(sql.SQL("t.{c} IS DISTINCT FROM EXCLUDED.{c}").format(c=sql.Identifier(c))
                                 for c in _COLUMNS[1:]))
_SQL_NOT_IN_FILE = sql.SQL("SELECT count(*) FROM {} t WHERE NOT EXISTS (SELECT 1 FROM {} l WHERE l.code = t.code)"
                           ).format(_TABLE, _TEMP)
_SQL_DROP_TEMP = sql.SQL("DROP TABLE {}").format(_TEMP)


@transaction.atomic
def regions_load(*, actor, path: Path) -> RegionLoadResult:
    """Upsert the region tree from a ``code,name,level,parent`` CSV (optionally gzipped).

    Idempotent: rows that did not change are not written; renamed regions (and their
    descendants' full names) are updated. Regions missing from the file are kept (other rows
    refer to them) and counted in ``not_in_file``. ``actor`` is None for the command line.
    """
    rows = _csv_rows(path, ("code", "name", "level", "parent"))
    derived, errors = derive_tree(
        (line, r.get("code") or "", r.get("name") or "", r.get("level") or "", r.get("parent") or "")
        for line, r in rows)
    if errors:
        _raise_row_errors("region_file_invalid", errors)

    with connection.cursor() as cur:
        cur.execute(_SQL_CREATE_TEMP)
        with cur.cursor.copy(_SQL_COPY) as copy:
            for r in derived:
                copy.write_row((r.code, r.name, r.level, r.parent, r.province, r.city, r.tenant_district,
                                r.full_name))
        # FK constraints are deferred (Django creates them DEFERRABLE INITIALLY DEFERRED), so the
        # order of rows does not matter inside the transaction. Unchanged rows are not written.
        cur.execute(_SQL_UPSERT)
        outcome = Counter(inserted for (inserted,) in cur.fetchall())
        cur.execute(_SQL_NOT_IN_FILE)
        (not_in_file,) = cur.fetchone()
        cur.execute(_SQL_DROP_TEMP)
        # Fresh statistics now, not when autovacuum gets round to it: with the stale estimate the
        # planner hash-joins the whole tree into list pages' select_related (docs/benchmarks.md).
        cur.execute("ANALYZE regions_region")

    per_level = Counter(r.level for r in derived)
    return RegionLoadResult(
        path=str(path), per_level={lvl: per_level[lvl] for lvl in LEVELS},
        created=outcome[True], updated=outcome[False],
        unchanged=len(derived) - outcome[True] - outcome[False], not_in_file=not_in_file)


@dataclass
class PopulationImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@transaction.atomic
def population_import(*, actor, path: Path) -> PopulationImportResult:
    """Upsert population figures from a ``code,year,population[,source]`` CSV, all or nothing."""
    rows = _csv_rows(path, ("code", "year", "population"))
    parsed, errors = parse_population_rows(rows)
    known = set(Region.objects.filter(code__in={p.code for p in parsed}).values_list("code", flat=True))
    errors += [RowError(p.line, f"区划代码“{p.code}”不存在", f"unknown region code {p.code!r}")
               for p in parsed if p.code not in known]
    if errors:
        _raise_row_errors("population_file_invalid", sorted(errors, key=lambda e: e.line))
    if not parsed:
        return PopulationImportResult()

    existing = {
        (region_id, year): (pk, population, source)
        for pk, region_id, year, population, source in Population.objects.select_for_update()
        .filter(region_id__in=known, year__in={p.year for p in parsed})
        .values_list("pk", "region_id", "year", "population", "source")
    }
    to_create: list[Population] = []
    to_update: list[Population] = []
    unchanged = 0
    for p in parsed:
        current = existing.get((p.code, p.year))
        if current is None:
            to_create.append(Population(region_id=p.code, year=p.year, population=p.population, source=p.source))
        elif current[1:] != (p.population, p.source):
            to_update.append(Population(pk=current[0], region_id=p.code, year=p.year, population=p.population,
                                        source=p.source))
        else:
            unchanged += 1
    Population.objects.bulk_create(to_create, batch_size=2000)
    Population.objects.bulk_update(to_update, ["population", "source"], batch_size=500)
    return PopulationImportResult(created=len(to_create), updated=len(to_update), unchanged=unchanged)
