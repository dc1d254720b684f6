from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    """Inclusive certification and subsidy claims (subsidies issue)."""

    name = "subsidies"
    verbose_name = "补助与普惠"

    def ready(self) -> None:
        from core.dashboard import register_home_page
        from core.navigation import register_nav
        from core.public import register_public_section, register_public_term
        from core.roles import Role

        from .home import city_home
        from .selectors.certifications import inclusive_in_force, public_certification
        from .workflow import COMMISSION_READERS, DISTRICT_DECIDERS, PAYERS, READERS

        register_nav("补助申请", "subsidies:claims", roles=READERS, order=50)
        register_nav("拨付批次", "subsidies:batches", roles=PAYERS | DISTRICT_DECIDERS | {Role.CITY_VIEWER}, order=51)
        register_nav("补助政策与预算", "subsidies:policies", roles=COMMISSION_READERS, order=52)
        register_home_page(roles={Role.CITY_ADMIN}, template="subsidies/home_city.html", context=city_home)
        # The portal's institution page: certified inclusive, its period and review date (public facts).
        register_public_term(name="inclusive", expression=inclusive_in_force)
        register_public_section(key="inclusive_certification", order=20,
                                template="subsidies/public/_certification.html", context=public_certification)
        # The dashboards' inclusive, enrolment and subsidy indicators (indicators never imports this app).
        from .indicators import register as register_indicators

        register_indicators()
