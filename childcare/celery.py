"""Celery application. Schedules live here, in code; redbeat stores them in Redis with a lock."""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "childcare.settings")

app = Celery("childcare")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "beat-heartbeat": {"task": "core.tasks.beat_heartbeat", "schedule": timedelta(seconds=30)},
    "clear-expired-sessions": {"task": "accounts.tasks.clear_expired_sessions", "schedule": crontab(minute=17)},
}
