from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "消息通知"

    def ready(self) -> None:
        from core.navigation import register_layout_value

        from .selectors import unread_count

        register_layout_value("unread_notifications", lambda request: unread_count(user=request.user))
