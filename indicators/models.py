"""Summaries of the dashboards above the city: one row per region (a province, or the country as
``000000``) and day, refreshed by the sweep ``indicators.summaries``.

Not a tenant table: a row holds only aggregate figures of a province or of the country, computed
from the audited registry rows, and is read only through ``selectors.dashboard``, which answers
404 unless the reader's scope covers the region (a province viewer reads their province's row,
the national viewer any).
"""

from django.db import models


class IndicatorSnapshot(models.Model):
    region_code = models.CharField("区划代码", max_length=12)  # "000000": the whole country
    as_of = models.DateField("统计日期")
    computed_at = models.DateTimeField("刷新时间")
    duration_ms = models.PositiveIntegerField("计算耗时（毫秒）", default=0)
    payload = models.JSONField("指标数据")

    class Meta:
        verbose_name = verbose_name_plural = "指标汇总"
        constraints = [models.UniqueConstraint(fields=["region_code", "as_of"], name="indicator_snapshot_uniq")]

    def __str__(self) -> str:
        return f"{self.region_code} {self.as_of}"
