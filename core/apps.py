from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from .navigation import register_nav
        from .roles import ADMIN_SITE_ROLES, Role

        # The kernel's own pages; every app adds its entries from its AppConfig.ready().
        register_nav("首页", "core:home", order=0)
        register_nav("审计与管理", "admin:index", roles=ADMIN_SITE_ROLES, order=900)
        register_nav("接口文档", "api-docs", roles={Role.SYSTEM_ADMIN, Role.REGISTRATION_AUTHORITY}, order=910)
