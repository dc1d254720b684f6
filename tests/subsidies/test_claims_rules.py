"""Claims through the services: the duplicate child across two provinces (per-claim check and the
nightly sweep), over-capacity days, policy versioning, budgets under concurrent approvals, the
transition table, the certification workflow and the all-or-nothing Excel import."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from django_scopes import scopes_disabled
from openpyxl import Workbook

from core.errors import DomainError, InvalidTransition, PermissionDenied
from core.sweeps import run_sweep
from subsidies.models import (
    Certification,
    ClaimLine,
    Enrolment,
    SubsidyBudget,
    SubsidyClaim,
    SubsidyClaimEvent,
    SubsidyClaimStatus,
)
from subsidies.services import certifications as cert_services
from subsidies.services import claims as services
from subsidies.services.enrolments import enrolment_import
from subsidies.services.policies import policy_publish
from subsidies.workflow import CLAIM, ClaimAction
from tests.concurrency import run_in_threads
from tests.factories import (
    make_budget,
    make_certification,
    make_enrolment,
    make_filed_institution,
    make_guided_prices,
    make_id_number,
    make_subsidy_policy,
)

from .conftest import evidence

D = dt.date
MARCH = D(2026, 3, 1)
CHILD_BORN = D(2024, 1, 10)


def _claim(actor, inst, period=MARCH):
    with scopes_disabled():
        return services.operating_claim_create(actor=actor, institution_id=inst.pk, period=period)


def test_duplicate_child_across_two_provinces_counts_on_neither(institution, dongguan, budgets, district_reviewer):
    with scopes_disabled():
        make_enrolment(institution, name="同一人", born=CHILD_BORN, class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1), seq=5, id_region="330106")
        make_enrolment(dongguan, name="同一人", born=CHILD_BORN, class_type="older_toddler", enrolled_on=D(2026, 2, 1),
                       seq=5, id_region="330106")
        make_enrolment(institution, name="别人", born=CHILD_BORN, class_type="older_toddler",
                       enrolled_on=D(2026, 2, 1), seq=6)
    first = _claim(None, institution)
    assert first.units == 2  # alone so far: both children count
    second = _claim(None, dongguan)
    with scopes_disabled():
        first.refresh_from_db()
        lines = ClaimLine.objects.filter(child_name="同一人").order_by("claim_id")
        assert [(x.duplicate, x.counts, x.reason) for x in lines] == [(True, False, "duplicate_child")] * 2
        assert (first.units, first.amount_fen) == (1, 30_000)
        assert (second.units, second.amount_fen) == (0, 0)
        assert first.amount_fen == first.city_share_fen + first.district_share_fen
    # Approval waits for the district to resolve it.
    with scopes_disabled():
        services.claim_submit(actor=_operator_of(first), claim_id=first.pk)
    with pytest.raises(DomainError) as exc, scopes_disabled():
        services.claim_approve(actor=district_reviewer, claim_id=first.pk)
    assert exc.value.code == "duplicate_unresolved"
    # 东莞 yields its line: 西湖区's counts again (the district resolved which institution keeps the month).
    dg_reviewer = _account("dg_sub_reviewer", "district_reviewer", "441900003")
    with scopes_disabled():
        dg_line = ClaimLine.objects.get(claim=second, child_name="同一人")
        services.line_yield(actor=dg_reviewer, line_id=dg_line.pk, reason="该儿童3月实际在西湖区入托")
        first.refresh_from_db()
        assert (first.units, first.amount_fen) == (2, 60_000)
        assert ClaimLine.objects.get(claim=first, child_name="同一人").counts
        assert ClaimLine.objects.get(pk=dg_line.pk).reason == "duplicate_yielded"
    # A 西湖区 reviewer cannot yield 东莞's line (not theirs: 404).
    with pytest.raises(DomainError) as exc, scopes_disabled():
        services.line_yield(actor=district_reviewer, line_id=dg_line.pk, reason="x")
    assert exc.value.status_code == 404


def _account(username, role, scope):
    from accounts.services import account_create_or_grant

    with scopes_disabled():
        return account_create_or_grant(actor=None, username=username, password="Passw0rd!2026", role=role,
                                       scope=scope)[0]


def _operator_of(claim):
    return _account(f"op_{claim.institution_id}", "operator", claim.institution.uscc)


def test_nightly_sweep_catches_claims_computed_at_once(institution, dongguan):
    with scopes_disabled():
        for inst in (institution, dongguan):
            make_enrolment(inst, name="同一人", born=CHILD_BORN, class_type="older_toddler",
                           enrolled_on=D(2026, 2, 1), seq=5)
        a, b = _claim(None, institution), _claim(None, dongguan)
        # As if both had been computed in parallel: the flags are lost.
        ClaimLine.objects.update(duplicate=False, counts=True, reason="")
        SubsidyClaim.objects.update(units=1, amount_fen=30_000, city_share_fen=15_000, district_share_fen=15_000)
    run = run_sweep("subsidies.duplicates")
    assert run.outcome == "ok" and run.summary["flagged"] == 2
    with scopes_disabled():
        assert sorted(ClaimLine.objects.values_list("reason", flat=True)) == ["duplicate_child"] * 2
        assert [c.amount_fen for c in SubsidyClaim.objects.filter(pk__in=[a.pk, b.pk])] == [0, 0]
    assert run_sweep("subsidies.duplicates").summary["lines_changed"] == 0  # idempotent


def test_over_capacity_days_in_a_claim(policy, budgets):
    with scopes_disabled():
        inst = make_filed_institution(classes={"older_toddler": 2})
        make_certification(inst)
        for seq, start in enumerate((D(2026, 1, 1), D(2026, 1, 2), D(2026, 3, 5)), start=1):
            make_enrolment(inst, name=f"童{seq}", born=CHILD_BORN, class_type="older_toddler", enrolled_on=start,
                           seq=seq)
        # The filed slots went down to 2 after the third child was enrolled (a change filing).
    claim = _claim(None, inst)
    with scopes_disabled():
        lines = {x.child_name: x for x in claim.lines.all()}
    assert (lines["童3"].reason, lines["童3"].excluded_days) == ("over_capacity", {"over_capacity": 27})
    assert claim.units == 2


def test_institution_not_eligible_without_certification(policy, budgets):
    with scopes_disabled():
        inst = make_filed_institution()
        make_enrolment(inst, name="童", born=CHILD_BORN, class_type="older_toddler", enrolled_on=D(2026, 2, 1))
    claim = _claim(None, inst)
    with scopes_disabled():
        (line,) = claim.lines.all()
    assert (line.counts, line.reason) == (False, "institution_not_eligible")
    assert {c["code"]: c["passed"] for c in claim.eligibility}["inclusive"] is False


def test_policy_versioning_never_changes_an_approved_claim(institution, operator, district_reviewer, budgets,
                                                           city_admin):
    with scopes_disabled():
        make_enrolment(institution, name="童", born=CHILD_BORN, class_type="older_toddler", enrolled_on=D(2026, 2, 1))
        claim = services.operating_claim_create(actor=operator, institution_id=institution.pk, period=MARCH)
        services.claim_submit(actor=operator, claim_id=claim.pk)
        services.claim_approve(actor=district_reviewer, claim_id=claim.pk)
        region = institution.city
        v2 = policy_publish(actor=city_admin, region=region, valid_from=D(2026, 3, 1), values={
            "construction_rate_min_fen": 40_000, "construction_rate_max_fen": 60_000, "construction_rate_fen": 60_000,
            "operating_rate_fen": 50_000, "min_eligible_days": 10, "requires_inclusive": True, "requires_filed": True,
            "requires_fee_within_band": True, "min_occupancy_bp": 0, "province_share_bp": 0, "city_share_bp": 6_000,
            "district_share_bp": 4_000, "requires_city_approval": False})
        claim.refresh_from_db()
        assert v2.version == 2 and claim.policy.version == 1
        assert (claim.rate_fen, claim.amount_fen) == (30_000, 30_000)
        # A new claim for April uses version 2.
        april = services.operating_claim_create(actor=operator, institution_id=institution.pk, period=D(2026, 4, 1))
        assert (april.policy_id, april.rate_fen, april.amount_fen, april.city_share_fen) == (v2.pk, 50_000, 50_000,
                                                                                           30_000)
    # Only the city's own admin publishes the city's policy.
    with pytest.raises(DomainError), scopes_disabled():
        policy_publish(actor=district_reviewer, region=region, valid_from=D(2026, 5, 1), values={})


def test_district_policy_stays_within_the_city(policy, district_admin):
    from regions.models import Region

    values = {"construction_rate_min_fen": 40_000, "construction_rate_max_fen": 60_000,
              "construction_rate_fen": 70_000, "operating_rate_fen": 30_000, "min_eligible_days": 15,
              "requires_inclusive": True, "requires_filed": True, "requires_fee_within_band": True,
              "min_occupancy_bp": 0, "province_share_bp": 0, "city_share_bp": 5_000, "district_share_bp": 5_000,
              "requires_city_approval": False}
    with scopes_disabled():
        region = Region.objects.get(code="330106")
        with pytest.raises(DomainError) as exc:
            policy_publish(actor=district_admin, region=region, valid_from=D(2026, 1, 1), values=values)
        assert exc.value.code == "outside_city_policy" and "construction_rate_fen" in exc.value.fields
        p = policy_publish(actor=district_admin, region=region, valid_from=D(2026, 1, 1),
                           values={**values, "construction_rate_fen": 55_000})
        assert p.version == 1 and p.region_id == "330106"
        with pytest.raises(DomainError) as exc:
            policy_publish(actor=district_admin, region=region, valid_from=D(2026, 2, 1),
                           values={**values, "construction_rate_fen": 55_000, "city_share_bp": 3_000,
                                   "district_share_bp": 7_000})
        assert exc.value.code == "outside_city_policy"


@pytest.mark.django_db(transaction=True)
def test_budget_under_concurrent_approvals(regions, make_account):
    """Two reviewers approve two claims at once; the district budget has room for one."""
    with scopes_disabled():
        make_guided_prices("330100")
        make_subsidy_policy("330100")
        make_budget("330100", 2026, 10_000_000)
        make_budget("330106", 2026, 20_000)  # room for one district share of 15,000 fen
        ids = []
        for n in range(2):
            inst = make_filed_institution(name=f"并发{n}")
            make_certification(inst)
            make_enrolment(inst, name=f"童{n}", born=CHILD_BORN, class_type="older_toddler",
                           enrolled_on=D(2026, 2, 1), seq=n + 1)
            claim = services.operating_claim_create(actor=None, institution_id=inst.pk, period=MARCH)
            SubsidyClaim.objects.filter(pk=claim.pk).update(status=SubsidyClaimStatus.SUBMITTED)
            ids.append(claim.pk)
    reviewers = [make_account(f"race_rev{n}", "district_reviewer", "330106") for n in range(2)]

    def approve(user, claim_id):
        def job():
            with scopes_disabled():
                return services.claim_approve(actor=user, claim_id=claim_id).status
        return job

    results = run_in_threads([approve(reviewers[0], ids[0]), approve(reviewers[1], ids[1])])
    ok = [r for r in results if r == SubsidyClaimStatus.DISTRICT_APPROVED]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(ok) == 1 and len(refused) == 1, results
    assert refused[0].code == "budget_exceeded" and refused[0].status_code == 409
    with scopes_disabled():
        assert SubsidyBudget.objects.get(region_id="330106").committed_fen == 15_000
        assert SubsidyBudget.objects.get(region_id="330100").committed_fen == 15_000


def test_every_state_and_action_of_the_claim_table(institution, operator, district_reviewer, district_admin,
                                                   city_admin, budgets):
    """Each (state × action) pair is the table's move or refused with InvalidTransition."""
    actors = {ClaimAction.SUBMIT: operator, ClaimAction.RETURN: district_reviewer,
              ClaimAction.APPROVE: district_reviewer, ClaimAction.CITY_RETURN: city_admin,
              ClaimAction.CITY_APPROVE: city_admin, ClaimAction.BATCH: district_admin, ClaimAction.PAY: district_admin}
    with scopes_disabled():
        claim = services.construction_claim_create(actor=operator, institution_id=institution.pk, slots=1)
        for state in SubsidyClaimStatus.values:
            for t in CLAIM.transitions:
                SubsidyClaim.objects.filter(pk=claim.pk).update(status=state)
                row = SubsidyClaim.objects.get(pk=claim.pk)
                if state in t.sources:
                    assert CLAIM.ensure_transition(row, t.action, actors[t.action]) is t
                else:
                    with pytest.raises(InvalidTransition):
                        CLAIM.ensure_transition(row, t.action, actors[t.action])
        # The wrong role is refused before the table is read.
        SubsidyClaim.objects.filter(pk=claim.pk).update(status=SubsidyClaimStatus.SUBMITTED)
        with pytest.raises(PermissionDenied):
            CLAIM.ensure_transition(SubsidyClaim.objects.get(pk=claim.pk), ClaimAction.APPROVE, operator)


