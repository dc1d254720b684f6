"""Session housekeeping (run by Celery beat through ``accounts.tasks.clear_expired_sessions``)."""

from django.contrib.sessions.models import Session
from django.db import transaction
from django.utils import timezone


@transaction.atomic
def sessions_clear_expired() -> int:
    """Delete every expired session in one set-based statement; idempotent. Returns how many."""
    deleted, _ = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
