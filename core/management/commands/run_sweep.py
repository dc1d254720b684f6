"""manage.py run_sweep NAME: run a registered sweep now (lock and run log as scheduled); no NAME: list them."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from core.models import SweepOutcome
from core.sweeps import registered, run_sweep


class Command(BaseCommand):
    help = "立即运行一个定时清理任务（加锁并记录运行日志）；不带名称或 --list 时列出全部任务。"

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the sweep's name, e.g. registry.filing_deadlines")
        parser.add_argument("--list", action="store_true", help="list the registered sweeps")

    def handle(self, *args, name=None, list=False, **options):
        sweeps = registered()
        if list or not name:
            for sweep in sweeps.values():
                self.stdout.write(f"{sweep.name}\t{sweep.title}")
            return
        if name not in sweeps:
            raise CommandError(f"unknown sweep {name!r}; registered: {', '.join(sweeps)}")
        try:
            run = run_sweep(name)
        except Exception as exc:
            raise CommandError(f"{name} failed: {type(exc).__name__} (see the run log)") from exc
        counts = ", ".join(f"{k} {v}" for k, v in run.summary.items())
        message = f"{name}: {run.outcome} ({run.get_outcome_display()}) rows {run.rows}; {counts}".rstrip("; ")
        if run.outcome == SweepOutcome.SKIPPED:
            self.stdout.write(self.style.WARNING(message))
        else:
            self.stdout.write(self.style.SUCCESS(message))
