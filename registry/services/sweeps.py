"""Registry's daily sweeps (registered in ``registry/sweeps.py``, run by ``core.sweeps.run_sweep``):
filing deadlines passed, and terminations whose date came.

Each is set-based: one ``INSERT ... SELECT`` / ``UPDATE ... RETURNING`` finds and marks the rows due
(never a Python loop over all filings or institutions); only the rows marked in this run are read
back to word their notifications. Each is idempotent: a marker ``FilingEvent`` (one per filing and
deadline since its latest submission; one per termination taking effect) records what was done,
and a row with a marker is never picked again. ``run_sweep`` holds the sweep's advisory lock and
writes the run log; it runs them with scopes disabled (the sweeps span every district).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from accounts.selectors import operators_by_institution, reviewers_by_district
from core.events import record_bulk
from core.sweeps import Deadline, EventMarker, Notice, OverdueSweep
from notifications.models import NotificationType
from notifications.services import notify_each

from ..models import (
    NOTICE_OVERDUE,
    REVIEW_OVERDUE,
    TERMINATION_EFFECTIVE,
    Filing,
    FilingEvent,
    FilingKind,
    FilingStatus,
    Institution,
)
from ..workflow import INSTITUTION, REVIEW_QUEUE_STATES, InstitutionAction
from .filing_notifications import filing_link

_EVENT_COLUMNS = ("filing_id, action, from_status, to_status, actor_id, reason, items, created_at, "
                  "region_id, province_id, city_id, district_id")


def _date(value) -> str:
    return f"{timezone.localtime(value):%Y年%m月%d日}" if isinstance(value, dt.datetime) else f"{value:%Y年%m月%d日}"


# --- deadlines -------------------------------------------------------------------------------------

def _reviewers_of_filings(filings: list[Filing]) -> dict[int, list]:
    by_district = reviewers_by_district(f.district_id for f in filings)
    return {f.pk: by_district[f.district_id] for f in filings}


def _overdue_message(title: str, body: str, column: str):
    def message(f: Filing) -> tuple[str, str]:
        text = {"name": f.name, "kind": f.get_kind_display(), "deadline": _date(getattr(f, column))}
        return title.format(**text), body.format(**text)

    return message


# Tell each district's reviewers and admins, once per filing and deadline, that a submitted or
# resubmitted filing is past its receipt deadline (``due_at``, 5 working days) or its
# non-compliance notice deadline (``notice_due_at``, 15; a return with itemised reasons is that
# notice). A resubmission sets new deadlines, which are swept afresh. Returns how many filings were
# newly marked per deadline and how many notifications were sent.
filing_deadline_sweep = OverdueSweep(
    model=Filing,
    where=Q(status__in=REVIEW_QUEUE_STATES),
    deadlines=(
        Deadline(REVIEW_OVERDUE, "due_at", NotificationType.FILING_REVIEW_OVERDUE, _overdue_message(
            "{name}的{kind}已超过回执期限", "回执期限为 {deadline}。请尽快出具备案回执，或退回并一次性告知需补正事项。",
            "due_at")),
        Deadline(NOTICE_OVERDUE, "notice_due_at", NotificationType.FILING_NOTICE_OVERDUE, _overdue_message(
            "{name}的{kind}已超过告知期限", "不符合条件的告知期限为 {deadline}。请尽快退回并一次性告知需补正事项，或出具备案回执。",
            "notice_due_at")),
    ),
    marker=EventMarker(FilingEvent, fk="filing", since="submitted_at",
                       values={"from_status": "r.status", "to_status": "r.status", "reason": "''",
                               "items": "'[]'::jsonb"}),
    recipients=_reviewers_of_filings,
    link=lambda f: filing_link(f, for_reviewer=True),
    send=notify_each,
)


# --- terminations ----------------------------------------------------------------------------------

def termination_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """End the service of institutions whose accepted termination's date has come (status
    terminated), mark the termination filing's history and tell the operators and reviewers.
    A termination accepted with a date today or earlier already ended the institution at once."""
    today = today or timezone.localdate()
    clock = timezone.now()
    # Set-based, through the institution's transition table: the due institutions still filed or
    # suspended are terminated in one statement, each with its InstitutionEvent; then one marker per
    # termination filing that took effect, also one statement.
    due = Filing.objects.filter(kind=FilingKind.TERMINATION, status=FilingStatus.ACCEPTED,
                                termination_date__lte=today)
    terminated = INSTITUTION.apply_bulk(Institution.objects.filter(Exists(due.filter(institution_id=OuterRef("pk")))),
                                        InstitutionAction.TERMINATE, reason="终止日期已到，机构已终止", now=clock)
    ended = record_bulk(due.filter(institution_id__in=terminated), action=TERMINATION_EFFECTIVE,
                        reason="终止日期已到，机构已终止", created_at=clock) if terminated else []

    notices = []
    if ended:
        found = list(Filing.objects.filter(pk__in=ended))
        operators = operators_by_institution(f.institution_id for f in found)
        reviewers = reviewers_by_district(f.district_id for f in found)
        for f in found:
            title = f"{f.name}已于 {_date(f.termination_date)} 终止"
            body = "终止备案的终止日期已到，机构状态已变更为已终止。"
            kind = NotificationType.INSTITUTION_TERMINATED
            notices += [Notice(u, kind, title, body, filing_link(f)) for u in operators[f.institution_id]]
            notices += [Notice(u, kind, title, body, filing_link(f, for_reviewer=True))
                        for u in reviewers[f.district_id]]
    sent = notify_each(notices)
    return {"terminated": len(ended), "notified": len(sent)}


# --- dashboard summaries ---------------------------------------------------------------------------

_SUMMARY_REFRESH = """
INSERT INTO {summary} (region_id, province_id, city_id, district_id, filed, unfiled, slots, pending, overdue,
                       notice_overdue, rejected, refreshed_at)
