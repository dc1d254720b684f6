from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    """Inspections, rectification orders, blacklist, risk and credit grades (supervision issue)."""

    name = "supervision"
    verbose_name = "监督管理"

    def ready(self) -> None:
        from core import checklists, screening
        from core.dashboard import register_home_stats
        from core.navigation import register_nav
        from core.public import register_public_section
        from core.roles import Role

        from .grading import register_builtin_factors
        from .home import blacklist_cards, blacklist_counts
        from .workflow import BLACKLIST_READERS, ENFORCEMENT_READERS

        register_nav("从业禁止名单", "supervision:blacklist_list", roles=BLACKLIST_READERS, order=45)
        register_home_stats(roles=BLACKLIST_READERS, counts=blacklist_counts, stats=blacklist_cards)

        # The nationwide blacklist at registry's doors (registry never imports this app).
        checklists.register("registry.filing", "blacklist", "supervision.selectors.blacklist.blacklist_hits_for_filing")
        screening.register("registry.staff", "supervision.screens.screen_staff")
        screening.register("registry.filing", "supervision.screens.screen_filing")
        screening.register("registry.institution", "supervision.screens.screen_institution")

        # Random inspections and rectification (sections 2 and 3a).

        from .home import (
            inspection_cards,
            inspection_counts,
            operator_rectification_cards,
            operator_rectification_counts,
        )
        from .selectors.inspections import public_inspection_results
        from .workflow import INSPECTION_READERS

        register_nav("监督检查", "supervision:inspection_list", roles={*INSPECTION_READERS, Role.OPERATOR}, order=40)
        register_nav("整改", "supervision:order_board", roles={*INSPECTION_READERS, Role.OPERATOR}, order=41)
        register_nav("检查人员名录", "supervision:inspector_list", roles=INSPECTION_READERS, order=42)
        register_home_stats(roles=INSPECTION_READERS, counts=inspection_counts, stats=inspection_cards)
        register_home_stats(roles={Role.OPERATOR}, counts=operator_rectification_counts,
                            stats=operator_rectification_cards)
        register_public_section(key="inspections", order=40, template="supervision/public/_inspections.html",
                                context=public_inspection_results)
        # Penalties, emergency closures and grades (issue 9 sections 3b and 4).
        from .home import enforcement_cards, enforcement_counts
        from .selectors.enforcement import public_penalties

        register_builtin_factors()
        register_nav("监督执法", "supervision:grade_list", roles=ENFORCEMENT_READERS, order=46)
        register_nav("行政处罚", "supervision:operator_penalties", roles={Role.OPERATOR}, order=60)
        register_nav("关停处置", "supervision:operator_closure", roles={Role.OPERATOR}, order=61)
        register_home_stats(roles=ENFORCEMENT_READERS, counts=enforcement_counts, stats=enforcement_cards)
        register_public_section(key="penalties", order=50, template="supervision/enforcement/_public_penalties.html",
                                context=public_penalties)
        # Section 5: complaints from the public and incidents reported by operators.
        from core.public import register_public_section
        from core.roles import Role

        from .home_complaints import (
            complaint_cards,
            complaint_counts,
            incident_cards,
            incident_counts,
            operator_incident_cards,
            operator_incident_counts,
        )
        from .selectors.complaints import public_complaint_section
        from .workflow import COMPLAINT_READERS, INCIDENT_READERS

        register_nav("投诉举报", "supervision:complaint_queue", roles=COMPLAINT_READERS, order=50)
        register_nav("突发事件", "supervision:incident_list", roles=INCIDENT_READERS, order=55)
        register_home_stats(roles=COMPLAINT_READERS, counts=complaint_counts, stats=complaint_cards)
        register_home_stats(roles=COMPLAINT_READERS, counts=incident_counts, stats=incident_cards)
        register_home_stats(roles={Role.OPERATOR}, counts=operator_incident_counts, stats=operator_incident_cards)
        register_public_section(key="complaints", order=90, template="portal/_complaint_section.html",
                                context=public_complaint_section)
        # The dashboards' inspection, rectification and complaint indicators (indicators never imports this app).
        from .indicators import register as register_indicators

        register_indicators()
