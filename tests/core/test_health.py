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


@pytest.mark.django_db
def test_a_missing_calendar_year_is_a_warning_not_a_failure(client, tick):
    """A deadline counted from today could reach a year with no official calendar: /healthz says so."""
    import datetime as dt

    from core.models import CalendarYear
    from core.workdays import CHINA_TZ, LOOKAHEAD_DAYS

    tick(5)
    today = dt.datetime.now(CHINA_TZ).date()
    for year in range(today.year, (today + dt.timedelta(days=LOOKAHEAD_DAYS)).year + 1):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "测试"})
    body = client.get("/healthz").json()
    assert body["checks"]["calendar"] == {"ok": True, "missing_years": [], "lookahead_days": LOOKAHEAD_DAYS}
    assert body["warnings"] == []

    CalendarYear.objects.filter(year=today.year).delete()
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    calendar = body["checks"]["calendar"]
    assert calendar["ok"] is True and today.year in calendar["missing_years"]
    assert str(today.year) in calendar["warning"] and "import_calendar" in calendar["warning"]
    assert body["warnings"] == [f"calendar: {calendar['warning']}"]
