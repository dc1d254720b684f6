"""Health of the parts the platform needs: database, Redis, and the last beat tick."""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection

BEAT_TICK_KEY = "childcare:beat:last_tick"
BEAT_STALE_SECONDS = 120


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def record_beat_tick() -> str:
    now = f"{time.time():.3f}"
    _redis().set(BEAT_TICK_KEY, now)
    return now


def check_all() -> dict:
    checks: dict[str, dict] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = {"ok": True}
    except Exception as exc:
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    try:
        client = _redis()
        client.ping()
        checks["redis"] = {"ok": True}
        raw = client.get(BEAT_TICK_KEY)
        if raw is None:
            checks["beat"] = {"ok": False, "error": "no tick yet"}
        else:
            age = time.time() - float(raw)
            checks["beat"] = {"ok": age < BEAT_STALE_SECONDS, "last_tick_age_seconds": round(age, 1)}
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": type(exc).__name__}
        checks["beat"] = {"ok": False, "error": "redis unavailable"}
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks}