def test_city_approval_when_the_policy_asks(regions, make_account):
    with scopes_disabled():
        make_guided_prices("330100")
        make_subsidy_policy("330100", requires_city_approval=True)
        for code in ("330100", "330106"):
            make_budget(code, 2026, 1_000_000)
        inst = make_filed_institution()
        make_certification(inst)
    op = make_account("op_city", "operator", inst.uscc)
    rev = make_account("rev_city", "district_reviewer", "330106")
    adm = make_account("adm_city", "district_admin", "330106")
    city = make_account("city_adm", "city_admin", "330100")
    other_city = make_account("nb_city_adm", "city_admin", "330200")
    with scopes_disabled():
        claim = services.construction_claim_create(actor=op, institution_id=inst.pk, slots=2)
        with pytest.raises(DomainError) as exc:
            services.claim_submit(actor=op, claim_id=claim.pk)
        assert exc.value.code == "evidence_required"
        services.claim_document_upload(actor=op, claim_id=claim.pk, uploaded_file=evidence())
        with pytest.raises(DomainError) as exc:
            services.claim_document_upload(actor=op, claim_id=claim.pk, uploaded_file=evidence("x.exe").__class__(
                b"MZ\x90\x00binary", name="x.exe"))
        assert exc.value.code == "document_type_not_allowed"
        services.claim_submit(actor=op, claim_id=claim.pk)
        services.claim_approve(actor=rev, claim_id=claim.pk)
        from subsidies.services.payouts import payout_batch_create

        with pytest.raises(InvalidTransition) as exc:
            payout_batch_create(actor=adm, district=None, claim_ids=[claim.pk])
        assert exc.value.code == "city_approval_required"
        with pytest.raises(DomainError) as exc:
            services.claim_approve(actor=other_city, claim_id=claim.pk)
        assert exc.value.status_code == 404
        # The city returns it: the budgets are released.
        services.claim_return(actor=city, claim_id=claim.pk, reasons=["佐证材料不全"])
        assert SubsidyBudget.objects.get(region_id="330106").committed_fen == 0
        services.claim_submit(actor=op, claim_id=claim.pk)
        services.claim_approve(actor=rev, claim_id=claim.pk)
        assert services.claim_approve(actor=city, claim_id=claim.pk).status == SubsidyClaimStatus.CITY_APPROVED
        batch = payout_batch_create(actor=city, district="330106", claim_ids=[claim.pk])
        assert batch.total_fen == 100_000
        actions = list(SubsidyClaimEvent.objects.filter(claim=claim).values_list("action", flat=True))
    assert actions == ["create", "submit", "approve", "city_return", "submit", "approve", "city_approve", "batch"]


