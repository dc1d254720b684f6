"""manage.py import_population FILE.csv: upsert population per region and year (all or nothing)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from regions.services import population_import


class Command(BaseCommand):
    help = "导入常住人口（CSV 列：code,year,population[,source]），有错误时不导入任何行。"

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="CSV with columns code,year,population[,source]")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"文件不存在 / file not found: {path}")
        try:
            result = population_import(actor=None, path=path)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(self.style.SUCCESS(
            f"人口数据：新增 created {result.created}, 更新 updated {result.updated}, "
            f"未变 unchanged {result.unchanged}"))
