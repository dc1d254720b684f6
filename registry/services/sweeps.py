"""Daily sweeps, run by ``registry.tasks``: filing deadlines passed, and terminations whose date came.

Each sweep is set-based: one ``INSERT ... SELECT`` / ``UPDATE ... RETURNING`` finds and marks the
rows due (never a Python loop over all filings or institutions); only the rows marked in this run
are read back to word their notifications. Each is idempotent: a marker ``FilingEvent`` (one per
filing and deadline since its latest submission; one per termination taking effect) records what
was done, and a row with a marker is never picked again. Two runs at once are serialised by a
transaction-scoped advisory lock, so the second sees the first's markers and does nothing.

Call with scopes disabled (the tasks do): the sweeps span every district.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Assignment
from accounts.roles import REVIEWERS, Role
from core.events import record_bulk
from notifications.models import Notification
from notifications.services import notify_many

from ..models import Filing, FilingEvent, FilingKind, FilingStatus, Institution
from ..workflow import INSTITUTION, InstitutionAction
from .filings import filing_link

REVIEW_OVERDUE = "review_overdue"
NOTICE_OVERDUE = "notice_overdue"
TERMINATION_EFFECTIVE = "termination_effective"
# Labels of the marker events in a filing's history (they are not workflow transitions).
SWEEP_EVENT_LABELS = {REVIEW_OVERDUE: "超过回执期限", NOTICE_OVERDUE: "超过告知期限",
                      TERMINATION_EFFECTIVE: "终止生效"}

# pg_advisory_xact_lock keys (arbitrary constants, one per sweep).
DEADLINE_LOCK = 7_301_001
TERMINATION_LOCK = 7_301_002

_QUEUE = (FilingStatus.SUBMITTED, FilingStatus.RESUBMITTED)
_EVENT_COLUMNS = ("filing_id, action, from_status, to_status, actor_id, reason, items, created_at, "
                  "region_id, province_id, city_id, district_id")


def _lock(key: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def _reviewers_by_district(district_ids) -> dict[str, list]:
    users: dict[str, list] = defaultdict(list)
    for a in (Assignment.objects.filter(role__in=REVIEWERS, region_id__in=set(district_ids), is_active=True,
                                        user__is_active=True).select_related("user").order_by("id")):
        if all(u.pk != a.user_id for u in users[a.region_id]):
            users[a.region_id].append(a.user)
    return users


def _operators_by_institution(institution_ids) -> dict[int, list]:
    users: dict[int, list] = defaultdict(list)
    for a in (Assignment.objects.filter(role=Role.OPERATOR, institution_id__in=set(institution_ids),
                                        is_active=True, user__is_active=True).select_related("user").order_by("id")):
        if all(u.pk != a.user_id for u in users[a.institution_id]):
            users[a.institution_id].append(a.user)
    return users


def _date(value) -> str:
    return f"{timezone.localtime(value):%Y年%m月%d日}" if isinstance(value, dt.datetime) else f"{value:%Y年%m月%d日}"


# --- deadlines -------------------------------------------------------------------------------------

# (marker action, deadline column, notification verb, title, body)
DEADLINES = (
    (REVIEW_OVERDUE, "due_at", "filing_review_overdue", "{name}的{kind}已超过回执期限",
     "回执期限为 {deadline}。请尽快出具备案回执，或退回并一次性告知需补正事项。"),
    (NOTICE_OVERDUE, "notice_due_at", "filing_notice_overdue", "{name}的{kind}已超过告知期限",
     "不符合条件的告知期限为 {deadline}。请尽快退回并一次性告知需补正事项，或出具备案回执。"),
)


@transaction.atomic
def filing_deadline_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Tell each district's reviewers and admins, once per filing and deadline, that a submitted or
    resubmitted filing is past its receipt deadline (``due_at``, 5 working days) or its
    non-compliance notice deadline (``notice_due_at``, 15; a return with itemised reasons is that
    notice). A resubmission sets new deadlines, which are swept afresh.

    Returns how many filings were newly marked per deadline and how many notifications were sent.
    """
    now = now or timezone.now()
    clock = timezone.now()
    _lock(DEADLINE_LOCK)
    events, filings = FilingEvent._meta.db_table, Filing._meta.db_table
    marked: dict[str, list[int]] = {}
    with connection.cursor() as cursor:
        for action, column, *_ in DEADLINES:
            # The marker's time is the clock's, so "since the latest submission" holds whatever ``now`` is.
            cursor.execute(
                f"""INSERT INTO {events} ({_EVENT_COLUMNS})
                    SELECT f.id, %(action)s, f.status, f.status, NULL, '', '[]'::jsonb, %(clock)s,
                           f.region_id, f.province_id, f.city_id, f.district_id
                      FROM {filings} f
                     WHERE f.status = ANY(%(queue)s) AND f.{column} < %(now)s
                       AND NOT EXISTS (SELECT 1 FROM {events} e
                                        WHERE e.filing_id = f.id AND e.action = %(action)s
                                          AND e.created_at >= COALESCE(f.submitted_at, '-infinity'))
                    RETURNING filing_id""",  # noqa: S608 - table and column names are ours, values bound
                {"action": action, "clock": clock, "queue": [str(v) for v in _QUEUE], "now": now})
            marked[action] = [row[0] for row in cursor.fetchall()]

    ids = {pk for pks in marked.values() for pk in pks}
    rows = []
    if ids:
        found = {f.pk: f for f in Filing.objects.filter(pk__in=ids)}
        reviewers = _reviewers_by_district(f.district_id for f in found.values())
        for action, column, verb, title, body in DEADLINES:
            for pk in marked[action]:
                f = found[pk]
                text = {"name": f.name, "kind": f.get_kind_display(), "deadline": _date(getattr(f, column))}
                rows += [Notification(user=u, verb=verb, title=title.format(**text), body=body.format(**text),
                                      link=filing_link(f, for_reviewer=True)) for u in reviewers[f.district_id]]
    sent = notify_many(rows)
    return {REVIEW_OVERDUE: len(marked[REVIEW_OVERDUE]), NOTICE_OVERDUE: len(marked[NOTICE_OVERDUE]),
            "notified": len(sent)}


