"""Recount the stored deadlines of filings waiting for a decision when the official calendar changes.

``filing_submit`` stores ``due_at`` and ``notice_due_at`` (``core.deadlines.due_after``). When a
year's holidays are imported or corrected (``core.workdays.calendar_changed``), the filings in the
queue whose count ran through that year get their deadlines counted again, so a deadline that
was provisional (Monday–Friday, flagged on the page) becomes the official one.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from core.deadlines import due_after
from core.tenancy import scopes_disabled
from core.workdays import CHINA_TZ

from ..models import Filing
from ..workflow import REVIEW_QUEUE_STATES
from .filing_checks import policy_for

_QUEUE = REVIEW_QUEUE_STATES


@transaction.atomic
def filing_deadlines_recount(*, years) -> int:
    """Count again the deadlines of waiting filings whose count touched ``years``; returns how many changed.

    Spans every district (the calendar is national): runs with scopes disabled.
    """
    years = sorted(set(years))
    if not years:
        return 0
    first = dt.datetime(years[0], 1, 1, tzinfo=CHINA_TZ)
    after = dt.datetime(years[-1] + 1, 1, 1, tzinfo=CHINA_TZ)
    changed = []
    with scopes_disabled():
        # Counting starts the day after submission and ends at the later deadline.
        waiting = (Filing.objects.select_for_update(of=("self",)).select_related("region")
                   .filter(status__in=_QUEUE, submitted_at__isnull=False, submitted_at__lt=after,
                           notice_due_at__gte=first))
        for filing in waiting:
            if not any(filing.submitted_at.astimezone(CHINA_TZ).year <= y <= filing.notice_due_at.astimezone(CHINA_TZ).year
                       for y in years):
                continue
            policy = policy_for(filing)
            due = due_after(filing.submitted_at, policy.review_working_days, filing.region)
            notice = due_after(filing.submitted_at, policy.notice_working_days, filing.region)
            if (due, notice) != (filing.due_at, filing.notice_due_at):
                filing.due_at, filing.notice_due_at = due, notice
                changed.append(filing)
        Filing.objects.bulk_update(changed, ["due_at", "notice_due_at"])
    return len(changed)


def on_calendar_changed(sender, *, years, **kwargs) -> None:
    filing_deadlines_recount(years=years)
