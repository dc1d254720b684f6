from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "机构登记与备案"

    def ready(self) -> None:
        from core.dashboard import register_home_page
        from core.navigation import register_nav
        from core.roles import ADMIN_SITE_ROLES, COMMISSION_STAFF, REVIEWERS, Role

        from .home import operator_home, scope_home

        register_nav("我的机构", "registry:operator_home", roles={Role.OPERATOR}, order=10)
        register_nav("备案审核", "registry:review_queue", roles=REVIEWERS, order=20)
        register_nav("待审备案", "registry:review_queue", roles={Role.CITY_VIEWER}, order=21)  # read-only: no 审核
        register_nav("机构名录", "registry:institution_list", roles=COMMISSION_STAFF, order=30)
        register_nav("从业人员预警", "registry:staff_conflicts", roles=COMMISSION_STAFF, order=40)
        register_nav("认领确认", "registry:claim_list", roles=REVIEWERS, order=50)

        # A signed-in person without a role is an operator-to-be: the page sends them to claim.
        register_home_page(roles={None}, template="registry/home_none.html")
        register_home_page(roles={Role.OPERATOR}, template="registry/home_operator.html", context=operator_home)
        register_home_page(roles=ADMIN_SITE_ROLES | {Role.REGISTRATION_AUTHORITY},
                           template="registry/home_admin.html", context=scope_home)
        register_home_page(roles=COMMISSION_STAFF, template="registry/home_commission.html", context=scope_home)

        from core.workdays import calendar_changed

        from .services.deadlines import on_calendar_changed

        # The official calendar changed: the queue's stored deadlines are counted again.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="registry-filing-deadlines-recount")
