from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


def _calendar_row_changed(sender, instance, **kwargs):
    from .holidays import signal_change_on_commit
    from .models import CalendarDay

    signal_change_on_commit([instance.date.year] if sender is CalendarDay else [instance.year])


def _seed_calendar(sender, using, apps=None, **kwargs):
    from .holidays import seed_calendar_if_empty

    seed_calendar_if_empty(using=using)


def _partition_new_audit_tables(sender, using, **kwargs):
    """After migrate: an audit table a later migration created (a new ``@track``) is partitioned too,
    as migration core 0004 did the ones that existed (core.partitions)."""
    from django.db import connections, transaction
    from django.utils import timezone

    from .partitions import convert, unpartitioned

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with transaction.atomic(using=using), connection.cursor() as cursor:
        for table, column in unpartitioned(cursor):
            convert(cursor, table, column, now=timezone.now(), months_ahead=3)


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = "平台基础"

    def ready(self) -> None:
        from .display import install_fast_choice_display
        from .drf import install_fast_simple_callable
        from .navigation import register_nav
        from .roles import ADMIN_SITE_ROLES, Role
        from .workflow import install_fsm_migration_fix

        # The kernel's own pages; every app adds its entries from its AppConfig.ready().
        install_fast_simple_callable()  # API serializers: no inspect.signature per row and field
        install_fsm_migration_fix()  # migrate: historical models' status fields keep no signal receiver
        install_fast_choice_display()  # get_<field>_display(): the label table made once per field
        register_nav("首页", "core:home", order=0)
        register_nav("审计与管理", "admin:index", roles=ADMIN_SITE_ROLES, order=900)
        register_nav("接口文档", "api-docs", roles={Role.SYSTEM_ADMIN, Role.REGISTRATION_AUTHORITY}, order=910)

        from .models import CalendarDay, CalendarYear

        # An empty calendar is filled from chinese_calendar after migrate (and after a test flush),
        # as Django fills content types.
        post_migrate.connect(_seed_calendar, sender=self, dispatch_uid="core-seed-calendar")
        post_migrate.connect(_partition_new_audit_tables, sender=self, dispatch_uid="core-partition-audit-tables")

        # A change made in the admin: apps recount the deadlines they store (core.workdays.calendar_changed).
        for model in (CalendarDay, CalendarYear):
            post_save.connect(_calendar_row_changed, sender=model, dispatch_uid=f"calendar-changed-save-{model.__name__}")
            post_delete.connect(_calendar_row_changed, sender=model,
                                dispatch_uid=f"calendar-changed-delete-{model.__name__}")
