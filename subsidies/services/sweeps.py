"""The bodies of subsidies' sweeps (run by ``core.sweeps.run_sweep``: locked, logged, scopes disabled)."""

from __future__ import annotations

import datetime as dt

from .certifications import certification_expiry_sweep
from .duplicates import duplicates_refresh


def certification_expiry(today: dt.date | None = None, **_) -> dict:
    return certification_expiry_sweep(today)


def duplicates_sweep(period: dt.date | None = None, **_) -> dict:
    """Every month at once (one statement), or one ``period``: flags made true nationwide."""
    return duplicates_refresh(period=period)
