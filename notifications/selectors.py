from django.db.models import QuerySet

from core.db.counts import count_many

from .models import Notification


def unread_count(*, user) -> int:
    """The unread messages (the layout's badge, on every page): counted through ``core.db.counts``,
    whose plain SELECT is compiled from its shape, not as an aggregate each time."""
    return count_many(unread=Notification.objects.filter(user=user, read_at__isnull=True))["unread"]


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at")
