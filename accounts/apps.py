from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from core import assignments

        from . import selectors, signals  # noqa: F401

        assignments.register(assignments_of=selectors.active_assignments,
                             choose=selectors.assignment_for_session, scope_of=selectors.scope_of)
