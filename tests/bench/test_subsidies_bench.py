"""bench/subsidies.py at a small scale: the synthetic lines are written and the duplicate sweep's one
statement flags exactly the planted duplicates (figures printed; ``SUBSIDY_BENCH_LINES`` scales it)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django_scopes import scopes_disabled

from bench import subsidies as bench
from subsidies.models import ClaimLine
from tests.factories import make_enrolment, make_filed_institution, make_subsidy_policy

pytestmark = pytest.mark.django_db


def test_duplicate_sweep_over_a_month(regions):
    n = int(os.environ.get("SUBSIDY_BENCH_LINES", "2000"))
    period = dt.date(2026, 3, 1)
    with scopes_disabled():
        make_subsidy_policy("330100")
        inst = make_filed_institution()
        make_enrolment(inst, name="种子", born=dt.date(2024, 1, 10), class_type="older_toddler",
                       enrolled_on=dt.date(2026, 2, 1))
        from subsidies.services.claims import construction_claim_create

        construction_claim_create(actor=None, institution_id=inst.pk, slots=1)
        bench.populate_lines(n, period=period, dup_every=500)
        result = bench.time_sweep(period)
        print(f"\nduplicate sweep over {n} lines: {result}")
        pairs = sum(1 for g in range(n) if g % 500 == 40)
        assert result["flagged"] == 2 * pairs == ClaimLine.objects.filter(duplicate=True).count()
        again = bench.time_sweep(period)
        print(f"second run (nothing to change): {again}")
        assert again["lines_changed"] == 0  # idempotent


def test_monthly_claims_bench_writes_one_line_per_child_month(regions):
    """``national_claims`` (``python -m bench.subsidies claims``) runs the task's batch over the filed
    institutions it picks and rolls it back; its hand-written SQL covers the same child-months."""
    from subsidies.models import SubsidyClaim

    period = dt.date(2026, 3, 1)
    with scopes_disabled():
        make_subsidy_policy("330100")
        first, second, _empty = make_filed_institution(), make_filed_institution(), make_filed_institution()
        make_enrolment(first, name="甲", born=dt.date(2024, 1, 10), class_type="older_toddler", seq=1)
        make_enrolment(first, name="乙", born=dt.date(2024, 6, 1), class_type="toddler", seq=2,
                       left_on=dt.date(2026, 2, 27))  # left before the month: no line
        make_enrolment(second, name="丙", born=dt.date(2024, 6, 1), class_type="toddler", seq=3)
    result = bench.national_claims(institutions=10, sample=1, period=period, log=lambda *_: None)
    assert result["institutions"] == 2  # the institution without enrolments is not picked
    assert result["claims"] == 2 and result["lines"] == 2 == result["hand_sql_lines"]
    with scopes_disabled():
        assert not SubsidyClaim.objects.filter(kind="operating").exists()  # rolled back
