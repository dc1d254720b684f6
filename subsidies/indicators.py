"""The dashboards' indicators whose data this app owns (``indicators.catalogue``: the same codes it
registers as pending, now with their queries). Registered from ``SubsidiesConfig.ready``; the
indicators app never imports this one.

Each query is one statement per region level (``indicators.sql.grouped``: every child region and
the total at once) over the institutions that count on the day (the ``inst`` CTE: registered, not
terminated; ``filed`` on the day). The subsidy tables' own region columns narrow each scan to the
frame's region first.

- Inclusive (普惠) on a day: a certification certified (or since expired) whose period covers the
  day. A revoked certification has no recorded end of force, so it counts nowhere.
- Enrolled on a day: ``enrolled_on`` ≤ day ≤ ``left_on`` (empty: still enrolled), at a filed
  institution; occupancy divides by the filed slots.
- Subsidy paid vs budget, in yuan, for the budget year of the day: items of batches paid on or
  before the day (clawbacks negative) against the budgets of the regions within the region. Each
  level's share is set against that level's budget (``SubsidyBudget``: one per level of
  government), so a district's row compares the district shares with the district's budget, and a
  city's total adds the city's share and budget.
"""

from __future__ import annotations

from indicators import catalogue, sql
from indicators.rules import ratio

# Level ranks: a share of a level counts in a region at or above that level, and belongs to a child
# region at or above it (else to the region's total only).
_RANK = {"country": 0, "province": 1, "city": 2, "district": 3, "township": 4}
_REGION_LEVEL = {"province": "province", "city": "city", "district": "county", "township": "township"}


def _figures(rows: dict, value=lambda num, den: ratio(num, den)) -> dict:
    return {code: catalogue.Figure(int(num or 0), int(den or 0), value(int(num or 0), int(den or 0)))
            for code, (num, den) in rows.items()}


def _counts(rows: dict) -> dict:
    return {code: catalogue.Figure(int(n or 0), None, int(n or 0)) for code, (n,) in rows.items()}


# ----------------------------------------------------------------------------- inclusive certification

def _inclusive(frame: sql.Frame) -> str:
    """Institutions certified inclusive on the day (a derived table ``inc``)."""
    return f"""(SELECT DISTINCT c.institution_id FROM subsidies_certification c
        WHERE {frame.institution_filter('c')} AND c.status IN ('certified', 'expired')
          AND c.period_start <= %(as_of)s AND c.period_end >= %(as_of)s) inc"""  # noqa: S608 (constant fragments)


def inclusive_share_compute(frame: sql.Frame) -> dict:
    rows = sql.grouped(
        frame, "COALESCE(sum(inst.slots) FILTER (WHERE inst.filed AND inc.institution_id IS NOT NULL), 0), "
               "COALESCE(sum(inst.slots) FILTER (WHERE inst.filed), 0)",
        f"inst LEFT JOIN {_inclusive(frame)} ON inc.institution_id = inst.id", child="inst.child")
    return _figures(rows)


def inclusive_share_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT inst.id FROM inst LEFT JOIN {_inclusive(frame)} ON inc.institution_id = inst.id "  # noqa: S608
                          "WHERE inst.filed AND inc.institution_id IS NULL ORDER BY inst.slots DESC, inst.id")


def _townships(frame: sql.Frame) -> str:
    return f"regions_region r WHERE r.level = 'township' AND {frame.region_filter('r')}"


def _inclusive_townships(frame: sql.Frame) -> str:
    return f"SELECT inst.township FROM inst JOIN {_inclusive(frame)} ON inc.institution_id = inst.id WHERE inst.filed"  # noqa: S608


def township_inclusive_compute(frame: sql.Frame) -> dict:
    rows = sql.grouped(frame, f"count(*) FILTER (WHERE r.code IN ({_inclusive_townships(frame)})), count(*)",
                       _townships(frame), child=frame.region_child_expr("r"))
    return _figures(rows)


def township_inclusive_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT r.code FROM {_townships(frame)} "  # noqa: S608
                          f"AND r.code NOT IN ({_inclusive_townships(frame)}) ORDER BY r.code")


# ----------------------------------------------------------------------------- enrolments

def _enrolled(frame: sql.Frame) -> str:
    """Children enrolled on the day per institution (a derived table ``en``)."""
    return f"""(SELECT e.institution_id, count(*) AS n FROM subsidies_enrolment e
        WHERE {frame.institution_filter('e')} AND e.enrolled_on <= %(as_of)s
          AND (e.left_on IS NULL OR e.left_on >= %(as_of)s)
        GROUP BY e.institution_id) en"""  # noqa: S608


def enrolled_compute(frame: sql.Frame) -> dict:
    return _counts(sql.grouped(frame, "COALESCE(sum(en.n) FILTER (WHERE inst.filed), 0)",
                               f"inst LEFT JOIN {_enrolled(frame)} ON en.institution_id = inst.id", child="inst.child"))


def occupancy_compute(frame: sql.Frame) -> dict:
    return _figures(sql.grouped(frame, "COALESCE(sum(en.n) FILTER (WHERE inst.filed), 0), "
                                       "COALESCE(sum(inst.slots) FILTER (WHERE inst.filed), 0)",
                                f"inst LEFT JOIN {_enrolled(frame)} ON en.institution_id = inst.id",
                                child="inst.child"))