# --- terminations ----------------------------------------------------------------------------------

@transaction.atomic
def termination_sweep(*, today: dt.date | None = None) -> dict[str, int]:
    """End the service of institutions whose accepted termination's date has come (status
    terminated), mark the termination filing's history and tell the operators and reviewers.
    A termination accepted with a date today or earlier already ended the institution at once."""
    today = today or timezone.localdate()
    clock = timezone.now()
    _lock(TERMINATION_LOCK)
    # Set-based, through the institution's transition table: the due institutions still filed or
    # suspended are terminated in one statement, each with its InstitutionEvent; then one marker per
    # termination filing that took effect, also one statement.
    due = Filing.objects.filter(kind=FilingKind.TERMINATION, status=FilingStatus.ACCEPTED,
                                termination_date__lte=today)
    terminated = INSTITUTION.apply_bulk(Institution.objects.filter(Exists(due.filter(institution_id=OuterRef("pk")))),
                                        InstitutionAction.TERMINATE, reason="终止日期已到，机构已终止", now=clock)
    ended = record_bulk(due.filter(institution_id__in=terminated), action=TERMINATION_EFFECTIVE,
                        reason="终止日期已到，机构已终止", created_at=clock) if terminated else []

    rows = []
    if ended:
        found = list(Filing.objects.filter(pk__in=ended))
        operators = _operators_by_institution(f.institution_id for f in found)
        reviewers = _reviewers_by_district(f.district_id for f in found)
        for f in found:
            title = f"{f.name}已于 {_date(f.termination_date)} 终止"
            body = "终止备案的终止日期已到，机构状态已变更为已终止。"
            rows += [Notification(user=u, verb="institution_terminated", title=title, body=body,
                                  link=filing_link(f)) for u in operators[f.institution_id]]
            rows += [Notification(user=u, verb="institution_terminated", title=title, body=body,
                                  link=filing_link(f, for_reviewer=True)) for u in reviewers[f.district_id]]
    sent = notify_many(rows)
    return {"terminated": len(ended), "notified": len(sent)}
