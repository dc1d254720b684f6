from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    """Inclusive certification and subsidy claims (subsidies issue)."""

    name = "subsidies"
    verbose_name = "补助与普惠"

    def ready(self) -> None:
        from core.public import register_public_section

        from .selectors.certifications import public_certification

        # The portal's institution page: certified inclusive, its period and review date (public facts).
        register_public_section(key="inclusive_certification", order=20,
                                template="subsidies/public/_certification.html", context=public_certification)
