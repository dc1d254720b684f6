"""The pure rules: ages (the 31st, 29 February, turning three mid-month), days, capacity, money."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subsidies import rules

D = dt.date


@pytest.mark.parametrize(("birth", "months", "reached"), [
    (D(2025, 8, 31), 6, D(2026, 3, 1)),  # February has no 31st: the 1st of March
    (D(2025, 8, 30), 6, D(2026, 3, 1)),  # nor a 30th (2026 is not a leap year)
    (D(2025, 8, 28), 6, D(2026, 2, 28)),
    (D(2024, 2, 29), 36, D(2027, 3, 1)),  # born on 29 February: three on 1 March of a common year
    (D(2024, 2, 29), 48, D(2028, 2, 29)),  # ... and on the 29th in a leap year
    (D(2024, 1, 31), 1, D(2024, 3, 1)),
    (D(2023, 5, 15), 36, D(2026, 5, 15)),
])
def test_reaches_months(birth, months, reached):
    assert rules.reaches_months(birth, months) == reached
    assert rules.age_months(birth, reached) == months
    assert rules.age_months(birth, reached - dt.timedelta(days=1)) == months - 1


def test_claimable_age_edges():
    born_31 = D(2025, 8, 31)
    assert rules.claimable_age(born_31, D(2026, 2, 28)) == "age_below_min"
    assert rules.claimable_age(born_31, D(2026, 3, 1)) == ""
    leap = D(2024, 2, 29)
    assert rules.claimable_age(leap, D(2027, 2, 28)) == ""  # still 35 months
    assert rules.claimable_age(leap, D(2027, 3, 1)) == "age_over_max"


LONG_AGO = D(2025, 1, 1)


def _child(key, birth, class_type="older_toddler", enrolled=LONG_AGO, left=None):
    return rules.Child(key, birth, class_type, enrolled, left)


def test_turning_three_mid_month_counts_the_days_before_the_birthday():
    # Three on 10 March 2026: 9 claimable days (1–9 March), 22 not.
    (line,) = rules.compute_lines(D(2026, 3, 1), [_child(1, D(2023, 3, 10))], {"older_toddler": 5},
                                  min_eligible_days=15, institution_eligible=True)
    assert (line.enrolled_days, line.eligible_days) == (31, 9)
    assert line.excluded_days == {"age_over_max": 22}
    assert not line.eligible and line.reason == "age_over_max"
    # Three on 20 March: 19 claimable days, the month counts.
    (line,) = rules.compute_lines(D(2026, 3, 1), [_child(1, D(2023, 3, 20))], {"older_toddler": 5},
                                  min_eligible_days=15, institution_eligible=True)
    assert line.eligible_days == 19 and line.eligible and line.reason == ""


def test_leaving_mid_month():
    lines = rules.compute_lines(D(2026, 4, 1), [_child(1, D(2024, 1, 5), left=D(2026, 4, 14)),
                                                 _child(2, D(2024, 1, 5), left=D(2026, 4, 15))],
                                {"older_toddler": 5}, min_eligible_days=15, institution_eligible=True)
    assert [(x.enrolled_days, x.eligible, x.reason) for x in lines] == [(14, False, "not_enrolled"), (15, True, "")]


def test_born_on_the_31st_reaches_six_months_on_the_first():
    # Born 31 August 2025: six months on 1 March 2026, so all of March is claimable, none of February.
    child = _child(1, D(2025, 8, 31), class_type="infant", enrolled=D(2026, 2, 1))
    (feb,) = rules.compute_lines(D(2026, 2, 1), [child], {"infant": 5}, min_eligible_days=15, institution_eligible=True)
    (mar,) = rules.compute_lines(D(2026, 3, 1), [child], {"infant": 5}, min_eligible_days=15, institution_eligible=True)
    assert (feb.eligible_days, feb.reason) == (0, "age_below_min")
    assert (mar.eligible_days, mar.eligible) == (31, True)


def test_over_capacity_days_exclude_the_latest_enrolled():
    # Two slots of 托大班; a third child from 10 April: over capacity every day from then on.
    kids = [_child(1, D(2024, 1, 1), enrolled=D(2025, 1, 1)), _child(2, D(2024, 1, 1), enrolled=D(2025, 2, 1)),
            _child(3, D(2024, 1, 1), enrolled=D(2026, 4, 10))]
    lines = rules.compute_lines(D(2026, 4, 1), kids, {"older_toddler": 2}, min_eligible_days=15,
                                institution_eligible=True)
    assert [(x.eligible_days, x.reason) for x in lines] == [(30, ""), (30, ""), (0, "over_capacity")]
    assert lines[2].excluded_days == {"over_capacity": 21}
    assert rules.over_capacity_days(D(2026, 4, 1), kids, {"older_toddler": 2})[0] == D(2026, 4, 10)
    # A child of another class type does not take a 托大班 slot.
    other = _child(4, D(2025, 1, 1), class_type="toddler", enrolled=D(2025, 6, 1))
    lines = rules.compute_lines(D(2026, 4, 1), [*kids[:2], other], {"older_toddler": 2, "toddler": 1},
                                min_eligible_days=15, institution_eligible=True)
    assert all(x.eligible for x in lines)


def test_institution_not_eligible_wins():
    (line,) = rules.compute_lines(D(2026, 4, 1), [_child(1, D(2024, 1, 1))], {"older_toddler": 5},
                                  min_eligible_days=15, institution_eligible=False)
    assert line.eligible_days == 30 and not line.eligible and line.reason == "institution_not_eligible"


# --- the interval arithmetic equals the rule stated day by day -------------------------------------------------

def _per_day(period, children, capacity, *, min_eligible_days, institution_eligible):
    """The rule as ``compute_lines`` states it, literally day by day (the oracle)."""
    ranked = sorted(children, key=lambda c: (c.enrolled_on, c.key))
    out = {c.key: {"enrolled": 0, "eligible": 0, "excluded": {}} for c in children}
    for day in rules.days_of(period):
        used = {}
        for c in ranked:
            if not (c.enrolled_on <= day and (c.left_on is None or c.left_on >= day)):
                continue
            row = out[c.key]
            row["enrolled"] += 1
            why = rules.claimable_age(c.birth_date, day)
            if not why:
                used[c.class_type] = used.get(c.class_type, 0) + 1
                why = "over_capacity" if used[c.class_type] > capacity.get(c.class_type, 0) else ""
            if why:
                row["excluded"][why] = row["excluded"].get(why, 0) + 1
            else:
                row["eligible"] += 1
    lines = {}
    for key, row in out.items():
        if not row["enrolled"]:
            continue
        enough = row["eligible"] >= min_eligible_days
        if not institution_eligible:
            reason = "institution_not_eligible"
        elif enough:
            reason = ""
        else:
            worst = max(rules.EXCLUSION_ORDER, key=lambda r: (row["excluded"].get(r, 0), -rules.EXCLUSION_ORDER.index(r)))
            reason = worst if row["excluded"].get(worst, 0) else "not_enrolled"
        lines[key] = (row["enrolled"], row["eligible"], row["excluded"], enough and institution_eligible, reason)
    return lines


# A child: (enrolled, days until left or None, born: days from 1 March 2026, older class type?); the
# births run from about three years and a quarter before the month to just after it.
_child_specs = st.lists(st.tuples(st.integers(-400, 40), st.none() | st.integers(0, 80), st.integers(-1200, 60),
                                  st.booleans()), max_size=12)


def _children(specs):
    out = []
    for n, (enrolled, stay, born, older) in enumerate(specs):
        enrolled_on = D(2026, 2, 1) + dt.timedelta(days=enrolled)
        out.append(rules.Child(100 - 7 * n, D(2026, 3, 1) + dt.timedelta(days=born),  # keys not in list order
                               "older_toddler" if older else "toddler", enrolled_on,
                               None if stay is None else enrolled_on + dt.timedelta(days=stay)))
    return out


# Timing checks off: on a loaded machine one draw of a dozen tuples took over a second (the data is small).
@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(specs=_child_specs, period=st.sampled_from([D(2026, 2, 1), D(2026, 3, 1), D(2028, 2, 1)]),
       toddler=st.integers(0, 6), older=st.integers(0, 6), min_days=st.integers(1, 31), eligible=st.booleans())
def test_interval_arithmetic_equals_the_per_day_rule(specs, period, toddler, older, min_days, eligible):
    children = _children(specs)
    capacity = {"toddler": toddler, "older_toddler": older}
    got = {line.key: (line.enrolled_days, line.eligible_days, line.excluded_days, line.eligible, line.reason)
           for line in rules.compute_lines(period, children, capacity, min_eligible_days=min_days,
                                           institution_eligible=eligible)}
    assert got == _per_day(period, children, capacity, min_eligible_days=min_days, institution_eligible=eligible)


# --- money: integers only, splits sum to the total -----------------------------------------------------------

shares = st.tuples(st.integers(0, 10_000), st.integers(0, 10_000)).filter(lambda t: t[0] + t[1] <= 10_000).map(
    lambda t: {"province": t[0], "city": t[1], "district": 10_000 - t[0] - t[1]})


@given(amount=st.integers(-10**12, 10**12), bp=shares)
def test_split_sums_to_the_total_within_a_fen_each(amount, bp):
    parts = rules.split_fen(amount, bp)
    assert sum(parts.values()) == amount
    assert all(type(v) is int for v in parts.values())
    for level, part in parts.items():
        exact_times_10000 = amount * bp[level]
        assert abs(part * 10_000 - exact_times_10000) < 10_000


@given(units=st.integers(0, 10**6), rate=st.integers(0, 10**7), bp=shares)
def test_claim_arithmetic_is_exact(units, rate, bp):
    amount = units * rate
    parts = rules.split_fen(amount, bp)
    assert sum(parts.values()) == amount == units * rate


def test_split_refuses_floats_and_bad_shares():
    with pytest.raises(TypeError):
        rules.split_fen(100.0, {"province": 0, "city": 5000, "district": 5000})
    with pytest.raises(ValueError, match="10000"):
        rules.split_fen(100, {"province": 0, "city": 5000, "district": 4000})


@given(fee=st.integers(0, 10**8), price=st.integers(1, 10**8), band=st.integers(10_000, 30_000))
def test_fee_band_matches_the_ceiling(fee, price, band):
    assert rules.fee_within_band(fee, price, band) == (fee <= rules.band_ceiling_fen(price, band))


def test_money_columns_are_integers():
    from django.apps import apps
    from django.db import models

    for model in apps.get_app_config("subsidies").get_models():
        for f in model._meta.concrete_fields:
            if f.name.endswith("_fen"):
                assert isinstance(f, models.BigIntegerField), f"{model.__name__}.{f.name}"
            assert not isinstance(f, models.FloatField), f"{model.__name__}.{f.name} is a float"
