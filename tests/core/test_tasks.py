"""Scheduled tasks run by a REAL Celery worker against a real Redis (its own db index)."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from core import health

TEST_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture
def tick_key(monkeypatch):
    """A beat-tick key of this test's own (others may share the Redis server)."""
    key = f"test:beat:{uuid.uuid4().hex}"
    monkeypatch.setattr(health, "BEAT_TICK_KEY", key)
    yield key
    redis.Redis.from_url(TEST_REDIS_URL).delete(key)


@pytest.fixture
def worker(settings, tick_key):
    """A real worker thread (solo pool) consuming from Redis db 5, as the production worker would."""
    from childcare.celery import app

    saved = {key: app.conf[key] for key in ("broker_url", "result_backend", "task_always_eager")}
    settings.REDIS_URL = TEST_REDIS_URL
    app.conf.update(broker_url=TEST_REDIS_URL, result_backend=TEST_REDIS_URL, task_always_eager=False)
    redis.Redis.from_url(TEST_REDIS_URL).delete("celery")  # stale messages from an aborted run
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield app
    finally:
        app.conf.update(saved)


def _session(expire_date) -> str:
    store = SessionStore()
    store["probe"] = 1
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expire_date)
    return store.session_key


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_clear_expired_sessions_through_worker(worker):
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
def test_heartbeat_through_worker_turns_healthz_green(worker, client, tick_key):
    from core.tasks import beat_heartbeat

    before = client.get("/healthz")
    assert before.status_code == 503
    assert "no beat tick" in before.json()["checks"]["beat"]["error"]

    beat_heartbeat.delay()
    # The heartbeat ignores its result (it runs every 30 s), so AsyncResult.get() returns at once:
    # wait for the worker's write itself, with a deadline.
    client_redis = redis.Redis.from_url(TEST_REDIS_URL)
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
