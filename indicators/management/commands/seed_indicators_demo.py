"""manage.py seed_indicators_demo: population figures for Hangzhou and the summaries of Zhejiang and
the country, so that ``make demo`` shows populated dashboards. Idempotent; ``seed_demo`` calls it."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from core.sweeps import run_sweep
from regions.models import Population, Region

# Approximate resident populations (rounded, for the demo): Hangzhou's 2023 statistical bulletin
# (1,252.2 万) and the districts' 7th-census figures. 拱墅区 is left without a figure on purpose:
# the dashboard says so instead of showing a ratio.
POPULATION = [("330100", 2023, 12_522_000), ("330106", 2023, 1_145_000)]
SOURCE = "演示数据（约数：杭州市统计公报、第七次人口普查）"


class Command(BaseCommand):
    help = "指标看板演示数据：杭州人口与浙江省、全国指标汇总"

    def handle(self, *args, **options):
        for code, year, population in POPULATION:
            if Region.objects.filter(code=code).exists():
                Population.objects.update_or_create(region_id=code, year=year,
                                                    defaults={"population": population, "source": SOURCE})
        regions = ["000000", *Region.objects.filter(code="330000").values_list("code", flat=True)]
        run = run_sweep("indicators.summaries", regions=regions)
        self.stdout.write(f"指标汇总：{run.outcome}（{run.summary}）")
