from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Inspections, rectification orders, blacklist, risk and credit grades (supervision issue)."""

    name = "supervision"
    verbose_name = "监督管理"
