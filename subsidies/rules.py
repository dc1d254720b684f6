"""Pure subsidy rules: ages, days, capacity, the guided-price band, and money in integer fen.

No database, no float: every amount is an ``int`` of fen, every share basis points (1/10000).

Ages (the rule the platform applies, stated once here and in docs/architecture.md):
a child *reaches* ``n`` months on the day with its birth day's number, ``n`` calendar months after
its birth month; when that month has no such day (born on the 31st, or on 29 February), on the
first day of the following month. So a child born on 31 August 2025 reaches 6 months on 1 March
2026, and one born on 29 February 2024 reaches 36 months on 1 March 2027. A day is **claimable**
for age when the child has reached 6 months and has not reached 36 months on it (``≥ 6`` and
``< 36`` months on that day). **The month a child turns three**: the days before the third
birthday are claimable, the birthday and the days after are not; the month counts when the
claimable days (with the other checks) reach the policy's ``min_eligible_days``.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

BASIS_POINTS = 10_000
MIN_AGE_MONTHS = 6
MAX_AGE_MONTHS = 36  # not reached on a claimable day

LEVELS = ("province", "city", "district")

# Ages each class type takes, in months [from, under) (registry's rule: 乳儿班 6–12, 托小班 12–24,
# 托大班 24–36, 混龄班 from 18).
CLASS_AGES = {"infant": (6, 12), "toddler": (12, 24), "older_toddler": (24, 36), "mixed": (18, 36)}


# --- ages ----------------------------------------------------------------------------------------------

def reaches_months(birth: dt.date, months: int) -> dt.date:
    """The day a child born on ``birth`` reaches ``months`` months (see the module docstring)."""
    total = birth.year * 12 + (birth.month - 1) + months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if birth.day <= last:
        return dt.date(year, month, birth.day)
    return dt.date(year, month, last) + dt.timedelta(days=1)


def age_months(birth: dt.date, day: dt.date) -> int:
    """Completed months of age on ``day`` (0 before the first month is reached)."""
    months = (day.year - birth.year) * 12 + day.month - birth.month
    while months > 0 and reaches_months(birth, months) > day:
        months -= 1
    return max(months, 0)


def claimable_age(birth: dt.date, day: dt.date) -> str:
    """'' when the age is claimable on ``day``; else ``age_below_min`` or ``age_over_max``."""
    if day < reaches_months(birth, MIN_AGE_MONTHS):
        return "age_below_min"
    if day >= reaches_months(birth, MAX_AGE_MONTHS):
        return "age_over_max"
    return ""


def class_fits_age(class_type: str, birth: dt.date, day: dt.date) -> bool:
    low, high = CLASS_AGES[class_type]
    return low <= age_months(birth, day) < high


# --- months and days -----------------------------------------------------------------------------------

def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(period: dt.date) -> dt.date:
    return period.replace(day=calendar.monthrange(period.year, period.month)[1])


def previous_month(day: dt.date) -> dt.date:
    return month_start(month_start(day) - dt.timedelta(days=1))


def days_of(period: dt.date) -> list[dt.date]:
    return [period + dt.timedelta(days=i) for i in range(calendar.monthrange(period.year, period.month)[1])]


# --- money ---------------------------------------------------------------------------------------------

def split_fen(amount_fen: int, shares_bp: Mapping[str, int]) -> dict[str, int]:
    """Split ``amount_fen`` (an int, may be negative) by basis points summing to 10000: each level
    gets the floor of its exact share, and the fen left over go one each to the levels with the
    largest remainders (ties: in ``LEVELS`` order from the district up). The parts sum to the amount
    exactly and each is within one fen of its exact share."""
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool):
        raise TypeError("amount_fen must be an int of fen")
    if sum(shares_bp.values()) != BASIS_POINTS or any(v < 0 for v in shares_bp.values()):
        raise ValueError("shares must be non-negative basis points summing to 10000")
    sign = -1 if amount_fen < 0 else 1
    amount = abs(amount_fen)
    parts = {level: amount * shares_bp.get(level, 0) // BASIS_POINTS for level in LEVELS}
    remainders = {level: amount * shares_bp.get(level, 0) % BASIS_POINTS for level in LEVELS}
    left = amount - sum(parts.values())
    order = sorted(LEVELS, key=lambda lv: (-remainders[lv], -LEVELS.index(lv)))
    for level in order[:left]:
        parts[level] += 1
    return {level: sign * part for level, part in parts.items()}


def fee_within_band(fee_fen: int, price_fen: int, band_bp: int) -> bool:
    """A fee is within the band when fee ≤ price × band (integer comparison, no rounding)."""
    return fee_fen * BASIS_POINTS <= price_fen * band_bp


def band_ceiling_fen(price_fen: int, band_bp: int) -> int:
    """The highest fee within the band, in whole fen."""
    return price_fen * band_bp // BASIS_POINTS


def yuan(fen: int) -> str:
    """``123456`` → ``1234.56`` (display only; never parsed back)."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), 100)
    return f"{sign}{whole}.{part:02d}"


