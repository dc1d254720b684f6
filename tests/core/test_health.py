"""/healthz: database, Redis and the age of the last beat tick; 503 says which part failed."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from core import health
from tests.conftest import redis_test_url


@pytest.fixture
def tick(settings, monkeypatch):
    key = f"test:beat:{uuid.uuid4().hex}"
    monkeypatch.setattr(health, "BEAT_TICK_KEY", key)
    url = redis_test_url()
    settings.REDIS_URL = url
    client = redis.Redis.from_url(url)
    yield lambda age: client.set(key, f"{time.time() - age:.3f}")
    client.delete(key)


@pytest.mark.django_db
def test_green_with_fresh_tick(client, tick):
    tick(5)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert 4 <= body["checks"]["beat"]["last_tick_age_seconds"] < 30
    assert response["Cache-Control"] and "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_missing_tick_is_red_and_names_beat(client, tick):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["ok"] is False
    assert body["checks"]["beat"]["ok"] is False
    assert "no beat tick" in body["checks"]["beat"]["error"]
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]


@pytest.mark.django_db
def test_stale_tick_is_red_with_age(client, tick):
    tick(health.BEAT_STALE_SECONDS + 60)
    response = client.get("/healthz")
    assert response.status_code == 503
    beat = response.json()["checks"]["beat"]
    assert beat["ok"] is False
    assert "stale" in beat["error"]
    assert beat["last_tick_age_seconds"] >= health.BEAT_STALE_SECONDS + 60


@pytest.mark.django_db
def test_redis_down_is_red_and_names_redis(client, settings, monkeypatch):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/healthz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["redis"]["ok"] is False and "redis unavailable" in checks["redis"]["error"]
    assert checks["beat"]["ok"] is False
    assert checks["database"]["ok"] is True


def test_healthz_needs_no_login_and_leaks_nothing(client, tick, db):
    tick(1)
    body = client.get("/healthz").content.decode()
    assert "postgres" not in body.lower() and "password" not in body.lower()
