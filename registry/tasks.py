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


RENDER_MAX_RETRIES = 3
RENDER_RETRY_SECONDS = 10  # first retry after 10 s, then 20 s, 40 s


@shared_task(bind=True, name="registry.tasks.render_filing_documents", max_retries=RENDER_MAX_RETRIES)
def render_filing_documents(self, filing_id: int) -> str:
    """After an accept commits: render and store the receipt and notice PDFs (idempotent).

    Retried with backoff (10 s, 20 s, 40 s); when the retries run out the filing's receipt status
    becomes ``failed``, which the pages show with a 重新生成 button for reviewers.
    """
    from .services.receipts import filing_documents_failed, filing_render_documents

    with scopes_disabled():
        try:
            return filing_render_documents(filing_id=filing_id)
        except Exception as exc:
            if self.request.retries >= self.max_retries:
                filing_documents_failed(filing_id=filing_id)
                raise
            raise self.retry(exc=exc, countdown=RENDER_RETRY_SECONDS * 2 ** self.request.retries) from exc