# --- operating claim lines -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Child:
    """What the line rules read of an enrolment."""

    key: int  # the enrolment's id
    birth_date: dt.date
    class_type: str
    enrolled_on: dt.date
    left_on: dt.date | None


@dataclass
class Line:
    key: int
    enrolled_days: int = 0
    eligible_days: int = 0
    excluded_days: dict[str, int] = field(default_factory=dict)
    eligible: bool = False
    reason: str = ""


EXCLUSION_ORDER = ("age_below_min", "age_over_max", "over_capacity")


def compute_lines(period: dt.date, children: Sequence[Child], capacity: Mapping[str, int], *,
                  min_eligible_days: int, institution_eligible: bool) -> list[Line]:
    """One line per child enrolled on some day of the month ``period``.

    On each day a child is enrolled: the age must be claimable; then, per class type, the children
    with a claimable age are ranked by enrolment date (then id) and those beyond the class type's
    filed slots (``capacity``) are over capacity that day. The child-month is eligible when the
    eligible days reach ``min_eligible_days`` and the institution is eligible; otherwise ``reason``
    names why: ``institution_not_eligible``, else the exclusion that removed the most days (ties in
    ``EXCLUSION_ORDER``), else ``not_enrolled`` (enrolled too few days of the month).

    Computed by interval arithmetic, not day by day: a child's enrolled days of the month are one
    interval, cut by the day it reaches 6 months and the day it reaches 36 into too-young, claimable
    and too-old days. Within a class type the claimable children can only exceed the slots where
    their claimable intervals overlap; the month is cut at every interval's start and end into
    segments on which the same children are present, and on each segment the first ``capacity``
    of them by (enrolment date, id) are eligible for the segment's length, the rest over capacity.
    This is the per-day rule summed over days (``tests/subsidies/test_rules.py`` checks it against
    a per-day oracle by hypothesis)."""
    lines = {c.key: Line(c.key) for c in children}
    end = month_end(period)
    claimable: dict[str, list[tuple[Line, int, int]]] = {}  # class type → (line, first, last ordinal) ranked
    for c in sorted(children, key=lambda c: (c.enrolled_on, c.key)):
        first, last = max(c.enrolled_on, period), min(c.left_on or end, end)
        if first > last:
            continue
        line = lines[c.key]
        line.enrolled_days = (last - first).days + 1
        old_enough = reaches_months(c.birth_date, MIN_AGE_MONTHS)
        too_old = reaches_months(c.birth_date, MAX_AGE_MONTHS)
        young = (min(last, old_enough - dt.timedelta(days=1)) - first).days + 1
        if young > 0:
            line.excluded_days["age_below_min"] = young
        old = (last - max(first, too_old)).days + 1
        if old > 0:
            line.excluded_days["age_over_max"] = old
        lo, hi = max(first, old_enough), min(last, too_old - dt.timedelta(days=1))
        if lo <= hi:
            claimable.setdefault(c.class_type, []).append((line, lo.toordinal(), hi.toordinal()))
    for class_type, ranked in claimable.items():
        slots = capacity.get(class_type, 0)
        if len(ranked) <= slots:  # never more claimable children than slots: no day over capacity
            for line, lo, hi in ranked:
                line.eligible_days = hi - lo + 1
            continue
        cuts = sorted({lo for _, lo, _ in ranked} | {hi + 1 for _, _, hi in ranked})
        for start, stop in pairwise(cuts):
            used = 0
            for line, lo, hi in ranked:
                if lo <= start <= hi:
                    used += 1
                    if used > slots:
                        line.excluded_days["over_capacity"] = line.excluded_days.get("over_capacity", 0) + stop - start
                    else:
                        line.eligible_days += stop - start
    out = []
    for c in children:
        line = lines[c.key]
        if line.enrolled_days == 0:
            continue
        enough = line.eligible_days >= min_eligible_days
        line.eligible = enough and institution_eligible
        if not institution_eligible:
            line.reason = "institution_not_eligible"
        elif not enough:
            worst = max(EXCLUSION_ORDER, key=lambda r: (line.excluded_days.get(r, 0), -EXCLUSION_ORDER.index(r)))
            line.reason = worst if line.excluded_days.get(worst, 0) else "not_enrolled"
        out.append(line)
    return out


def over_capacity_days(period: dt.date, children: Iterable[Child], capacity: Mapping[str, int]) -> list[dt.date]:
    """Days of the month on which more children (of claimable age) are enrolled in a class type than
    it has filed slots."""
    children = list(children)
    out = []
    for day in days_of(period):
        counts: dict[str, int] = {}
        for c in children:
            if c.enrolled_on <= day and (c.left_on is None or c.left_on >= day) and not claimable_age(c.birth_date, day):
                counts[c.class_type] = counts.get(c.class_type, 0) + 1
        if any(n > capacity.get(t, 0) for t, n in counts.items()):
            out.append(day)
    return out
