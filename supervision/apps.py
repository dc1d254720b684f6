from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Inspections, rectification orders, blacklist, risk and credit grades (supervision issue)."""

    name = "supervision"
    verbose_name = "监督管理"

    def ready(self) -> None:
        from core import checklists, screening
        from core.dashboard import register_home_stats
        from core.navigation import register_nav

        from .home import blacklist_cards
        from .workflow import BLACKLIST_READERS

        register_nav("从业禁止名单", "supervision:blacklist_list", roles=BLACKLIST_READERS, order=45)
        register_home_stats(roles=BLACKLIST_READERS, stats=blacklist_cards)

        # The nationwide blacklist at registry's doors (registry never imports this app).
        checklists.register("registry.filing", "blacklist", "supervision.selectors.blacklist.blacklist_hits_for_filing")
        screening.register("registry.staff", "supervision.screens.screen_staff")
        screening.register("registry.filing", "supervision.screens.screen_filing")
        screening.register("registry.institution", "supervision.screens.screen_institution")