def test_certification_workflow(institution, operator, district_reviewer):
    with scopes_disabled():
        Certification.objects.all().delete()
        cert = cert_services.certification_apply(actor=operator, institution_id=institution.pk,
                                                 fees={"toddler": 250_000, "older_toddler": 180_000})
        checks = {c["code"]: c["passed"] for c in cert.check_results}
        assert checks == {"filed": True, "fee.older_toddler": True, "fee.toddler": False}  # 250,000 > 120 % of 200,000
        with pytest.raises(DomainError) as exc:
            cert_services.certification_accept(actor=district_reviewer, certification_id=cert.pk,
                                               period_start=D(2026, 1, 1), period_end=D(2028, 12, 31))
        assert exc.value.code == "checks_failed"
        cert_services.certification_return(actor=district_reviewer, certification_id=cert.pk,
                                           reasons=["托小班收费高于指导价上浮范围"])
        cert_services.certification_resubmit(actor=operator, certification_id=cert.pk,
                                             fees={"toddler": 240_000, "older_toddler": 180_000})
        cert = cert_services.certification_accept(actor=district_reviewer, certification_id=cert.pk,
                                                  period_start=D(2026, 1, 1), period_end=D(2026, 6, 30))
        assert cert.status == "certified" and cert.review_on == D(2026, 6, 30)
        with pytest.raises(InvalidTransition):
            cert_services.certification_accept(actor=district_reviewer, certification_id=cert.pk,
                                               period_start=D(2026, 1, 1), period_end=D(2026, 6, 30))
    from subsidies.selectors.certifications import public_certification

    assert public_certification(institution.pk) is None  # the period is over
    run = run_sweep("subsidies.certification_expiry")
    assert run.summary == {"expired": 1, "expiring_notified": 0}
    with scopes_disabled():
        cert.refresh_from_db()
        assert cert.status == "expired"
        assert list(cert.events.values_list("action", flat=True)) == ["apply", "return", "resubmit", "accept", "expire"]


