from django.apps import AppConfig


class PortalConfig(AppConfig):
    """Public pages: receipt verification now; search, map and complaints later."""

    name = "portal"
    verbose_name = "公众服务"
