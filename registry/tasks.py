"""Registry tasks: thin Celery tasks that open their own scope and call one service each.

The registry's scheduled sweeps run through ``core.tasks.run_sweep`` (registered in
``registry/sweeps.py``); what is left here is work queued after a commit (the receipt PDFs).
"""

from __future__ import annotations

from celery import shared_task

from core.tenancy import scopes_disabled

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
