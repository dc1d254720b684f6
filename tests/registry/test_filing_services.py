"""Filing workflow at the service level: lifecycle, illegal moves, returns, change and termination."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from core.tenancy import tenant_scope
from core.workdays import add_working_days
from notifications.models import Notification
from registry.inputs import parse_filing_form
from registry.models import Filing, FilingStatus, Institution, InstitutionStatus, Staff
from registry.selectors.filings import filing_diff, filing_history, filing_list, review_queue
from registry.services import filings as svc
from tests.factories import (
    FilingClassFactory,
    InstitutionFactory,
    add_documents,
    make_ready_filing,
    make_roster,
)

pytestmark = pytest.mark.django_db


def as_(user):
    """Open the user's own scope (as the middleware does for a request)."""
    return tenant_scope(scope_of(user.active_assignments[0]))


def reload(model, pk):
    with scopes_disabled():
        return model.objects.get(pk=pk)


def event_actions(filing):
    with scopes_disabled():
        return [e.action for e in filing_history(filing=filing)]


def test_whole_initial_lifecycle(institution, operator, reviewer, django_capture_on_commit_callbacks):
    with as_(operator):
        filing = svc.filing_create(actor=operator, institution_id=institution.pk)
    assert filing.status == FilingStatus.DRAFT
    assert filing.name == institution.name and filing.service_types == ["full_day"]

    with scopes_disabled():  # roster and scans come from the staff and document services
        make_roster(institution)
        add_documents(filing)

    with as_(operator):
        svc.filing_set_classes(actor=operator, filing_id=filing.pk,
                               classes=[{"class_type": "infant", "planned_children": 10, "carers": 4, "name": "小一班",
                                         "min_age_months": 6, "max_age_months": 12}])
        lease_start = timezone.localdate() - dt.timedelta(days=30)
        svc.filing_update_form(actor=operator, filing_id=filing.pk, data=parse_filing_form({
            "premises_type": "leased", "lease_start": lease_start.isoformat(),
            "lease_end": lease_start.replace(year=lease_start.year + 4).isoformat(),
            "hygiene_evaluation_passed": True, "fees": {"full_day": 250000}, "contact_phone": "+86 138-0013-8000"}))
        checks = svc.filing_run_checks(filing=reload(Filing, filing.pk))
        assert [c["code"] for c in checks if not c["passed"]] == ["commitment"]
        svc.filing_sign_commitment(actor=operator, filing_id=filing.pk, signer="王园长", ip="10.0.0.8")
        with django_capture_on_commit_callbacks(execute=True):
            filing = svc.filing_submit(actor=operator, filing_id=filing.pk)

    filing = reload(Filing, filing.pk)
    assert filing.status == FilingStatus.SUBMITTED
    assert filing.contact_phone == "13800138000"
    assert filing.due_at == add_working_days(filing.submitted_at, 5)
    assert filing.notice_due_at == add_working_days(filing.submitted_at, 15)
    assert all(c["passed"] for c in filing.check_results)
    assert len(filing.staff_snapshot) == 7
    assert all("********" in s["id_number_masked"] and len(s["id_number_hash"]) == 64 for s in filing.staff_snapshot)
    assert reload(Institution, institution.pk).status == InstitutionStatus.FILING
    assert Notification.objects.filter(user=reviewer, kind="filing_submitted").count() == 1

    with as_(reviewer):
        assert [f.pk for f in review_queue(filters={})] == [filing.pk]
        with django_capture_on_commit_callbacks(execute=True):
            svc.filing_accept(actor=reviewer, filing_id=filing.pk, expected_version=filing.version)

    filing = reload(Filing, filing.pk)
    year = timezone.localdate().year
    assert filing.status == FilingStatus.ACCEPTED
    assert filing.receipt_no == f"330106-{year}-00001"
    assert filing.decided_by == reviewer and filing.receipt_pdf.name and filing.notice_pdf.name
    inst = reload(Institution, institution.pk)
    assert (inst.status, inst.current_filing_id, inst.receipt_no) == (InstitutionStatus.FILED, filing.pk,
                                                                      filing.receipt_no)
    assert inst.filed_on == timezone.localdate() and inst.contact_phone == "13800138000"
    assert Notification.objects.filter(user=operator, kind="filing_accepted",
                                       title__contains=filing.receipt_no).count() == 1
    assert event_actions(filing) == ["create", "submit", "accept"]
    with scopes_disabled():
        accept = filing_history(filing=filing)[-1]
    assert (accept.from_status, accept.to_status, accept.actor) == ("submitted", "accepted", reviewer)


