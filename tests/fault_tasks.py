"""A task for the worker-kill fault test (loaded only by that test's worker: ``-I tests.fault_tasks``).

It counts its runs in Redis, says when it has started, and on its first run waits long enough to be
killed; its effect (``fault:effect``) is written once however often it runs — the idempotence every
platform task keeps (a claimed row, a status checked first)."""

from __future__ import annotations

import os
import time

import redis
from celery import shared_task


@shared_task(name="tests.fault_tasks.probe")
def probe(key: str) -> str:
    r = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    runs = r.incr(f"{key}:runs")
    r.set(f"{key}:started", runs)
    if runs == 1:
        time.sleep(120)  # killed here
    r.setnx(f"{key}:effect", f"run {runs}")
    r.incr(f"{key}:done")
    return "ok"
