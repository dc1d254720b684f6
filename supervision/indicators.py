"""The dashboards' indicators whose data this app owns (``indicators.catalogue``: the same codes it
registers as pending, now with their queries). Registered from ``SupervisionConfig.ready``; the
indicators app never imports this one.

Each query is one statement per region level (``indicators.sql.grouped``) over the institutions
that count on the day (the ``inst`` CTE: registered, not terminated); the supervision tables' own
region columns narrow each scan to the frame's region first. The year is the day's calendar year
up to the day.

- Inspections done vs planned: the inspections of random-inspection plans whose period starts in the
  year on or before the day, created by the day and not cancelled; done when inspected (completed
  or published) on or before the day.
- Non-conformities: findings "不符合" of the inspections done in the year up to the day.
- Overdue rectifications: orders issued by the day, due before it and not closed by then.
- Complaints: received in the year up to the day (Asia/Shanghai dates).
"""

from __future__ import annotations

from indicators import catalogue, sql
from indicators.rules import LOWER, ratio


def _counts(rows: dict) -> dict:
    return {code: catalogue.Figure(int(n or 0), None, int(n or 0)) for code, (n,) in rows.items()}


def _count_per_institution(derived, alias: str):
    """An indicator counting rows per institution: ``derived(frame)`` is a derived table ``alias`` of
    (institution_id, n). Answers its compute (the sum per child region) and drill (the institutions
    with rows, most first)."""

    def compute(frame: sql.Frame) -> dict:
        rows = sql.grouped(frame, f"COALESCE(sum({alias}.n), 0)",
                           f"inst LEFT JOIN {derived(frame)} ON {alias}.institution_id = inst.id", child="inst.child")
        return _counts(rows)

    def drill(frame: sql.Frame) -> list:
        return sql.ids(frame, f"SELECT inst.id FROM inst JOIN {derived(frame)} ON {alias}.institution_id = inst.id "  # noqa: S608
                              f"ORDER BY {alias}.n DESC, inst.id")

    return compute, drill


_DONE = "i.status IN ('completed', 'published') AND i.inspected_on <= %(as_of)s"


def _local_date(column: str) -> str:
    return f"({column} AT TIME ZONE 'Asia/Shanghai')::date"


# ----------------------------------------------------------------------------- inspections

def _planned(frame: sql.Frame) -> str:
    return f"""supervision_inspection i
        JOIN supervision_inspectionplan pl ON pl.id = i.plan_id
          AND pl.period_start BETWEEN %(year_start)s AND %(as_of)s
        JOIN inst ON inst.id = i.institution_id
        WHERE {frame.institution_filter('i')} AND i.status <> 'cancelled'
          AND {_local_date('i.created_at')} <= %(as_of)s"""


def inspections_done_compute(frame: sql.Frame) -> dict:
    rows = sql.grouped(frame, f"count(*) FILTER (WHERE {_DONE}), count(*)", _planned(frame), child="inst.child")
    return {code: catalogue.Figure(done, planned, ratio(done, planned)) for code, (done, planned) in rows.items()}


def inspections_done_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT DISTINCT inst.id FROM {_planned(frame)} AND NOT ({_DONE}) ORDER BY inst.id")  # noqa: S608


# ----------------------------------------------------------------------------- non-conformities

def _nonconformities(frame: sql.Frame) -> str:
    """Non-conforming findings per institution this year up to the day (a derived table ``nc``)."""
    return f"""(SELECT i.institution_id, count(*) AS n FROM supervision_inspectionfinding f
        JOIN supervision_inspection i ON i.id = f.inspection_id
        WHERE {frame.institution_filter('f')} AND f.result = 'nonconforming' AND {_DONE}
          AND i.inspected_on >= %(year_start)s
        GROUP BY i.institution_id) nc"""  # noqa: S608


nonconformities_compute, nonconformities_drill = _count_per_institution(_nonconformities, "nc")


# ----------------------------------------------------------------------------- overdue rectifications

def _overdue(frame: sql.Frame) -> str:
    return f"""(SELECT o.institution_id, count(*) AS n FROM supervision_rectificationorder o
        WHERE {frame.institution_filter('o')} AND {_local_date('o.created_at')} <= %(as_of)s
          AND {_local_date('o.due_at')} < %(as_of)s
          AND (o.closed_at IS NULL OR {_local_date('o.closed_at')} > %(as_of)s)
        GROUP BY o.institution_id) od"""  # noqa: S608


overdue_compute, overdue_drill = _count_per_institution(_overdue, "od")


# ----------------------------------------------------------------------------- complaints

def _complaints(frame: sql.Frame) -> str:
    return f"""(SELECT c.institution_id, count(*) AS n FROM supervision_complaint c
        WHERE {frame.institution_filter('c')}
          AND {_local_date('c.received_at')} BETWEEN %(year_start)s AND %(as_of)s
        GROUP BY c.institution_id) cp"""  # noqa: S608


complaints_compute, complaints_drill = _count_per_institution(_complaints, "cp")


# ----------------------------------------------------------------------------- registration

def register() -> None:
    from indicators.catalogue import COUNT, SHARE, Indicator

    reg = catalogue.register
    reg(Indicator(code="inspections_done_share", label="检查计划完成率", kind=SHARE, numerator_label="已完成检查",
                  denominator_label="计划检查", target_key="target.inspections_done_share",
                  compute=inspections_done_compute, drill=inspections_done_drill,
                  drill_label="有计划检查尚未完成的机构", order=100))
    reg(Indicator(code="nonconformities", label="检查发现问题数", kind=COUNT, numerator_label="问题数",
                  denominator_label="", better=LOWER, compute=nonconformities_compute, drill=nonconformities_drill,
                  drill_label="本年检查发现问题的机构", order=110))
    reg(Indicator(code="overdue_rectifications", label="逾期未整改数", kind=COUNT, numerator_label="逾期整改",
                  denominator_label="", better=LOWER, target_key="target.overdue_rectifications",
                  compute=overdue_compute, drill=overdue_drill, drill_label="有逾期未整改通知的机构", order=120))
    reg(Indicator(code="complaints", label="投诉举报数", kind=COUNT, numerator_label="投诉举报", denominator_label="",
                  better=LOWER, compute=complaints_compute, drill=complaints_drill,
                  drill_label="本年被投诉举报的机构", order=130))