def test_submit_refused_with_every_failed_item_and_state_unchanged(institution, operator):
    with scopes_disabled():
        filing = make_ready_filing(institution)
        FilingClassFactory(filing=filing, class_type="toddler", planned_children=16, carers=3)
    with as_(operator), pytest.raises(DomainError) as exc:
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert exc.value.code == "checks_failed"
    joined = "\n".join(exc.value.fields["checks"])
    assert "托小班计划收托 16 人，超过上限 15 人" in joined
    assert "托位数与班级计划一致" in joined and "在职保育人员" in joined
    assert {c["code"] for c in exc.value.checks} == {"class_size", "class_ratio", "total_slots",
                                                    "caregivers_on_roster"}
    assert reload(Filing, filing.pk).status == FilingStatus.DRAFT
    assert reload(Institution, institution.pk).status == InstitutionStatus.REGISTERED


SERVICE_ACTIONS = ["submit", "accept", "return", "withdraw", "reject"]
# Written out by hand from the filing procedure (备案办法), NOT derived from registry.workflow:
# (state, action) → the state it moves to, or None where the move is refused. The reviewer's three
# outcomes of a submission: receipt (accept), one-time notice of missing items (return), written
# notice that the conditions are not met (reject, 不予备案) — rejected is final.
D, S, R, RS, A, W, J = "draft", "submitted", "returned", "resubmitted", "accepted", "withdrawn", "rejected"
EXPECTED = {
    (D, "submit"): S, (D, "accept"): None, (D, "return"): None, (D, "withdraw"): W, (D, "reject"): None,
    (S, "submit"): None, (S, "accept"): A, (S, "return"): R, (S, "withdraw"): None, (S, "reject"): J,
    (R, "submit"): RS, (R, "accept"): None, (R, "return"): None, (R, "withdraw"): W, (R, "reject"): None,
    (RS, "submit"): None, (RS, "accept"): A, (RS, "return"): R, (RS, "withdraw"): None, (RS, "reject"): J,
    (A, "submit"): None, (A, "accept"): None, (A, "return"): None, (A, "withdraw"): None, (A, "reject"): None,
    (W, "submit"): None, (W, "accept"): None, (W, "return"): None, (W, "withdraw"): None, (W, "reject"): None,
    (J, "submit"): None, (J, "accept"): None, (J, "return"): None, (J, "withdraw"): None, (J, "reject"): None,
}
BASIS = "《托育机构设置标准（试行）》第三章“场地设施”"


def test_expected_matrix_covers_every_state_and_action():
    assert set(EXPECTED) == {(s, a) for s in FilingStatus.values for a in SERVICE_ACTIONS}


@pytest.mark.parametrize("status", FilingStatus.values)
@pytest.mark.parametrize("action", SERVICE_ACTIONS)
def test_transition_table_every_state_and_action(status, action, institution, operator, reviewer):
    with scopes_disabled():
        filing = make_ready_filing(institution, status=status)
    actor = operator if action in ("submit", "withdraw") else reviewer
    call = {
        "submit": lambda: svc.filing_submit(actor=actor, filing_id=filing.pk),
        "accept": lambda: svc.filing_accept(actor=actor, filing_id=filing.pk),
        "return": lambda: svc.filing_return(actor=actor, filing_id=filing.pk, reasons=["消防证明模糊"]),
        "withdraw": lambda: svc.filing_withdraw(actor=actor, filing_id=filing.pk),
        "reject": lambda: svc.filing_reject(actor=actor, filing_id=filing.pk, reasons=["婴幼儿用房设在四层"],
                                            basis=BASIS),
    }[action]
    expected = EXPECTED[(status, action)]
    with as_(actor):
        if expected is None:
            with pytest.raises(InvalidTransition) as exc:
                call()
            assert "不能执行" in exc.value.message
        else:
            call()
    after = reload(Filing, filing.pk)
    assert after.status == (expected or status)
    assert after.version == (filing.version + 1 if expected else filing.version)
    assert event_actions(after) == ([_action_name(status, action)] if expected else [])


def _action_name(status, action):
    return "resubmit" if action == "submit" and status == FilingStatus.RETURNED else action


