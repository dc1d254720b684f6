"""The dashboards' sweep (``core.sweeps`` discovers this module; scheduled in ``childcare/celery.py``)."""

from core.sweeps import register

from .services import summaries_sweep

SUMMARIES = "indicators.summaries"

register(SUMMARIES, summaries_sweep, title="指标汇总：刷新各省和全国的指标看板")
