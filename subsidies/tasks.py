"""Subsidies' scheduled tasks: thin, each calls one service."""

from celery import shared_task
from django.db import OperationalError


@shared_task(name="subsidies.tasks.monthly_claims", autoretry_for=(OperationalError,), max_retries=3,
             retry_backoff=True)
def monthly_claims(period: str | None = None) -> dict:
    """On the 1st: the operating claim of the month before for every filed institution with children."""
    import datetime as dt

    from .services.claims import monthly_claims_generate

    return monthly_claims_generate(dt.date.fromisoformat(period) if period else None)