def test_roles_and_scope(institution, operator, reviewer, other_reviewer):
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.SUBMITTED)
    with as_(operator), pytest.raises(PermissionDenied):
        svc.filing_accept(actor=operator, filing_id=filing.pk)
    with as_(other_reviewer), pytest.raises(NotFound):
        svc.filing_accept(actor=other_reviewer, filing_id=filing.pk)
    with as_(reviewer), pytest.raises(PermissionDenied):
        svc.filing_withdraw(actor=reviewer, filing_id=filing.pk)
    assert reload(Filing, filing.pk).status == FilingStatus.SUBMITTED


def test_stale_version_is_a_conflict(institution, reviewer):
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.SUBMITTED)
    with as_(reviewer), pytest.raises(Conflict):
        svc.filing_accept(actor=reviewer, filing_id=filing.pk, expected_version=filing.version - 1 or 99)
    assert reload(Filing, filing.pk).status == FilingStatus.SUBMITTED


def test_return_lists_reviewer_reasons_and_failed_checks_in_one_notice(
        institution, operator, reviewer, django_capture_on_commit_callbacks):
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.SUBMITTED)
        stale = Staff.objects.filter(institution=institution, role="caregiver").first()
        stale.health_certificate_date = timezone.localdate() - dt.timedelta(days=400)
        stale.save()
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        svc.filing_return(actor=reviewer, filing_id=filing.pk, reasons=["营业执照扫描件不清晰"])
    filing = reload(Filing, filing.pk)
    assert filing.status == FilingStatus.RETURNED
    assert filing.return_reasons[0] == "营业执照扫描件不清晰"
    assert len(filing.return_reasons) == 2 and stale.name in filing.return_reasons[1]
    with scopes_disabled():
        event = filing_history(filing=filing)[-1]
    assert event.items == filing.return_reasons and event.actor == reviewer
    note = Notification.objects.get(user=operator, kind="filing_returned")
    assert "需补正 2 项" in note.title and "营业执照扫描件不清晰" in note.body and stale.name in note.body

    with as_(operator), pytest.raises(DomainError) as exc:
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert exc.value.code == "checks_failed"
    with scopes_disabled():
        stale.health_certificate_date = timezone.localdate()
        stale.save()
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert reload(Filing, filing.pk).status == FilingStatus.RESUBMITTED


def test_return_needs_at_least_one_item(institution, reviewer):
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.SUBMITTED)
    with as_(reviewer), pytest.raises(DomainError) as exc:
        svc.filing_return(actor=reviewer, filing_id=filing.pk, reasons=[])
    assert exc.value.code == "reasons_required"


def test_one_open_filing_and_withdraw_reopens(institution, operator):
    with as_(operator):
        first = svc.filing_create(actor=operator, institution_id=institution.pk)
        with pytest.raises(DomainError) as exc:
            svc.filing_create(actor=operator, institution_id=institution.pk)
        assert exc.value.code == "open_filing_exists"
        with pytest.raises(DomainError):
            svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
        svc.filing_withdraw(actor=operator, filing_id=first.pk)
        second = svc.filing_create(actor=operator, institution_id=institution.pk)
    assert reload(Filing, first.pk).status == FilingStatus.WITHDRAWN
    assert second.status == FilingStatus.DRAFT


def test_withdraw_after_return_puts_institution_back_to_registered(institution, operator, reviewer):
    with scopes_disabled():
        filing = make_ready_filing(institution)
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.FILING
    with as_(reviewer):
        svc.filing_return(actor=reviewer, filing_id=filing.pk, reasons=["补充消防材料"])
    with as_(operator):
        svc.filing_withdraw(actor=operator, filing_id=filing.pk)
        assert reload(Institution, institution.pk).status == InstitutionStatus.REGISTERED
        again = svc.filing_create(actor=operator, institution_id=institution.pk)
    assert again.status == FilingStatus.DRAFT
    assert event_actions(filing) == ["submit", "return", "withdraw"]


def test_form_validation_reports_fields(institution, operator):
    with as_(operator):
        filing = svc.filing_create(actor=operator, institution_id=institution.pk)
        with pytest.raises(DomainError) as exc:
            svc.filing_update_form(actor=operator, filing_id=filing.pk, data={
                "latitude": "91", "service_types": ["boarding"], "fees": {"full_day": -1}, "name": "",
                "lease_start": "2026-13-01", "contact_phone": "12345", "termination_date": "2026-01-01",
                "colour": "red"})
        assert set(exc.value.fields) == {"latitude", "service_types", "fees", "name", "lease_start",
                                         "contact_phone", "termination_date", "colour"}
        # Each field carries its own stable code (the API answers {"code", "message"} per field).
        codes = {name: [e["code"] for e in errors] for name, errors in exc.value.fields_as_dicts().items()}
        assert codes == {"latitude": ["value_invalid"], "service_types": ["choice_invalid"],
                         "fees": ["value_invalid"], "name": ["required"], "lease_start": ["value_invalid"],
                         "contact_phone": ["phone_invalid"], "termination_date": ["not_changeable"],
                         "colour": ["unknown_field"]}
        with pytest.raises(DomainError) as exc:
            svc.filing_set_classes(actor=operator, filing_id=filing.pk,
                                   classes=[{"class_type": "nursery", "planned_children": 0}])
        assert set(exc.value.fields) == {"classes[0].class_type", "classes[0].planned_children"}
    assert reload(Filing, filing.pk).version == filing.version