def test_public_section_shows_the_certification(client, institution):
    """The portal's institution page (anonymous) says the institution is certified, and until when."""
    response = client.get(f"/institutions/{institution.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="public-section-inclusive_certification"' in body
    assert "普惠托育机构" in body and "2027-12-31" in body


def _workbook(rows) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["婴幼儿姓名", "身份证号", "出生日期", "班型", "入托日期", "离托日期"])
    for row in rows:
        ws.append(row)
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def test_excel_import_is_all_or_nothing(institution, operator):
    good = [["甲", make_id_number("330106", born=D(2024, 1, 3), seq=1), D(2024, 1, 3), "托大班", D(2026, 2, 1), None],
            ["乙", make_id_number("330106", born=D(2024, 5, 3), seq=2), "2024-05-03", "toddler", "2026-02-01", None]]
    bad = [*good,
           ["丙", "123", "2024-05-03", "toddler", "2026-02-01", None],  # bad ID number
           ["丁", make_id_number("330106", born=D(2025, 12, 1), seq=3), "2025-12-01", "toddler", "2026-02-01",
            None]]  # two months old
    with scopes_disabled():
        with pytest.raises(DomainError) as exc:
            enrolment_import(actor=operator, institution_id=institution.pk, content=_workbook(bad))
        assert exc.value.code == "import_refused"
        report = exc.value.report
        assert [r["ok"] for r in report] == [True, True, False, False]
        assert report[2]["errors"]["id_number"][0]["code"]
        assert report[3]["errors"]["enrolled_on"][0]["code"] == "age_below_min"
        assert not Enrolment.objects.exists()
        result = enrolment_import(actor=operator, institution_id=institution.pk, content=_workbook(good))
        assert result["imported"] == 2 and Enrolment.objects.count() == 2
        with pytest.raises(DomainError) as exc:
            enrolment_import(actor=operator, institution_id=institution.pk, content=b"not a workbook")
        assert exc.value.code == "file_invalid"
