from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "机构登记与备案"

    def ready(self):
        from core.workdays import calendar_changed

        from .services.deadlines import on_calendar_changed

        # The official calendar changed: the queue's stored deadlines are counted again.
        calendar_changed.connect(on_calendar_changed, dispatch_uid="registry-filing-deadlines-recount")
