"""Registry schedules: thin Celery tasks that open their own scope and call one service each.

Every task is idempotent and safe to run twice at once; the beat schedule is in ``childcare/celery.py``.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from core.tenancy import scopes_disabled


@shared_task(name="registry.tasks.filing_deadline_sweep")
def filing_deadline_sweep() -> dict:
    """Daily: tell reviewers about filings past the receipt (5) or notice (15 working days) deadline."""
    from .services.sweeps import filing_deadline_sweep as sweep

    with scopes_disabled():
        return sweep()


@shared_task(name="registry.tasks.termination_sweep")
def termination_sweep() -> dict:
    """Daily: institutions whose accepted termination date has come become terminated."""
    from .services.sweeps import termination_sweep as sweep

    with scopes_disabled():
        return sweep()


@shared_task(name="registry.tasks.staff_conflicts_sweep", autoretry_for=(OperationalError,), max_retries=3,
             retry_backoff=True)
def staff_conflicts_sweep() -> dict:
    """Nightly: 挂靠 flags made true for everyone (concurrent adds, end dates passed). Retries on a deadlock."""
    from .services.staff import staff_conflicts_sweep as sweep

    with scopes_disabled():
        return sweep()
