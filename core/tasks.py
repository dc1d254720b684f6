from celery import shared_task

from .health import record_beat_tick


@shared_task(name="core.tasks.beat_heartbeat", ignore_result=True)
def beat_heartbeat() -> str:
    """Scheduled every 30 s by beat; /healthz reads the tick to tell that beat and workers are alive."""
    return record_beat_tick()
