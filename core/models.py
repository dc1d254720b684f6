"""The kernel's own rows: the official working-day calendar and the sweeps' run log.

Neither is tenant data: the calendar is national reference data (the State Council's notice each
year), the run log says what each scheduled sweep did. How they are used: ``core/workdays.py``
(calendar) and ``core/sweeps.py`` (run log).
"""

from __future__ import annotations

from django.db import models

from .audit import BULK_WRITE, track


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "放假"
    WORKDAY = "workday", "调休上班"


@track()
class CalendarDay(models.Model):
    """A day that departs from Monday–Friday: a holiday (on a weekday or not) or a make-up working day."""

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类型", max_length=8, choices=CalendarDayKind.choices)
    name = models.CharField("节日", max_length=40, blank=True, help_text="如：春节、国庆节")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = verbose_name_plural = "法定节假日与调休"

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.get_kind_display()}{f'（{self.name}）' if self.name else ''}"


@track()
class CalendarYear(models.Model):
    """A year whose holidays and make-up working days are all in ``CalendarDay`` (the coverage marker).

    Without it, a deadline counted through that year is provisional (Monday–Friday) and flagged.
    """

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("依据", max_length=200, help_text="如：国务院办公厅关于2027年部分节假日安排的通知")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "已导入节假日安排的年份"

    def __str__(self) -> str:
        return f"{self.year}年"


class SweepOutcome(models.TextChoices):
    RUNNING = "running", "运行中"
    OK = "ok", "完成"
    SKIPPED = "skipped", "已跳过（另一次运行未结束）"
    FAILED = "failed", "失败"


@track(events=(BULK_WRITE,))
class SweepRun(models.Model):
    """One run of a named sweep (``core.sweeps.run_sweep``): when, what it did, how it ended."""

    name = models.CharField("任务", max_length=64, db_index=True)
    started_at = models.DateTimeField("开始时间", db_index=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    outcome = models.CharField("结果", max_length=8, choices=SweepOutcome.choices, default=SweepOutcome.RUNNING)
    rows = models.PositiveIntegerField("处理行数", default=0)
    summary = models.JSONField("统计", default=dict, blank=True)
    error = models.TextField("错误", blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = verbose_name_plural = "定时任务运行记录"

    def __str__(self) -> str:
        return f"{self.name} {self.started_at:%Y-%m-%d %H:%M}"