def enrolled_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT inst.id FROM inst JOIN {_enrolled(frame)} ON en.institution_id = inst.id "  # noqa: S608
                          "WHERE inst.filed ORDER BY en.n DESC, inst.id")


def occupancy_drill(frame: sql.Frame) -> list:
    """Filed institutions, the emptiest first (no enrolment recorded counts as empty)."""
    return sql.ids(frame, f"SELECT inst.id FROM inst LEFT JOIN {_enrolled(frame)} ON en.institution_id = inst.id "  # noqa: S608
                          "WHERE inst.filed AND inst.slots > 0 "
                          "ORDER BY COALESCE(en.n, 0)::float / inst.slots, inst.id")


# ----------------------------------------------------------------------------- subsidy paid vs budget

def _paid(frame: sql.Frame) -> str:
    return f"""SELECT inst.child, pi.province_share_fen AS p, pi.city_share_fen AS ci, pi.district_share_fen AS d,
            inst.id AS institution_id
        FROM subsidies_payoutitem pi
        JOIN subsidies_payoutbatch b ON b.id = pi.batch_id AND b.status = 'paid' AND b.paid_on <= %(as_of)s
        JOIN subsidies_subsidyclaim cl ON cl.id = pi.claim_id AND cl.budget_year = %(year)s
        JOIN inst ON inst.id = cl.institution_id
        WHERE {frame.institution_filter('pi')}"""  # noqa: S608


def _paid_vs_budget(frame: sql.Frame) -> str:
    """Rows (child, paid fen, budget fen): each level's share paid, and the budgets of the regions
    within the frame's region; a level above the child level belongs to the total only."""
    rank = _RANK[frame.region_level]
    child_rank = _RANK[frame.child_level] if frame.child_level else 99
    parts = []
    for level, column in (("district", "d"), ("city", "ci"), ("province", "p")):
        if rank <= _RANK[level]:
            child = "child" if child_rank <= _RANK[level] else "NULL::varchar"
            parts.append(f"SELECT {child} AS child, {column} AS paid, 0::bigint AS budget FROM paid")  # noqa: S608 (constant fragments)
    if frame.child_level in (None, "township"):  # no township has a budget
        budget_child = "NULL::varchar"
    else:
        col = sql.REGION_COLUMN[frame.child_level]
        budget_child = (f"CASE WHEN r.level = '{_REGION_LEVEL[frame.child_level]}' THEN r.code "
                        f"ELSE r.{col} END")
    region_filter = "TRUE" if frame.region is None else f"(r.code = %(region)s OR {frame.region_filter('r')})"
    parts.append(f"""SELECT {budget_child} AS child, 0::bigint AS paid, bu.amount_fen AS budget
        FROM subsidies_subsidybudget bu JOIN regions_region r ON r.code = bu.region_id
        WHERE bu.year = %(year)s AND {region_filter}""")  # noqa: S608
    union = "\n        UNION ALL ".join(parts)
    return f"(WITH paid AS ({_paid(frame)})\n        {union}) x"


def subsidy_paid_compute(frame: sql.Frame) -> dict:
    rows = sql.grouped(frame, "sum(x.paid) / 100.0, sum(x.budget) / 100.0", _paid_vs_budget(frame),
                       {"year": frame.as_of.year}, child="x.child")
    return {code: catalogue.Figure(float(paid or 0), float(budget) if budget else None,
                                   ratio(float(paid or 0), float(budget or 0)))
            for code, (paid, budget) in rows.items()}


def subsidy_paid_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT institution_id FROM ({_paid(frame)}) paid GROUP BY institution_id "  # noqa: S608
                          "ORDER BY sum(p + ci + d) DESC, institution_id", {"year": frame.as_of.year})


# ----------------------------------------------------------------------------- registration

def register() -> None:
    from indicators.catalogue import COUNT, SHARE, Indicator

    reg = catalogue.register
    reg(Indicator(code="inclusive_share", label="普惠托位占比", kind=SHARE, numerator_label="普惠托位数",
                  denominator_label="已备案托位数", target_key="target.inclusive_share",
                  compute=inclusive_share_compute, drill=inclusive_share_drill,
                  drill_label="已备案、未获普惠认定的机构", order=20))
    reg(Indicator(code="township_inclusive_coverage", label="有普惠托育服务的乡镇（街道）占比", kind=SHARE,
                  numerator_label="有普惠机构的乡镇（街道）", denominator_label="乡镇（街道）总数",
                  target_key="target.township_inclusive_coverage", compute=township_inclusive_compute,
                  drill=township_inclusive_drill, drill_label="尚无普惠机构的乡镇（街道）", drill_rows="regions",
                  order=75))
    reg(Indicator(code="enrolled_children", label="在托婴幼儿数", kind=COUNT, numerator_label="在托婴幼儿",
                  denominator_label="", compute=enrolled_compute, drill=enrolled_drill,
                  drill_label="有在托婴幼儿的已备案机构", order=80))
    reg(Indicator(code="occupancy", label="托位使用率", kind=SHARE, numerator_label="在托婴幼儿",
                  denominator_label="已备案托位数", compute=occupancy_compute, drill=occupancy_drill,
                  drill_label="已备案机构（使用率由低到高）", order=85))
    reg(Indicator(code="subsidy_paid_share", label="补助资金执行率", kind=SHARE, numerator_label="已拨付补助（元）",
                  denominator_label="补助预算（元）", compute=subsidy_paid_compute, drill=subsidy_paid_drill,
                  drill_label="本年度已拨付补助的机构", order=90))
