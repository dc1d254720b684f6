"""manage.py load_regions [--file PATH]: upsert the GB/T 2260 tree from a dated data file."""

from __future__ import annotations

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from regions.models import RegionLevel
from regions.services import newest_region_file, regions_load


class Command(BaseCommand):
    help = "导入/更新行政区划树（默认使用 regions/data 中最新的 regions-<日期>.csv.gz）。"

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, help="code,name,level,parent CSV (.csv or .csv.gz)")

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            path = Path(options["file"]) if options["file"] else newest_region_file()
            if not path.exists():
                raise CommandError(f"文件不存在 / file not found: {path}")
            result = regions_load(actor=None, path=path)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"区划文件 / file: {result.path}")
        for level, count in result.per_level.items():
            self.stdout.write(f"  {RegionLevel(level).label} ({level}): {count}")
        self.stdout.write(self.style.SUCCESS(
            f"新增 created {result.created}, 更新 updated {result.updated}, 未变 unchanged {result.unchanged}, "
            f"文件中没有的已有区划 not in file {result.not_in_file} "
            f"({time.monotonic() - started:.1f}s)"))
