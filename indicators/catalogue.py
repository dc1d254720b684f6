"""The registry of indicators: code, label, unit, target, and a set-based query per region level.

Each indicator is one ``register(Indicator(...))``. ``compute(frame)`` answers, in one statement,
{child region code: Figure, None: the region's total}; ``drill(frame)`` the rows behind a figure
(institution ids, or for township coverage the townships without a provider). An indicator whose
data lives in a module not built yet is registered with ``pending_on`` and no query: the pages say
暂无数据 and name the module, and the module plugs its query in by registering the same code again.

Targets are policy parameters (``regions.policy_defaults``: ``target.<code>``), set per region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import sql
from .rules import HIGHER, LOWER, ratio

# Kinds of value (how the pages show them).
SHARE, PER_1000, DAYS, COUNT = "share", "per_1000", "days", "count"


@dataclass(frozen=True)
class Figure:
    numerator: float | None
    denominator: float | None
    value: float | None
    note: str = ""


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    kind: str  # SHARE, PER_1000, DAYS, COUNT
    numerator_label: str
    denominator_label: str
    better: str = HIGHER
    target_key: str | None = None
    compute: Callable[[sql.Frame], dict[str | None, Figure]] | None = None
    drill: Callable[[sql.Frame], list] | None = None
    drill_label: str = ""
    drill_rows: str = "institutions"  # or "regions"
    pending_on: str = ""  # the module whose data it waits for
    order: int = 100

    @property
    def unit(self) -> str:
        return {SHARE: "%", PER_1000: "个/千人", DAYS: "天", COUNT: ""}[self.kind]

    @property
    def pending(self) -> bool:
        return self.compute is None


_indicators: dict[str, Indicator] = {}


def register(indicator: Indicator) -> Indicator:
    _indicators[indicator.code] = indicator
    return indicator


def indicators() -> list[Indicator]:
    return sorted(_indicators.values(), key=lambda i: i.order)


def get(code: str) -> Indicator | None:
    return _indicators.get(code)


def target_keys() -> list[str]:
    return [i.target_key for i in indicators() if i.target_key]


# ----------------------------------------------------------------------------- registry and regions

def _shares(rows: dict[str | None, tuple]) -> dict[str | None, Figure]:
    return {code: Figure(num or 0, den or 0, ratio(num or 0, den)) for code, (num, den) in rows.items()}


def slots_compute(frame: sql.Frame) -> dict[str | None, Figure]:
    """Slots of the filed institutions; the population is joined in by the selector (per region)."""
    rows = sql.grouped(frame, "COALESCE(sum(slots) FILTER (WHERE filed), 0), count(*) FILTER (WHERE filed)",
                       "inst")
    return {code: Figure(slots, None, None) for code, (slots, _n) in rows.items()}


def slots_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, "SELECT id FROM inst WHERE filed ORDER BY slots DESC, id")


register(Indicator(
    code="slots_per_1000", label="每千人口托位数", kind=PER_1000, numerator_label="已备案托位数",
    denominator_label="常住人口", target_key="target.slots_per_1000", compute=slots_compute,
    drill=slots_drill, drill_label="已备案机构", order=10))

register(Indicator(
    code="inclusive_share", label="普惠托位占比", kind=SHARE, numerator_label="普惠托位数",
    denominator_label="已备案托位数", target_key="target.inclusive_share",
    pending_on="补助与普惠（subsidies：普惠认定）", order=20))


def filing_rate_compute(frame: sql.Frame) -> dict[str | None, Figure]:
    return _shares(sql.grouped(frame, "count(*) FILTER (WHERE filed), count(*)", "inst"))


def filing_rate_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, "SELECT id FROM inst WHERE NOT filed ORDER BY id")


register(Indicator(
    code="filing_rate", label="备案率", kind=SHARE, numerator_label="已备案机构", denominator_label="已登记机构",
    target_key="target.filing_rate", compute=filing_rate_compute, drill=filing_rate_drill,
    drill_label="已登记未备案机构", order=30))

# Initial filings accepted this year up to the day: calendar days from (last) submission to receipt.
_RECEIPTS = """inst JOIN registry_filing f ON f.institution_id = inst.id
    AND f.kind = 'initial' AND f.status = 'accepted' AND f.submitted_at IS NOT NULL
    AND (f.decided_at AT TIME ZONE 'Asia/Shanghai')::date BETWEEN %(year_start)s AND %(as_of)s"""


def receipt_days_compute(frame: sql.Frame) -> dict[str | None, Figure]:
    rows = sql.grouped(frame, "percentile_cont(0.5) WITHIN GROUP "
                              "(ORDER BY extract(epoch FROM f.decided_at - f.submitted_at) / 86400.0), count(*)",
                       _RECEIPTS, child="inst.child")
    return {code: Figure(None, n, None if median is None else round(float(median), 1))
            for code, (median, n) in rows.items()}


def receipt_days_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT DISTINCT inst.id FROM {_RECEIPTS} ORDER BY inst.id")  # noqa: S608 (constant fragments; values are parameters)


register(Indicator(
    code="median_days_to_receipt", label="备案回执办理天数（中位数）", kind=DAYS, better=LOWER,
    numerator_label="中位天数", denominator_label="本年出具回执数", target_key="target.median_days_to_receipt",
    compute=receipt_days_compute, drill=receipt_days_drill, drill_label="本年已出具回执的机构", order=40))

def _on_duty(frame: sql.Frame) -> str:
    """Staff on duty on the day at the filed institutions (the staff rows' own region columns narrow
    the scan to the frame's region first)."""
    return f"""registry_staff s JOIN inst ON inst.id = s.institution_id AND inst.filed
    WHERE {frame.institution_filter('s')} AND s.start_date <= %(as_of)s
      AND (s.end_date IS NULL OR s.end_date >= %(as_of)s)"""
_CERTIFIED = """EXISTS (SELECT 1 FROM registry_staffqualification q WHERE q.staff_id = s.id
    AND q.type = ANY(%(qualifications)s) AND (q.expires_on IS NULL OR q.expires_on >= %(as_of)s))"""
_HEALTHY = """(s.health_certificate_date <= %(as_of)s
    AND s.health_certificate_date + make_interval(months => %(valid_months)s) >= %(as_of)s)"""


def _staff_params(frame: sql.Frame) -> dict:
    from regions.policy import policy_values_for

    values = policy_values_for([frame.region], ["staff.caregiver_qualifications",
                                                "staff.health_certificate_valid_months"])
    v = values[frame.region.code if frame.region is not None else None]
    return {"qualifications": list(v["staff.caregiver_qualifications"]),
            "valid_months": int(v["staff.health_certificate_valid_months"])}


def certified_compute(frame: sql.Frame) -> dict[str | None, Figure]:
    return _shares(sql.grouped(frame, f"count(*) FILTER (WHERE {_CERTIFIED}), count(*)",
                               f"{_on_duty(frame)} AND s.role = 'caregiver'", _staff_params(frame), child="inst.child"))


def certified_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT DISTINCT inst.id FROM {_on_duty(frame)} AND s.role = 'caregiver' AND NOT {_CERTIFIED} "  # noqa: S608 (constant fragments; values are parameters)
                          "ORDER BY inst.id", _staff_params(frame))


