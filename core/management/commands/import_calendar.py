"""manage.py import_calendar FILE: the State Council's holidays and make-up working days for a year."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from core.holidays import calendar_import, calendar_import_package, parse_calendar_file


class Command(BaseCommand):
    help = ("导入国务院办公厅公布的节假日安排（放假与调休上班日），整年替换，有错误时不导入任何行。"
            " CSV：表头 date,kind,name，每天一行（kind 为 holiday/放假 或 workday/上班）；"
            ' JSON：{"source": "通知标题", "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}],'
            ' "workdays": [{"name": "春节", "date": "2027-02-07"}]}。'
            " --from-package：导入 chinese_calendar 包已知而表中尚无的年份。")

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", type=Path, help="CSV or JSON file of one or more years")
        parser.add_argument("--year", type=int, action="append", dest="years",
                            help="the year(s) the file covers (default: the years of its dates)")
        parser.add_argument("--source", default="", help="the notice, e.g. 国办发明电〔2026〕x号")
        parser.add_argument("--replace", action="store_true", help="replace a year already imported")
        parser.add_argument("--from-package", action="store_true",
                            help="import the years the installed chinese_calendar knows and the table lacks")

    def handle(self, *args, file=None, years=None, source="", replace=False, from_package=False, **options):
        try:
            if from_package:
                if file is not None:
                    raise CommandError("give a FILE or --from-package, not both")
                result = calendar_import_package(replace=replace)
            else:
                if file is None:
                    raise CommandError("FILE is required (or --from-package)")
                if not file.exists():
                    raise CommandError(f"文件不存在 / file not found: {file}")
                days, notice = parse_calendar_file(file)
                result = calendar_import(days=days, years=years, source=source or notice or file.name,
                                         replace=replace)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        if not result.years:
            self.stdout.write("没有需要导入的年份 / nothing to import")
            return
        self.stdout.write(self.style.SUCCESS(
            f"已导入 imported {'、'.join(map(str, result.years))}: 放假 holidays {result.holidays}, "
            f"调休上班 workdays {result.workdays}"))
