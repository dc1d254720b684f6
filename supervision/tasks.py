"""Supervision's scheduled tasks: thin, each runs one sweep through ``core.sweeps.run_sweep`` (the
sweep's lock and its run log)."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="supervision.tasks.blacklist_sweep", autoretry_for=(OperationalError,), max_retries=3,
             retry_backoff=True)
def blacklist_sweep() -> dict:
    """The nightly blacklist sweep (``supervision.blacklist``): idempotent, retried on a deadlock."""
    from core.sweeps import run_sweep

    from .sweeps import BLACKLIST

    run = run_sweep(BLACKLIST)
    return {"name": run.name, "run": run.pk, "outcome": run.outcome, "rows": run.rows, "summary": run.summary}


@shared_task(name="supervision.tasks.regrade_institutions", autoretry_for=(OperationalError,), max_retries=3,
             retry_backoff=True)
def regrade_institutions(institution_ids: list[int]) -> dict:
    """Regrade these institutions after an event that changed a grade's input (queued on commit)."""
    from django.db import transaction

    from .services.grades import grades_recompute

    with transaction.atomic():
        return grades_recompute(institution_ids=institution_ids)
