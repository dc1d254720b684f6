"""The month's operating claims for many institutions at once (``operating_claims_batch``, the task
of the 1st) give exactly what one claim at a time gives: every line, reason code, amount, share and
event, on a district with every case the rules distinguish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django_scopes import scopes_disabled

from core.audit import BULK_WRITE
from core.models import SweepRun
from subsidies.models import ClaimLine, SubsidyClaim, SubsidyClaimEvent
from subsidies.services import claims as services
from tests.factories import (
    make_certification,
    make_enrolment,
    make_filed_institution,
)

D = dt.date
MARCH = D(2026, 3, 1)


@pytest.fixture
def district(regions, policy, institution, dongguan):
    """西湖区 (and one 东莞 institution for the cross-province duplicate): every case of the rules."""
    with scopes_disabled():
        crowded = make_filed_institution(name="超额托育园", classes={"toddler": 2, "older_toddler": 5})
        make_certification(crowded)
        uncertified = make_filed_institution(name="未认定托育园")
        dear = make_filed_institution(name="高收费托育园")
        make_certification(dear, fees={"toddler": 260_000, "older_toddler": 180_000})  # above 200_000 × 120 %
        seq = iter(range(10, 200))
        a = institution
        make_enrolment(a, name="未满六月", born=D(2025, 9, 20), class_type="toddler", enrolled_on=MARCH,
                       seq=next(seq))  # 6 months on 20 Mar
        make_enrolment(a, name="太小", born=D(2025, 11, 1), class_type="toddler", enrolled_on=MARCH, seq=next(seq))
        make_enrolment(a, name="已满三岁", born=D(2022, 12, 15), class_type="older_toddler", seq=next(seq))
        make_enrolment(a, name="月中三岁", born=D(2023, 3, 12), class_type="older_toddler", seq=next(seq))
        make_enrolment(a, name="月末三岁", born=D(2023, 3, 25), class_type="older_toddler", seq=next(seq))
        make_enrolment(a, name="闰日", born=D(2024, 2, 29), class_type="older_toddler", seq=next(seq))
        make_enrolment(a, name="月中离园", born=D(2024, 5, 31), class_type="toddler", left_on=D(2026, 3, 10),
                       seq=next(seq))
        make_enrolment(a, name="月中入园", born=D(2024, 5, 31), class_type="toddler", enrolled_on=D(2026, 3, 20),
                       seq=next(seq))
        make_enrolment(a, name="上月离园", born=D(2024, 5, 1), class_type="toddler", left_on=D(2026, 2, 27),
                       seq=next(seq))
        make_enrolment(a, name="同一人", born=D(2024, 1, 10), class_type="older_toddler", seq=7)
        make_enrolment(dongguan, name="同一人", born=D(2024, 1, 10), class_type="older_toddler", seq=7)
        make_enrolment(dongguan, name="东莞童", born=D(2024, 1, 10), class_type="older_toddler", seq=next(seq))
        for n in range(4):  # 2 toddler slots: the two enrolled last are over capacity
            make_enrolment(crowded, name=f"超额{n}", born=D(2024, 6, 1), class_type="toddler",
                           enrolled_on=D(2025, 9, 1) + dt.timedelta(days=n), seq=next(seq))
        make_enrolment(crowded, name="三月五日入园", born=D(2024, 6, 1), class_type="toddler", enrolled_on=D(2026, 3, 5),
                       left_on=D(2026, 3, 25), seq=next(seq))
        make_enrolment(uncertified, name="未认定童", born=D(2024, 6, 1), class_type="toddler", seq=next(seq))
        make_enrolment(dear, name="高收费童", born=D(2024, 6, 1), class_type="toddler", seq=next(seq))
    return [a, dongguan, crowded, uncertified, dear]


def _snapshot(institutions) -> dict:
    out = {}
    with scopes_disabled():
        for inst in institutions:
            claim = SubsidyClaim.objects.get(institution=inst, period=MARCH, kind="operating")
            lines = {x.enrolment_id: (x.period, x.child_name, x.id_number_hash, x.id_number_masked, x.birth_date,
                                      x.class_type, x.enrolled_days, x.eligible_days, x.excluded_days, x.eligible,
                                      x.duplicate, x.yielded, x.counts, x.reason, x.region_id, x.district_id)
                     for x in ClaimLine.objects.filter(claim=claim)}
            events = [(e.action, e.from_status, e.to_status, e.actor_id, e.district_id)
                      for e in SubsidyClaimEvent.objects.filter(claim=claim)]
            out[inst.name] = {"claim": (claim.status, claim.policy_id, claim.rate_fen, claim.units, claim.amount_fen,
                                        claim.province_share_fen, claim.city_share_fen, claim.district_share_fen,
                                        claim.eligibility, claim.budget_year, claim.region_id, claim.district_id,
                                        claim.created_by_id),
                              "lines": lines, "events": events}
    return out


class _Rollback(Exception):
    pass


def test_batch_equals_one_claim_at_a_time_line_by_line(district):
    ids = [inst.pk for inst in district]
    try:
        with transaction.atomic():
            for pk in ids:
                with scopes_disabled():
                    services.operating_claim_create(actor=None, institution_id=pk, period=MARCH)
            one_by_one = _snapshot(district)
            raise _Rollback
    except _Rollback:
        pass
    with scopes_disabled():
        assert not SubsidyClaim.objects.filter(period=MARCH).exists()
        got = services.operating_claims_batch(period=MARCH, institution_ids=ids)
    assert got["created"] == 5
    batch = _snapshot(district)
    assert batch == one_by_one
    # The cases are really there (the comparison is not of two empty claims).
    reasons = {line[1]: (line[12], line[13]) for snap in batch.values() for line in snap["lines"].values()}
    assert reasons["太小"] == (False, "age_below_min")
    assert reasons["已满三岁"] == (False, "age_over_max")
    assert reasons["月中三岁"] == (False, "age_over_max")  # 11 claimable days < 15
    assert reasons["月末三岁"] == (True, "")  # 24 claimable days
    assert reasons["月中离园"] == (False, "not_enrolled")
    assert reasons["同一人"] == (False, "duplicate_child")
    assert reasons["未认定童"] == (False, "institution_not_eligible")
    assert reasons["高收费童"] == (False, "institution_not_eligible")
    assert "上月离园" not in reasons
    assert sorted(r for name, r in reasons.items() if name.startswith("超额")) == [
        (False, "over_capacity"), (False, "over_capacity"), (True, ""), (True, "")]
    assert reasons["未满六月"] == (False, "age_below_min")  # 12 claimable days from 20 March
    assert reasons["月中入园"] == (False, "not_enrolled")
    assert batch["西湖区普惠托育园"]["claim"][3:8] == (2, 60_000, 0, 30_000, 30_000)  # 月末三岁 and 闰日
    assert all(snap["events"] == [("create", "", "draft", None, snap["claim"][11])] for snap in batch.values())


def test_batch_is_idempotent_and_the_task_skips_what_exists(district):
    ids = [inst.pk for inst in district]
    with scopes_disabled():
        first = services.operating_claims_batch(period=MARCH, institution_ids=ids)
        again = services.operating_claims_batch(period=MARCH, institution_ids=ids)
        assert (first["created"], again["created"], again["skipped"]) == (5, 0, 5)
        assert services.monthly_claims_generate(MARCH)["created"] == 0
        assert SubsidyClaim.objects.filter(period=MARCH).count() == 5
        assert SubsidyClaimEvent.objects.filter(claim__period=MARCH).count() == 5
        history = ClaimLine.audit_events.field.model.objects  # subsidies.ClaimLineHistory
        before = history.count()
        april = services.monthly_claims_generate(D(2026, 4, 1))
        assert april["created"] == 5
        # Audited as one bulk_write event of the run, with its counts, not one history row per line.
        assert history.count() == before
        run = SweepRun.objects.filter(name=services.MONTHLY_RUN).latest("started_at")
        assert (run.outcome, run.summary["created"]) == ("ok", 5)
        assert [(e.pgh_label, e.summary["created"]) for e in run.audit_events.all()] == [(BULK_WRITE, 5)]


def test_batch_statements_do_not_grow_with_its_districts_or_lines(district):
    """The batch reads the policies and guided prices of all its districts (here two, in two provinces)
    in one query each and writes all its lines in one statement (the task's 5,000 institutions: 10 batches
    of a few statements each, not thousands)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with scopes_disabled(), CaptureQueriesContext(connection) as ctx:
        got = services.operating_claims_batch(period=MARCH, institution_ids=[inst.pk for inst in district])
    sql = [q["sql"] for q in ctx.captured_queries]
    assert got["lines"] > 10
    assert sum('FROM "subsidies_subsidypolicy"' in s for s in sql) == 1
    assert sum('FROM "subsidies_guidedprice"' in s for s in sql) == 1
    assert sum(s.lstrip().startswith("INSERT INTO subsidies_claimline") for s in sql) == 1