def _filed(institution):
    """An institution whose initial filing was accepted (receipt issued)."""
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2025-00007",
                                   decided_at=timezone.now())
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED, current_filing=filing,
                                                             receipt_no=filing.receipt_no,
                                                             filed_on=dt.date(2025, 9, 1), total_slots=10)
    return filing


def _sign_and_submit_with_documents_of(original, change, operator):
    """Upload anew the materials the change asks for again (the others were carried over from
    ``original`` when the change filing was created), sign it and submit it."""
    from registry.selectors.filings import filing_document_needs
    from tests.factories import FilingDocumentFactory

    with scopes_disabled():
        assert change.documents.count() == original.documents.count()  # carried over
        for need in filing_document_needs(filing=reload(Filing, change.pk)):
            if not need.satisfied:
                FilingDocumentFactory(filing=reload(Filing, change.pk), doc_type=need.doc_type)
    svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
    svc.filing_submit(actor=operator, filing_id=change.pk)


def test_change_filing_diff_and_accept(institution, operator, reviewer):
    original = _filed(institution)
    with as_(operator):
        change = svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
        assert change.classes.count() == 1 and change.premises_type == original.premises_type
        with pytest.raises(DomainError) as exc:
            svc.filing_update_form(actor=operator, filing_id=change.pk, data={"fees": {"full_day": 1}})
        assert "fees" in exc.value.fields
        svc.filing_update_form(actor=operator, filing_id=change.pk,
                               data={"name": "西湖区阳光托育园", "total_slots": 15, "service_types": ["full_day",
                                                                                              "hourly"]})
        svc.filing_set_classes(actor=operator, filing_id=change.pk,
                               classes=[{"class_type": "toddler", "planned_children": 15, "carers": 3,
                                         "min_age_months": 12, "max_age_months": 24}])
        live = {d["field"]: d for d in filing_diff(filing=reload(Filing, change.pk))}
        assert set(live) == {"name", "total_slots", "service_types", "classes"}
        assert live["service_types"]["new"] == "全日托、计时托" and live["name"]["label"] == "机构名称"
        _sign_and_submit_with_documents_of(original, change, operator)
    change = reload(Filing, change.pk)
    assert change.changes["name"] == [institution.name, "西湖区阳光托育园"]
    assert change.changes["total_slots"] == [10, 15]
    assert reload(Institution, institution.pk).status == InstitutionStatus.FILED  # stays filed during a change
    with as_(reviewer):
        svc.filing_accept(actor=reviewer, filing_id=change.pk)
    inst = reload(Institution, institution.pk)
    change = reload(Filing, change.pk)
    assert (inst.name, inst.total_slots, inst.current_filing_id) == ("西湖区阳光托育园", 15, change.pk)
    assert inst.filed_on == dt.date(2025, 9, 1)
    assert change.receipt_no.endswith("-00001") and inst.receipt_no == change.receipt_no


def test_change_accepted_while_suspended_keeps_the_suspension(institution, operator, reviewer):
    from registry.services.institutions import institution_suspend

    original = _filed(institution)
    with as_(operator):
        change = svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
        svc.filing_update_form(actor=operator, filing_id=change.pk, data={"name": "西湖区阳光托育园"})
        _sign_and_submit_with_documents_of(original, change, operator)
    with as_(reviewer):
        institution_suspend(actor=reviewer, institution_id=institution.pk, reason="消防整改期间暂停服务。")
        svc.filing_accept(actor=reviewer, filing_id=change.pk)
    inst = reload(Institution, institution.pk)
    assert inst.name == "西湖区阳光托育园"  # the change is filed ...
    assert inst.status == InstitutionStatus.SUSPENDED  # ... but only a resume lifts the suspension


