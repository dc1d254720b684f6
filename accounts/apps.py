from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from core import assignments
        from core.admin_site import admin_site

        from . import selectors, signals  # noqa: F401
        from .forms import AdminLoginForm

        # The same login guard as the page login and the API token (accounts.login_guard).
        admin_site.login_form = AdminLoginForm

        assignments.register(assignments_of=selectors.active_assignments,
                             choose=selectors.assignment_for_session, scope_of=selectors.scope_of,
                             roles_of_users=selectors.roles_of_users)
