from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    """Indicator dashboards for officials: a registry of indicators, set-based SQL per region level,
    summaries for province and national levels refreshed by a sweep."""

    name = "indicators"
    verbose_name = "指标看板"

    def ready(self) -> None:
        from core.navigation import register_nav
        from core.roles import COMMISSION_STAFF

        from . import catalogue  # noqa: F401  (registers the indicators)

        register_nav("指标看板", "indicators:dashboard", roles=COMMISSION_STAFF, order=60)
