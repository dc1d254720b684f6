from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    """Inclusive certification and subsidy claims (subsidies issue)."""

    name = "subsidies"
    verbose_name = "补助与普惠"