def test_change_filing_without_changes_is_refused(institution, operator):
    _filed(institution)
    with as_(operator):
        change = svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
        svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
        with pytest.raises(DomainError) as exc:
            svc.filing_submit(actor=operator, filing_id=change.pk)
    assert any("没有任何变更" in line for line in exc.value.fields["checks"])
    # The filed materials carried over: nothing else is missing.
    assert [c["code"] for c in exc.value.checks] == ["changes"]


def _submitted_termination(institution, operator, termination_date: dt.date):
    with as_(operator):
        term = svc.filing_create(actor=operator, institution_id=institution.pk, kind="termination")
        svc.filing_update_form(actor=operator, filing_id=term.pk, data={
            "termination_date": termination_date, "placement_plan": "在托 8 名幼儿转入北山街道托育中心",
            "staff_settlement_plan": "保育人员由北山街道托育中心录用"})
        svc.filing_sign_commitment(actor=operator, filing_id=term.pk, signer="王园长", ip=None)
        svc.filing_submit(actor=operator, filing_id=term.pk)
    return term


def test_termination_with_a_future_date_keeps_the_institution_in_service_until_then(
        institution, operator, reviewer, django_capture_on_commit_callbacks):
    from registry.selectors.filings import pending_termination
    from registry.services.sweeps import termination_sweep

    _filed(institution)
    date = timezone.localdate() + dt.timedelta(days=30)
    term = _submitted_termination(institution, operator, date)
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        svc.filing_accept(actor=reviewer, filing_id=term.pk)
    term = reload(Filing, term.pk)
    assert term.status == FilingStatus.ACCEPTED and term.receipt_no == ""
    assert reload(Institution, institution.pk).status == InstitutionStatus.FILED  # still in service
    with scopes_disabled():
        assert pending_termination(filing=Filing.objects.select_related("institution").get(pk=term.pk)) == date
    assert Notification.objects.get(user=operator, kind="filing_accepted").title == (
        f"{institution.name}的终止备案已通过，将于 {date:%Y年%m月%d日} 终止")
    # No new filing while the termination is pending.
    with as_(operator), pytest.raises(DomainError) as exc:
        svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
    assert exc.value.code == "termination_pending"

    with scopes_disabled():
        assert termination_sweep(today=date - dt.timedelta(days=1))["terminated"] == 0
        assert reload(Institution, institution.pk).status == InstitutionStatus.FILED
        assert termination_sweep(today=date)["terminated"] == 1
    assert reload(Institution, institution.pk).status == InstitutionStatus.TERMINATED
    with scopes_disabled():
        assert pending_termination(filing=Filing.objects.select_related("institution").get(pk=term.pk)) is None
    assert event_actions(term)[-1] == "termination_effective"


