"""Row helpers every filing service shares: the locked read and the event row."""

from __future__ import annotations

from core.errors import NotFound
from core.events import record_event

from ..models import Filing, FilingEvent


def _locked_filing(filing_id: int) -> Filing:
    filing = Filing.objects.locked().filter(pk=filing_id).first()
    if filing is None:
        raise NotFound("备案不存在或不在您的管辖范围内。")
    return filing


def _locked_for_transition(filing_id: int, expected_version: int | None) -> tuple[Filing, int | None]:
    # The version seen before waiting for the lock: if another reviewer moved the filing while we
    # waited, we answer Conflict rather than acting on a row we did not look at.
    seen = Filing.objects.filter(pk=filing_id).values_list("version", flat=True).first()
    filing = _locked_filing(filing_id)
    return filing, expected_version if expected_version is not None else seen


def _record(filing: Filing, *, actor, action: str, from_status: str, reason: str = "", items=None) -> FilingEvent:
    """An event that is not a move (the filing's creation); moves are recorded by ``workflow.apply``."""
    return record_event(filing, actor=actor, action=action, from_status=from_status, reason=reason,
                        items=items or ())
