"""Sending Celery tasks without letting a broker outage break the request that sent them.

A task is sent after the writing transaction commits (``transaction.on_commit``). If Redis, the
broker, is down then, the transition itself is already committed: the request must still answer,
and the work is not lost, because each such task has a sweep that finds what was left undone (a
receipt still ``pending``, a notification not emailed) and sends it again once the broker is back.
``send`` is the one place that knows this: it tries briefly, logs the task's name (never its
arguments: they may be personal) and returns ``False``.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

# Publishing retries briefly (a broker restart), then gives up: a request is not held for long.
RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.2}


def send(task, *args, **kwargs) -> bool:
    """``task.apply_async(args, kwargs)``; ``False`` (and a warning) when the broker cannot take it."""
    try:
        task.apply_async(args=args, kwargs=kwargs, retry=True, retry_policy=RETRY_POLICY)
    except Exception:  # kombu.exceptions.OperationalError, redis.ConnectionError, OSError…
        log.warning("task %s not queued: the broker is unavailable; its sweep will send it again",
                    getattr(task, "name", task), exc_info=True)
        return False
    return True