SELECT k.district_id, k.province_id, k.city_id, k.district_id, COALESCE(i.filed, 0), COALESCE(i.unfiled, 0),
       COALESCE(i.slots, 0), COALESCE(f.pending, 0), COALESCE(f.overdue, 0), COALESCE(f.notice_overdue, 0),
       COALESCE(r.rejected, 0), %(now)s
FROM (SELECT district_id, min(province_id) AS province_id, min(city_id) AS city_id
        FROM (SELECT district_id, province_id, city_id FROM {institution}
              UNION ALL SELECT district_id, province_id, city_id FROM {filing}
               WHERE status = ANY(%(queue)s) OR (status = %(rejected_status)s AND decided_at >= %(year_start)s)) AS rows
       GROUP BY district_id) AS k
LEFT JOIN (SELECT district_id, count(*) FILTER (WHERE status = %(filed)s) AS filed,
                  count(*) FILTER (WHERE status = ANY(%(unfiled)s)) AS unfiled,
                  COALESCE(sum(total_slots) FILTER (WHERE status = %(filed)s), 0) AS slots
             FROM {institution} GROUP BY district_id) AS i ON i.district_id = k.district_id
LEFT JOIN (SELECT district_id, count(*) AS pending, count(*) FILTER (WHERE due_at < %(now)s) AS overdue,
                  count(*) FILTER (WHERE notice_due_at < %(now)s) AS notice_overdue
             FROM {filing} WHERE status = ANY(%(queue)s) GROUP BY district_id) AS f ON f.district_id = k.district_id
LEFT JOIN (SELECT district_id, count(*) AS rejected FROM {filing}
            WHERE status = %(rejected_status)s AND decided_at >= %(year_start)s
            GROUP BY district_id) AS r ON r.district_id = k.district_id
"""


def dashboard_summaries_refresh(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Rebuild ``DistrictSummary`` for every district at once: one DELETE and one grouped
    ``INSERT ... SELECT`` over institutions and filings, in the sweep's transaction (a page reads
    either the old set or the new one, never half). The figures are the home dashboard's
    (``registry.selectors.dashboard.scope_dashboard``): filed, unfiled, filed slots, waiting,
    overdue against either deadline at ``now``, non-compliance decisions since 1 January.
    Registered as ``registry.dashboard_summaries``; returns ``{"districts": rows written}``."""
    from django.db import connection

    from ..models import DistrictSummary, InstitutionStatus

    now = now or timezone.now()
    year_start = timezone.localtime(now).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    sql = _SUMMARY_REFRESH.format(summary=DistrictSummary._meta.db_table, institution=Institution._meta.db_table,
                                  filing=Filing._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DistrictSummary._meta.db_table}")  # noqa: S608 - a model's table
        cursor.execute(sql, {
            "now": now, "year_start": year_start, "queue": [str(s) for s in REVIEW_QUEUE_STATES],
            "rejected_status": FilingStatus.REJECTED, "filed": InstitutionStatus.FILED,
            "unfiled": [str(InstitutionStatus.REGISTERED), str(InstitutionStatus.FILING)]})
        return {"districts": cursor.rowcount}
