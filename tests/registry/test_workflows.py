"""The institution and claim workflows (registry.workflow on core.workflow), table-driven like the
filing matrix in test_filing_services.py: every (state × action) pair is either the legal move,
with its event row, or refused with InvalidTransition and nothing changed. Also: the statuses are
protected, a stale row is a conflict, and the filing services move the institution through its table.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.errors import Conflict, InvalidTransition, PermissionDenied
from core.tenancy import tenant_scope
from registry.models import (
    ClaimEvent,
    ClaimStatus,
    FilingStatus,
    Institution,
    InstitutionClaim,
    InstitutionEvent,
    InstitutionStatus,
)
from registry.services import filings as svc
from registry.services.institutions import (
    claim_confirm,
    claim_reject,
    institution_resume,
    institution_suspend,
)
from registry.services.sweeps import termination_sweep
from registry.workflow import INSTITUTION, InstitutionAction
from tests.factories import FilingFactory, InstitutionFactory, UserFactory, make_ready_filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def as_(user):
    return tenant_scope(scope_of(user.active_assignments[0]))


def institution_in(status, **kwargs) -> Institution:
    with scopes_disabled():
        return InstitutionFactory(status=status, **kwargs)


def reload(model, pk):
    with scopes_disabled():
        return model.objects.get(pk=pk)


def events_of(institution) -> list[tuple]:
    with scopes_disabled():
        return list(InstitutionEvent.objects.filter(institution_id=institution.pk).order_by("id")
                    .values_list("action", "from_status", "to_status", "actor_id", "reason"))


# --- the institution table -------------------------------------------------------------------------

# Written out by hand from the filing procedure and the district's powers, NOT derived from
# registry.workflow: (state, action) → the state it moves to, or None where the move is refused.
RG, FG, FD, SU, TE = "registered", "filing", "filed", "suspended", "terminated"
INSTITUTION_ACTIONS = ["submit_filing", "withdraw_filing", "accept_filing", "reject_filing", "suspend", "resume",
                       "terminate"]
INSTITUTION_EXPECTED = {
    (RG, "submit_filing"): FG, (RG, "withdraw_filing"): None, (RG, "accept_filing"): None,
    (RG, "reject_filing"): None, (RG, "suspend"): None, (RG, "resume"): None, (RG, "terminate"): None,
    (FG, "submit_filing"): None, (FG, "withdraw_filing"): RG, (FG, "accept_filing"): FD,
    (FG, "reject_filing"): RG, (FG, "suspend"): None, (FG, "resume"): None, (FG, "terminate"): None,
    (FD, "submit_filing"): None, (FD, "withdraw_filing"): None, (FD, "accept_filing"): None,
    (FD, "reject_filing"): None, (FD, "suspend"): SU, (FD, "resume"): None, (FD, "terminate"): TE,
    (SU, "submit_filing"): None, (SU, "withdraw_filing"): None, (SU, "accept_filing"): None,
    (SU, "reject_filing"): None, (SU, "suspend"): None, (SU, "resume"): FD, (SU, "terminate"): TE,
    (TE, "submit_filing"): None, (TE, "withdraw_filing"): None, (TE, "accept_filing"): None,
    (TE, "reject_filing"): None, (TE, "suspend"): None, (TE, "resume"): None, (TE, "terminate"): None,
}
OPERATOR_ACTIONS = {"submit_filing", "withdraw_filing"}


def test_institution_matrix_covers_every_state_and_action():
    assert set(INSTITUTION_EXPECTED) == {(s, a) for s in InstitutionStatus.values for a in INSTITUTION_ACTIONS}
    assert set(INSTITUTION_ACTIONS) == set(InstitutionAction.values)


@pytest.mark.parametrize("status", InstitutionStatus.values)
@pytest.mark.parametrize("action", INSTITUTION_ACTIONS)
def test_institution_table_every_state_and_action(status, action, reviewer, make_account):
    institution = institution_in(status)
    actor = make_account("op_matrix", "operator", institution.uscc) if action in OPERATOR_ACTIONS else reviewer
    expected = INSTITUTION_EXPECTED[(status, action)]
    with scopes_disabled():
        locked = Institution.objects.locked().get(pk=institution.pk)
        if expected is None:
            with pytest.raises(InvalidTransition) as exc:
                INSTITUTION.move(locked, action, actor, reason="矩阵")
            label = InstitutionAction(action).label
            assert f"机构当前状态为“{InstitutionStatus(status).label}”，不能执行“{label}”操作" in exc.value.message
        else:
            INSTITUTION.move(locked, action, actor, reason="矩阵")
    assert reload(Institution, institution.pk).status == (expected or status)
    assert events_of(institution) == ([(action, status, expected, actor.pk, "矩阵")] if expected else [])


SERVICES = {"suspend": institution_suspend, "resume": institution_resume}


@pytest.mark.parametrize("status", InstitutionStatus.values)
@pytest.mark.parametrize("action", sorted(SERVICES))
def test_suspend_and_resume_services_follow_the_table(status, action, reviewer, django_capture_on_commit_callbacks):
    institution = institution_in(status)
    expected = INSTITUTION_EXPECTED[(status, action)]
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        if expected is None:
            with pytest.raises(InvalidTransition):
                SERVICES[action](actor=reviewer, institution_id=institution.pk, reason="整改")
        else:
            SERVICES[action](actor=reviewer, institution_id=institution.pk, reason="整改")
    assert reload(Institution, institution.pk).status == (expected or status)
    assert events_of(institution) == ([(action, status, expected, reviewer.pk, "整改")] if expected else [])


def test_the_status_is_protected(regions):
    institution = institution_in(InstitutionStatus.FILED)
    with pytest.raises(AttributeError, match="modification is not allowed"):
        institution.status = InstitutionStatus.TERMINATED
    with scopes_disabled():
        claim = InstitutionClaim(institution=institution, user=UserFactory())
        claim.set_region(institution.region)
        claim.save()
    with pytest.raises(AttributeError, match="modification is not allowed"):
        claim.status = ClaimStatus.CONFIRMED
    filing = make_filing(institution)
    with pytest.raises(AttributeError, match="modification is not allowed"):
        filing.status = FilingStatus.ACCEPTED


def make_filing(institution, **kwargs):
    with scopes_disabled():
        return FilingFactory(institution=institution, **kwargs)


def test_a_row_moved_since_it_was_read_is_a_conflict(reviewer):
    institution = institution_in(InstitutionStatus.FILED)
    with scopes_disabled():
        first, stale = Institution.objects.get(pk=institution.pk), Institution.objects.get(pk=institution.pk)
        INSTITUTION.move(first, InstitutionAction.SUSPEND, reviewer, reason="先到")
        with pytest.raises(Conflict), transaction.atomic():  # a service's transaction, rolled back
            INSTITUTION.move(stale, InstitutionAction.SUSPEND, reviewer, reason="后到")
    assert [e[4] for e in events_of(institution)] == ["先到"]


def test_roles_come_from_the_table(make_account, reviewer):
    institution = institution_in(InstitutionStatus.FILED)
    operator = make_account("op_roles", "operator", institution.uscc)
    inspector = make_account("inspector_roles", "district_inspector", "330106")
    with scopes_disabled():
        for actor in (operator, inspector):
            with pytest.raises(PermissionDenied):
                INSTITUTION.move(Institution.objects.get(pk=institution.pk), InstitutionAction.SUSPEND, actor)
        with pytest.raises(PermissionDenied):  # the filing moves are the operator's
            INSTITUTION.move(institution_in(InstitutionStatus.REGISTERED), InstitutionAction.SUBMIT_FILING, reviewer)
    assert events_of(institution) == []


# --- the filing services move the institution through its table -------------------------------------

def test_initial_filing_moves_the_institution_with_events(make_account, reviewer):
    institution = institution_in(InstitutionStatus.REGISTERED, service_types=["full_day"], total_slots=10)
    operator = make_account("op_life", "operator", institution.uscc)
    with scopes_disabled():
        filing = make_ready_filing(institution)
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.FILING
    with as_(reviewer):
        filing = svc.filing_accept(actor=reviewer, filing_id=filing.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.FILED
    assert events_of(institution) == [
        ("submit_filing", RG, FG, operator.pk, ""),
        ("accept_filing", FG, FD, reviewer.pk, f"备案回执编号 {filing.receipt_no}"),
    ]


def test_withdrawing_a_submitted_initial_filing_moves_the_institution_back(make_account, reviewer):
    institution = institution_in(InstitutionStatus.FILING)
    operator = make_account("op_wd", "operator", institution.uscc)
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.RETURNED)
    with as_(operator):
        svc.filing_withdraw(actor=operator, filing_id=filing.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.REGISTERED
    assert events_of(institution) == [("withdraw_filing", FG, RG, operator.pk, "")]


def test_initial_submission_refused_by_the_institution_table_changes_nothing(make_account):
    institution = institution_in(InstitutionStatus.TERMINATED)
    operator = make_account("op_term", "operator", institution.uscc)
    with scopes_disabled():
        filing = make_ready_filing(institution)
    with as_(operator), pytest.raises(InvalidTransition) as exc:
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert "机构当前状态为“已终止”" in exc.value.message
    assert reload(type(filing), filing.pk).status == FilingStatus.DRAFT
    assert reload(Institution, institution.pk).status == InstitutionStatus.TERMINATED


def test_termination_accepted_for_today_terminates_at_once(make_account, reviewer):
    institution = institution_in(InstitutionStatus.SUSPENDED)
    with scopes_disabled():
        filing = make_ready_filing(institution, kind="termination", status=FilingStatus.SUBMITTED,
                                   termination_date=timezone.localdate(), placement_plan="转入邻近机构")
    with as_(reviewer):
        svc.filing_accept(actor=reviewer, filing_id=filing.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.TERMINATED
    assert events_of(institution) == [("terminate", SU, TE, reviewer.pk, "终止备案已办结，机构已终止")]


# --- the termination sweep: set-based through apply_bulk --------------------------------------------

def terminating(status, date):
    institution = institution_in(status)
    make_filing(institution, kind="termination", status=FilingStatus.ACCEPTED, termination_date=date,
                decided_at=timezone.now(), placement_plan="转入邻近机构")
    return institution


def test_termination_sweep_writes_one_event_per_institution_it_ends(regions, django_capture_on_commit_callbacks):
    today = timezone.localdate()
    filed, suspended = terminating(FD, today), terminating(SU, today - dt.timedelta(days=1))
    later, already = terminating(FD, today + dt.timedelta(days=3)), terminating(TE, today)
    with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
        assert termination_sweep(today=today)["terminated"] == 2
    assert events_of(filed) == [("terminate", FD, TE, None, "终止日期已到，机构已终止")]
    assert events_of(suspended) == [("terminate", SU, TE, None, "终止日期已到，机构已终止")]
    assert events_of(later) == [] and events_of(already) == []
    assert reload(Institution, later.pk).status == FD


def test_termination_sweep_statements_do_not_grow_with_rows(regions, django_assert_max_num_queries,
                                                            django_capture_on_commit_callbacks):
    today = timezone.localdate()

    def run():
        with scopes_disabled(), django_capture_on_commit_callbacks(execute=True):
            return termination_sweep(today=today)

    terminating(FD, today)
    with django_assert_max_num_queries(8):
        assert run()["terminated"] == 1
    for _ in range(15):
        terminating(FD, today)
    with django_assert_max_num_queries(8):
        assert run()["terminated"] == 15
    with scopes_disabled():
        assert InstitutionEvent.objects.filter(action="terminate", actor=None).count() == 16


def test_apply_bulk_takes_only_system_transitions(regions):
    with scopes_disabled(), pytest.raises(ValueError, match="not a system transition"):
        INSTITUTION.apply_bulk(Institution.objects.all(), InstitutionAction.SUSPEND)


# --- the claim table -------------------------------------------------------------------------------

P, CF, RJ = "pending", "confirmed", "rejected"
CLAIM_EXPECTED = {
    (P, "confirm"): CF, (P, "reject"): RJ,
    (CF, "confirm"): None, (CF, "reject"): None,
    (RJ, "confirm"): None, (RJ, "reject"): None,
}


def test_claim_matrix_covers_every_state_and_action():
    from registry.workflow import ClaimAction

    assert set(CLAIM_EXPECTED) == {(s, a) for s in ClaimStatus.values for a in ClaimAction.values}


@pytest.mark.parametrize("status", ClaimStatus.values)
@pytest.mark.parametrize("action", ["confirm", "reject"])
def test_claim_table_every_state_and_action(status, action, reviewer, django_capture_on_commit_callbacks):
    with scopes_disabled():
        institution = InstitutionFactory()
        # With its evidence on file: the confirm is judged on the table, not refused for a missing scan.
        claim = InstitutionClaim(institution=institution, user=UserFactory(), status=status,
                                 evidence_kind="authorisation_letter", evidence_file="claims/evidence.pdf")
        claim.set_region(institution.region)
        claim.save()
    call = {"confirm": lambda: claim_confirm(actor=reviewer, claim_id=claim.pk),
            "reject": lambda: claim_reject(actor=reviewer, claim_id=claim.pk, note="并非该机构负责人")}[action]
    expected = CLAIM_EXPECTED[(status, action)]
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        if expected is None:
            with pytest.raises(InvalidTransition) as exc:
                call()
            assert f"认领申请当前状态为“{ClaimStatus(status).label}”" in exc.value.message
        else:
            call()
    after = reload(InstitutionClaim, claim.pk)
    assert after.status == (expected or status)
    assert (after.decided_by_id is not None) == bool(expected)
    with scopes_disabled():
        events = list(ClaimEvent.objects.filter(claim_id=claim.pk).values_list("action", "from_status", "to_status",
                                                                               "actor_id", "reason"))
    reason = "并非该机构负责人" if action == "reject" else ""
    assert events == ([(action, status, expected, reviewer.pk, reason)] if expected else [])
