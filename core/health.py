"""Health of the parts the platform needs: database, Redis, the last beat tick, and the calendar.

The beat tick is written by ``core.tasks.beat_heartbeat``: beat schedules it every 30 s and a
worker runs it, so a fresh tick proves the broker, beat and at least one worker are all alive.
"""

from __future__ import annotations

import time

import redis
from django.conf import settings
from django.db import connection

from . import scanning

BEAT_TICK_KEY = "childcare:beat:last_tick"
BEAT_STALE_SECONDS = 120


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)


def record_beat_tick() -> str:
    now = f"{time.time():.3f}"
    # Expire the key well after it would count as stale, so a dead beat never looks alive.
    _redis().set(BEAT_TICK_KEY, now, ex=BEAT_STALE_SECONDS * 10)
    return now


def role_bypasses_row_security() -> bool:
    """Whether the database role we run as skips the tenant row-security policies."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user")
        return bool(cursor.fetchone()[0])


def _check_database() -> dict:
    try:
        bypasses = role_bypasses_row_security()
    except Exception as exc:
        return {"ok": False, "error": f"database unavailable ({type(exc).__name__})"}
    if bypasses and settings.PRODUCTION:
        # The second tenant wall would be down: run as the role `manage.py db_app_role` makes.
        return {"ok": False, "error": "connected as a superuser or BYPASSRLS role (row security off)"}
    return {"ok": True}


def _check_calendar() -> dict:
    """A warning (not a failure) while a deadline counted from today could reach a year that has no
    official calendar yet: such deadlines are provisional (``core.workdays``)."""
    from .workdays import LOOKAHEAD_DAYS, lookahead_gaps

    try:
        missing = lookahead_gaps()
    except Exception as exc:
        return {"ok": False, "error": f"unknown: database unavailable ({type(exc).__name__})"}
    result: dict = {"ok": True, "missing_years": missing, "lookahead_days": LOOKAHEAD_DAYS}
    if missing:
        result["warning"] = (f"no official holiday calendar for {', '.join(map(str, missing))}: deadlines counted "
                             "into it are provisional (Monday-Friday); run manage.py import_calendar")
    return result


def check_all() -> dict:
    """``{"ok": bool, "checks": {"database", "redis", "beat", "calendar", "clamav"}, "warnings": [...]}``.

    A failing check carries ``error``: a short English reason for operators and monitors. A check
    that passes with something to fix soon carries ``warning`` (listed in ``warnings`` too); it does
    not turn health red.
    """
    checks: dict[str, dict] = {"database": _check_database()}
    checks["calendar"] = _check_calendar()
    checks["clamav"] = scanning.health()
    try:
        client = _redis()
        client.ping()
        checks["redis"] = {"ok": True}
        raw = client.get(BEAT_TICK_KEY)
    except Exception as exc:
        checks["redis"] = {"ok": False, "error": f"redis unavailable ({type(exc).__name__})"}
        checks["beat"] = {"ok": False, "error": "unknown: redis unavailable"}
    else:
        if raw is None:
            checks["beat"] = {"ok": False, "error": "no beat tick recorded (beat or worker not running)"}
        else:
            age = round(time.time() - float(raw), 1)
            checks["beat"] = {"ok": age < BEAT_STALE_SECONDS, "last_tick_age_seconds": age,
                              "max_age_seconds": BEAT_STALE_SECONDS}
            if age >= BEAT_STALE_SECONDS:
                checks["beat"]["error"] = f"beat tick stale ({age:.0f} s old; beat or worker stopped)"
    warnings = [f"{name}: {c['warning']}" for name, c in checks.items() if c.get("warning")]
    return {"ok": all(c["ok"] for c in checks.values()), "checks": checks, "warnings": warnings}
