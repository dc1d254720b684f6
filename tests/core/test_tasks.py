"""Scheduled tasks run by a REAL Celery worker against a real Redis (its own db index)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import redis
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core import health
from tests.conftest import redis_test_url


@pytest.fixture
def tick_key(monkeypatch):
    """A beat-tick key of this test's own (others may share the Redis server)."""
    key = f"test:beat:{uuid.uuid4().hex}"
    monkeypatch.setattr(health, "BEAT_TICK_KEY", key)
    yield key
    redis.Redis.from_url(redis_test_url()).delete(key)


def _session(expire_date) -> str:
    store = SessionStore()
    store["probe"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expire_date)
    return store.session_key


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_clear_expired_sessions_through_worker(celery_worker_app):
    from accounts.tasks import clear_expired_sessions

    now = timezone.now()
    expired = [_session(now - dt.timedelta(minutes=1)), _session(now - dt.timedelta(days=3))]
    live = _session(now + dt.timedelta(hours=2))

    removed = clear_expired_sessions.delay().get(timeout=30)

    assert removed == 2
    remaining = set(Session.objects.values_list("session_key", flat=True))
    assert live in remaining
    assert not remaining & set(expired)
    # Idempotent: running it again removes nothing more and keeps the live session.
    assert clear_expired_sessions.delay().get(timeout=30) == 0
    assert Session.objects.filter(session_key=live).exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_heartbeat_through_worker_turns_healthz_green(celery_worker_app, client, tick_key):
    from core.tasks import beat_heartbeat

    before = client.get("/healthz")
    assert before.status_code == 503
    assert "no beat tick" in before.json()["checks"]["beat"]["error"]

    beat_heartbeat.delay()
    # The heartbeat ignores its result (it runs every 30 s), so AsyncResult.get() returns at once:
    # wait for the worker's write itself, with a deadline.
    client_redis = redis.Redis.from_url(redis_test_url())
    deadline = time.monotonic() + 30
    while client_redis.get(tick_key) is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client_redis.get(tick_key) is not None, "the worker never ran the heartbeat"
    after = client.get("/healthz")
    assert after.status_code == 200, after.json()
    assert after.json()["checks"]["beat"]["last_tick_age_seconds"] < 30


def test_schedule_has_heartbeat_and_session_sweep_on_redbeat():
    from childcare.celery import app

    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"core.tasks.beat_heartbeat", "accounts.tasks.clear_expired_sessions"} <= tasks
    assert app.conf.beat_scheduler == "redbeat.RedBeatScheduler"
    assert app.conf.redbeat_redis_url
    assert app.conf.redbeat_lock_timeout >= 60
    assert set(tasks) <= set(app.tasks.keys()), "every scheduled task must be registered"


@pytest.mark.parametrize(("configured", "expected"), [
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/5"),
    ("redis://:s3cret@cache.internal:6380", "redis://:s3cret@cache.internal:6380/5"),
    ("rediss://user:pw@cache.internal:6379/2?ssl_cert_reqs=required",
     "rediss://user:pw@cache.internal:6379/5?ssl_cert_reqs=required"),
    ("unix:///run/redis/redis.sock?db=1", "unix:///run/redis/redis.sock?db=5"),
])
def test_tests_use_the_configured_redis_server_on_their_own_db(settings, configured, expected):
    settings.REDIS_URL = configured
    assert redis_test_url() == expected