register(Indicator(
    code="caregiver_certified_share", label="保育人员持证率", kind=SHARE, numerator_label="持有效证书的保育人员",
    denominator_label="在岗保育人员", target_key="target.caregiver_certified_share", compute=certified_compute,
    drill=certified_drill, drill_label="有保育人员未持有效证书的机构", order=50))


def health_compute(frame: sql.Frame) -> dict[str | None, Figure]:
    return _shares(sql.grouped(frame, f"count(*) FILTER (WHERE {_HEALTHY}), count(*)", _on_duty(frame),
                               _staff_params(frame), child="inst.child"))


def health_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT DISTINCT inst.id FROM {_on_duty(frame)} AND NOT COALESCE({_HEALTHY}, FALSE) "  # noqa: S608 (constant fragments; values are parameters)
                          "ORDER BY inst.id", _staff_params(frame))


register(Indicator(
    code="health_certificate_share", label="工作人员健康合格证明有效率", kind=SHARE,
    numerator_label="健康合格证明有效的在岗人员", denominator_label="在岗工作人员",
    target_key="target.health_certificate_share", compute=health_compute, drill=health_drill,
    drill_label="有人员健康合格证明过期或缺失的机构", order=60))


def _townships_from(frame: sql.Frame) -> str:
    return f"regions_region r WHERE r.level = 'township' AND {frame.region_filter('r')}"


def township_compute(frame: sql.Frame) -> dict[str | None, Figure]:
    child = frame.region_child_expr("r")
    return _shares(sql.grouped(
        frame, "count(*) FILTER (WHERE r.code IN (SELECT township FROM inst WHERE filed)), count(*)",
        _townships_from(frame), child=child))


def township_drill(frame: sql.Frame) -> list:
    return sql.ids(frame, f"SELECT r.code FROM {_townships_from(frame)} "  # noqa: S608 (constant fragments; values are parameters)
                          "AND r.code NOT IN (SELECT township FROM inst WHERE filed) ORDER BY r.code")


register(Indicator(
    code="township_coverage", label="有已备案托育服务的乡镇（街道）占比", kind=SHARE,
    numerator_label="有已备案机构的乡镇（街道）", denominator_label="乡镇（街道）总数",
    target_key="target.township_coverage", compute=township_compute, drill=township_drill,
    drill_label="尚无已备案机构的乡镇（街道）", drill_rows="regions", order=70))

register(Indicator(
    code="township_inclusive_coverage", label="有普惠托育服务的乡镇（街道）占比", kind=SHARE,
    numerator_label="有普惠机构的乡镇（街道）", denominator_label="乡镇（街道）总数",
    target_key="target.township_inclusive_coverage", pending_on="补助与普惠（subsidies：普惠认定）", order=75))

# ----------------------------------------------------------------------------- pending on other modules

for _code, _label, _kind, _num, _den, _on, _order in (
    ("enrolled_children", "在托婴幼儿数", COUNT, "在托婴幼儿", "", "补助与普惠（subsidies：在托登记）", 80),
    ("occupancy", "托位使用率", SHARE, "在托婴幼儿", "已备案托位数", "补助与普惠（subsidies：在托登记）", 85),
    ("subsidy_paid_share", "补助资金执行率", SHARE, "已拨付补助", "补助预算", "补助与普惠（subsidies：补助拨付）", 90),
    ("inspections_done_share", "检查计划完成率", SHARE, "已完成检查", "计划检查", "监督检查（supervision：检查）", 100),
    ("nonconformities", "检查发现问题数", COUNT, "问题数", "", "监督检查（supervision：检查）", 110),
    ("overdue_rectifications", "逾期未整改数", COUNT, "逾期整改", "", "整改（supervision：整改）", 120),
    ("complaints", "投诉举报数", COUNT, "投诉举报", "", "投诉（supervision：投诉）", 130),
):
    register(Indicator(code=_code, label=_label, kind=_kind, numerator_label=_num, denominator_label=_den,
                       better=LOWER if _code in ("nonconformities", "overdue_rectifications", "complaints") else HIGHER,
                       pending_on=_on, order=_order))
