"""Core schedules: the beat heartbeat, and the one task that runs any registered sweep."""

from celery import shared_task
from django.db import OperationalError

from .health import record_beat_tick


@shared_task(name="core.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> str:
    """Scheduled every 30 s by beat; /healthz reads the tick to tell that beat and workers are alive."""
    return record_beat_tick()


@shared_task(name="core.tasks.run_sweep", autoretry_for=(OperationalError,), max_retries=3, retry_backoff=True)
def run_sweep(name: str) -> dict:
    """Run the sweep ``name`` (``core.sweeps``: lock, run log). Retried on a deadlock; idempotent."""
    from .sweeps import run_sweep as run

    result = run(name)
    return {"name": result.name, "run": result.pk, "outcome": result.outcome, "rows": result.rows,
            "summary": result.summary}