def test_termination_dated_today_terminates_at_once(institution, operator, reviewer,
                                                    django_capture_on_commit_callbacks):
    _filed(institution)
    term = _submitted_termination(institution, operator, timezone.localdate())
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        svc.filing_accept(actor=reviewer, filing_id=term.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.TERMINATED
    assert Notification.objects.get(user=operator, kind="filing_accepted").title == (
        f"{institution.name}的终止备案已办结，机构已终止")


def test_termination_requires_plan_and_terminates_institution(institution, operator, reviewer,
                                                              django_capture_on_commit_callbacks):
    _filed(institution)
    with as_(operator):
        term = svc.filing_create(actor=operator, institution_id=institution.pk, kind="termination")
        assert term.classes.count() == 0
        svc.filing_sign_commitment(actor=operator, filing_id=term.pk, signer="王园长", ip=None)
        with pytest.raises(DomainError) as exc:
            svc.filing_submit(actor=operator, filing_id=term.pk)
        assert {c["code"] for c in exc.value.checks} == {"termination_date", "placement_plan", "staff_settlement"}
        assert "工作人员安置方案：未填写工作人员安置方案" in exc.value.fields["checks"]
        with pytest.raises(DomainError):
            svc.filing_update_form(actor=operator, filing_id=term.pk, data={"name": "改名"})
        past = timezone.localdate() - dt.timedelta(days=2)
        svc.filing_update_form(actor=operator, filing_id=term.pk,
                               data={"termination_date": past, "placement_plan": "在托 8 名幼儿转入北山街道托育中心"})
        svc.filing_sign_commitment(actor=operator, filing_id=term.pk, signer="王园长", ip=None)
        with pytest.raises(DomainError) as exc:  # the children are placed, the staff not yet settled
            svc.filing_submit(actor=operator, filing_id=term.pk)
        assert [c["code"] for c in exc.value.checks] == ["staff_settlement"]
        svc.filing_update_form(actor=operator, filing_id=term.pk,
                               data={"staff_settlement_plan": "保育人员 4 名由北山街道托育中心录用，其余协商解除劳动合同"})
        svc.filing_sign_commitment(actor=operator, filing_id=term.pk, signer="王园长", ip=None)  # signed anew
        svc.filing_submit(actor=operator, filing_id=term.pk)
    with as_(reviewer), django_capture_on_commit_callbacks(execute=True):
        svc.filing_accept(actor=reviewer, filing_id=term.pk)
    assert reload(Institution, institution.pk).status == InstitutionStatus.TERMINATED
    term = reload(Filing, term.pk)
    assert term.status == FilingStatus.ACCEPTED and term.receipt_no == ""
    assert Notification.objects.filter(user=operator, title__contains="终止备案已办结").exists()


def test_review_queue_orders_by_deadline_and_filters(institution, reviewer, regions, django_assert_max_num_queries):
    now = timezone.now()
    with scopes_disabled():
        late = make_ready_filing(institution, status=FilingStatus.SUBMITTED, due_at=now - dt.timedelta(days=1))
        other = InstitutionFactory(region_id="330106002", kind="home_daycare")
        soon = make_ready_filing(other, status=FilingStatus.RESUBMITTED, due_at=now + dt.timedelta(days=2),
                                 institution_kind="home_daycare")
        make_ready_filing(InstitutionFactory(), status=FilingStatus.DRAFT)
        make_ready_filing(InstitutionFactory(region_id="330105001"), status=FilingStatus.SUBMITTED, due_at=now)
    with as_(reviewer):
        with django_assert_max_num_queries(1):
            rows = [(f.pk, f.institution.name, f.region.name) for f in review_queue(filters={})]
        assert [r[0] for r in rows] == [late.pk, soon.pk]
        assert [f.pk for f in review_queue(filters={"overdue": "1"})] == [late.pk]
        assert [f.pk for f in review_queue(filters={"township": "330106002"})] == [soon.pk]
        assert [f.pk for f in review_queue(filters={"kind": "home_daycare"})] == [soon.pk]
        assert [f.pk for f in review_queue(filters={"status": "submitted"})] == [late.pk]
        with django_assert_max_num_queries(1):
            assert len([f.institution.name for f in filing_list(actor=reviewer)]) == 3


def test_review_queue_filters_by_filing_kind_and_overdue_means_past_either_deadline(institution, reviewer):
    now = timezone.now()
    with scopes_disabled():
        initial = make_ready_filing(institution, status=FilingStatus.SUBMITTED, due_at=now + dt.timedelta(days=1),
                                    notice_due_at=now + dt.timedelta(days=9))
        change = make_ready_filing(InstitutionFactory(), kind="change", status=FilingStatus.SUBMITTED,
                                   due_at=now - dt.timedelta(days=1), notice_due_at=now + dt.timedelta(days=9))
        # A region policy may set the notice deadline before the receipt deadline: past either is overdue.
        term = make_ready_filing(InstitutionFactory(), kind="termination", status=FilingStatus.RESUBMITTED,
                                 due_at=now + dt.timedelta(days=1), notice_due_at=now - dt.timedelta(hours=1))
    with as_(reviewer):
        assert [f.pk for f in review_queue(filters={"filing_kind": "initial"})] == [initial.pk]
        assert [f.pk for f in review_queue(filters={"filing_kind": "change"})] == [change.pk]
        assert [f.pk for f in review_queue(filters={"filing_kind": "termination"})] == [term.pk]
        assert [f.pk for f in review_queue(filters={"filing_kind": "bogus"})] == [change.pk, initial.pk, term.pk]
        assert [f.pk for f in review_queue(filters={"overdue": "1"})] == [change.pk, term.pk]


# --- notifications of every transition ---------------------------------------------------------------

BASE = "https://tuoyu.example.gov.cn"


def _with_email(*users):
    for u in users:
        u.email = f"{u.username}@example.gov.cn"
        u.save(update_fields=["email"])


def test_withdrawing_a_draft_tells_the_institutions_operators_only(
        institution, operator, reviewer, make_account, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.PUBLIC_BASE_URL = BASE
    colleague = make_account("op_xihu_2", "operator", institution.uscc)
    _with_email(operator, colleague, reviewer)
    with as_(operator):
        draft = svc.filing_create(actor=operator, institution_id=institution.pk)
        with django_capture_on_commit_callbacks(execute=True):
            svc.filing_withdraw(actor=operator, filing_id=draft.pk)
    assert {n.user_id for n in Notification.objects.filter(kind="filing_withdrawn")} == {operator.pk, colleague.pk}
    assert not Notification.objects.filter(user=reviewer).exists()
    # One message per recipient (they do not see each other's address), with an absolute link.
    assert sorted(m.to for m in mailoutbox) == sorted([[operator.email], [colleague.email]])
    assert all(not m.cc and not m.bcc for m in mailoutbox)
    assert all(f"{BASE}/registry/filings/{draft.pk}/" in m.body for m in mailoutbox)
    assert mailoutbox[0].subject == f"{institution.name}的备案已撤回"


def test_withdrawing_after_a_return_also_tells_the_reviewers(
        institution, operator, reviewer, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.PUBLIC_BASE_URL = BASE
    _with_email(operator, reviewer)
    with scopes_disabled():
        filing = make_ready_filing(institution)
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    with as_(reviewer):
        svc.filing_return(actor=reviewer, filing_id=filing.pk, reasons=["消防证明模糊"])
    with as_(operator), django_capture_on_commit_callbacks(execute=True):
        svc.filing_withdraw(actor=operator, filing_id=filing.pk)
    [to_reviewer] = Notification.objects.filter(user=reviewer, kind="filing_withdrawn")
    assert to_reviewer.link == f"/registry/review/{filing.pk}/"
    assert Notification.objects.filter(user=operator, kind="filing_withdrawn").count() == 1
    [mail_to_reviewer] = [m for m in mailoutbox if m.to == [reviewer.email]]
    assert f"{BASE}/registry/review/{filing.pk}/" in mail_to_reviewer.body


def test_resubmission_tells_the_reviewers_with_the_new_deadline(
        institution, operator, reviewer, settings, mailoutbox, django_capture_on_commit_callbacks):
    settings.PUBLIC_BASE_URL = BASE
    _with_email(reviewer)
    with scopes_disabled():
        filing = make_ready_filing(institution, status=FilingStatus.RETURNED, return_reasons=["消防证明模糊"])
    with as_(operator), django_capture_on_commit_callbacks(execute=True):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    filing = reload(Filing, filing.pk)
    [note] = Notification.objects.filter(user=reviewer, kind="filing_resubmitted")
    assert note.title == f"{filing.name}补正后重新提交备案"
    assert f"{timezone.localtime(filing.due_at):%Y年%m月%d日}" in note.body
    assert not Notification.objects.filter(kind="filing_submitted").exists()
    [message] = mailoutbox
    assert message.to == [reviewer.email] and f"{BASE}/registry/review/{filing.pk}/" in message.body


# --- thresholds and region policy through the service ------------------------------------------------

@pytest.mark.parametrize(("children", "health_role", "passes"), [
    (150, "health_part_time", False),  # at 150 a full-time health worker is required
    (150, "health_full_time", True),
    (149, "health_part_time", True),   # below, part-time is enough
])
def test_health_staff_full_time_from_exactly_150_children(institution, operator, children, health_role, passes):
    from registry.models import StaffRole
    from tests.factories import StaffFactory, add_qualification

    with scopes_disabled():
        filing = make_ready_filing(institution)
        filing.classes.all().delete()
        # 7 older-toddler classes of 20 (1:7 → 3 carers each) plus one class making up the rest.
        for _ in range(7):
            FilingClassFactory(filing=filing, class_type="older_toddler", planned_children=20, carers=3)
        FilingClassFactory(filing=filing, class_type="older_toddler", planned_children=children - 140, carers=2)
        Filing.objects.filter(pk=filing.pk).update(total_slots=children)
        for _ in range(23 - 4):
            add_qualification(StaffFactory(institution=institution, role=StaffRole.CAREGIVER), "childcare")
        Staff.objects.filter(institution=institution, role="health_part_time").update(role=health_role)
        checks = {c["code"]: c for c in svc.filing_run_checks(filing=reload(Filing, filing.pk))}
    assert [code for code, c in checks.items() if not c["passed"]] == ([] if passes else ["health_staff"])
    with as_(operator):
        if passes:
            svc.filing_submit(actor=operator, filing_id=filing.pk)
        else:
            with pytest.raises(DomainError) as exc:
                svc.filing_submit(actor=operator, filing_id=filing.pk)
            assert any("专职保健人员" in line for line in exc.value.fields["checks"])
    assert reload(Filing, filing.pk).status == (FilingStatus.SUBMITTED if passes else FilingStatus.DRAFT)


def test_region_policy_sets_the_deadlines(institution, operator):
    from regions.models import PolicyParameter

    with scopes_disabled():
        PolicyParameter.objects.create(region_id="330100", key="filing.review_working_days", value=3)
        PolicyParameter.objects.create(region_id="330106", key="filing.noncompliance_notice_working_days", value=10)
        filing = make_ready_filing(institution)
    with as_(operator):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    filing = reload(Filing, filing.pk)
    assert filing.due_at == add_working_days(filing.submitted_at, 3)
    assert filing.notice_due_at == add_working_days(filing.submitted_at, 10)
    assert filing.due_at != add_working_days(filing.submitted_at, 5)


def test_open_filings_index_matches_the_queue_states():
    """The partial index serves the queues only while its predicate is the queues' own status set."""
    from registry.workflow import REVIEW_QUEUE_STATES

    index = next(i for i in Filing._meta.indexes if i.name == "filing_open_due_idx")
    (lookup, values), = index.condition.children
    assert lookup == "status__in"
    assert set(values) == set(REVIEW_QUEUE_STATES)


def test_filing_state_sets_are_defined_once():
    """Review-queue, editable and open states live in registry.workflow only; nothing restates them."""
    import pathlib
    import re

    from registry import workflow

    assert workflow.OPEN_STATES == workflow.EDITABLE_STATES | workflow.REVIEW_QUEUE_STATES
    assert {FilingStatus.SUBMITTED, FilingStatus.RESUBMITTED} == workflow.REVIEW_QUEUE_STATES
    assert {FilingStatus.DRAFT, FilingStatus.RETURNED} == workflow.EDITABLE_STATES
    names = "|".join(["draft", "submitted", "returned", "resubmitted", "DRAFT", "SUBMITTED", "RETURNED",
                      "RESUBMITTED"])
    # Two or more states listed together: a set of states restated outside the workflow module.
    pair = re.compile(rf"""(?:["']|S\.|FilingStatus\.)(?:{names})["']?\s*,\s*(?:["']|S\.|FilingStatus\.)(?:{names})\b""")
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [str(path.relative_to(root)) for folder in ("registry", "core", "templates")
                 for path in (root / folder).rglob("*") if path.suffix in (".py", ".html")
                 and not {"migrations", "management"} & set(path.parts) and path.name != "workflow.py"
                 and not (path.name == "models.py" and path.parent.name == "registry")
                 and pair.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


def test_an_edit_after_signing_voids_the_commitment(institution, operator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from registry.services.documents import document_delete, document_upload
    from tests.e2e.data import pdf_bytes

    def signed():
        filing = reload(Filing, pk)
        return bool(filing.commitment_signer and filing.commitment_accepted_at)

    with scopes_disabled():
        pk = make_ready_filing(institution).pk
    with as_(operator):
        assert signed()  # the ready filing is signed and passes every check
        svc.filing_update_form(actor=operator, filing_id=pk, data={"opening_hours": "周一至周六 7:30-18:00"})
        assert not signed()
        with pytest.raises(DomainError) as exc:
            svc.filing_submit(actor=operator, filing_id=pk)
        assert exc.value.code == "checks_failed" and "须重新签署" in str(exc.value.fields["checks"])

        svc.filing_sign_commitment(actor=operator, filing_id=pk, signer="王园长", ip="10.0.0.8")
        svc.filing_update_form(actor=operator, filing_id=pk, data={"opening_hours": "周一至周六 7:30-18:00"})
        assert signed()  # saving unchanged facts changes nothing

        doc = document_upload(actor=operator, filing_id=pk, doc_type="other",
                              uploaded_file=SimpleUploadedFile("补充.pdf", pdf_bytes("extra"), "application/pdf"))
        assert not signed()
        svc.filing_sign_commitment(actor=operator, filing_id=pk, signer="王园长", ip="10.0.0.8")
        document_delete(actor=operator, document_id=doc.pk)
        assert not signed()
        svc.filing_sign_commitment(actor=operator, filing_id=pk, signer="王园长", ip="10.0.0.8")
        svc.filing_set_classes(actor=operator, filing_id=pk,
                               classes=[{"class_type": "infant", "planned_children": 10, "carers": 4,
                                         "min_age_months": 6, "max_age_months": 12}])
        assert not signed()
        svc.filing_sign_commitment(actor=operator, filing_id=pk, signer="王园长", ip="10.0.0.8")
        assert svc.filing_submit(actor=operator, filing_id=pk).status == FilingStatus.SUBMITTED
