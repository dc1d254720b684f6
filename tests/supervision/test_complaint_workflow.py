"""The complaint's and the incident's transition tables, through the services: every (state × action)
pair is the legal move or refused with InvalidTransition (the row unchanged, no event written);
and the overdue sweep: once per complaint, a second run adds nothing, closed ones are never swept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import DomainError, InvalidTransition
from core.sweeps import run_sweep
from notifications.models import Notification
from supervision.models import (
    BlacklistReview,
    Complaint,
    ComplaintEvent,
    ComplaintStatus,
    Incident,
    IncidentEvent,
    IncidentStatus,
)
from supervision.services import complaints as services
from supervision.services import incidents as incident_services
from supervision.sweeps import COMPLAINTS_OVERDUE
from supervision.workflow import COMPLAINT, INCIDENT, ComplaintAction, IncidentAction

from .complaints_support import *  # noqa: F403 (fixtures)
from .complaints_support import TEXT

pytestmark = pytest.mark.django_db


def new_complaint(institution, **fields) -> Complaint:
    with scopes_disabled():
        complaint = services.complaint_submit(data={"institution": institution.pk, "text": TEXT})
        if fields:
            Complaint.objects.filter(pk=complaint.pk).update(**fields)
            complaint.refresh_from_db()
        return complaint


def complaint_in(state: str, institution, assignee) -> Complaint:
    extra = {"status": state}
    if state != ComplaintStatus.RECEIVED:
        extra["assignee"] = assignee
    if state == ComplaintStatus.CLOSED:
        extra.update(outcome="partly", public_reply="答复")
    return new_complaint(institution, **extra)


COMPLAINT_CALLS = {
    ComplaintAction.ASSIGN: lambda actor, c, other: services.complaint_assign(
        actor=actor, complaint_id=c.pk, assignee_id=other.pk),
    ComplaintAction.CLOSE: lambda actor, c, other: services.complaint_close(
        actor=actor, complaint_id=c.pk, outcome="not_substantiated", public_reply="经核查，情况不属实。"),
    ComplaintAction.REOPEN: lambda actor, c, other: services.complaint_reopen(
        actor=actor, complaint_id=c.pk, reason="重新核查"),
}


@pytest.mark.parametrize("state", ComplaintStatus.values)
@pytest.mark.parametrize("action", list(COMPLAINT_CALLS))
def test_every_complaint_move_is_in_the_table_or_refused(state, action, filed, xh_admin, xh_inspector):
    complaint = complaint_in(state, filed, xh_admin)
    with scopes_disabled():
        events = ComplaintEvent.objects.filter(complaint=complaint)
        before = events.count()
        if COMPLAINT.allows(action, state):
            COMPLAINT_CALLS[action](xh_admin, complaint, xh_inspector)
            complaint.refresh_from_db()
            assert complaint.status == COMPLAINT.transition(action).target
            assert events.count() == before + 1
        else:
            with pytest.raises(InvalidTransition):
                COMPLAINT_CALLS[action](xh_admin, complaint, xh_inspector)
            complaint.refresh_from_db()
            assert complaint.status == state and events.count() == before


def test_a_closed_complaint_takes_no_reply(filed, xh_admin):
    complaint = complaint_in(ComplaintStatus.CLOSED, filed, xh_admin)
    with scopes_disabled(), pytest.raises(DomainError) as exc:
        services.complaint_reply(actor=xh_admin, complaint_id=complaint.pk, public_reply="迟到的答复")
    assert exc.value.code == "complaint_closed" and exc.value.status_code == 409


def test_a_stale_version_is_a_conflict(filed, xh_admin, xh_inspector):
    complaint = new_complaint(filed)
    with scopes_disabled():
        services.complaint_assign(actor=xh_admin, complaint_id=complaint.pk, assignee_id=xh_admin.pk)
        with pytest.raises(DomainError) as exc:
            services.complaint_assign(actor=xh_admin, complaint_id=complaint.pk, assignee_id=xh_inspector.pk,
                                      expected_version=complaint.version)
    assert exc.value.code == "conflict"


# --- incidents ------------------------------------------------------------------------------------------

def incident_in(state: str, institution, operator) -> Incident:
    with scopes_disabled():
        incident = incident_services.incident_report(actor=operator, institution_id=institution.pk, data={
            "kind": "injury", "severity": "minor", "children_affected": 1,
            "occurred_at": timezone.now() - dt.timedelta(hours=2), "description": "户外活动时摔倒擦伤膝盖。"})
        Incident.objects.filter(pk=incident.pk).update(status=state)
        incident.refresh_from_db()
    return incident


INCIDENT_CALLS = {
    IncidentAction.ACKNOWLEDGE: lambda actor, i: incident_services.incident_acknowledge(actor=actor, incident_id=i.pk),
    IncidentAction.CLOSE: lambda actor, i: incident_services.incident_close(actor=actor, incident_id=i.pk,
                                                                            resolution="已处置完毕。"),
}


@pytest.mark.parametrize("state", IncidentStatus.values)
@pytest.mark.parametrize("action", list(INCIDENT_CALLS))
def test_every_incident_move_is_in_the_table_or_refused(state, action, filed, xh_operator, xh_reviewer):
    incident = incident_in(state, filed, xh_operator)
    with scopes_disabled():
        events = IncidentEvent.objects.filter(incident=incident)
        before = events.count()
        if INCIDENT.allows(action, state):
            INCIDENT_CALLS[action](xh_reviewer, incident)
            incident.refresh_from_db()
            assert incident.status == INCIDENT.transition(action).target
            assert events.count() == before + 1
        else:
            with pytest.raises(InvalidTransition):
                INCIDENT_CALLS[action](xh_reviewer, incident)
            incident.refresh_from_db()
            assert incident.status == state and events.count() == before


# --- the overdue sweep ----------------------------------------------------------------------------------

def test_the_overdue_sweep_tells_the_district_once(filed, xh_reviewer, xh_admin, xh_inspector,
                                                   gongshu_filed, gs_reviewer):
    past = timezone.now() - dt.timedelta(days=1)
    late = new_complaint(filed, due_at=past, status=ComplaintStatus.IN_PROGRESS, assignee=xh_inspector)
    new_complaint(filed)  # not due
    new_complaint(filed, due_at=past, status=ComplaintStatus.CLOSED, outcome="partly", public_reply="答复")
    other = new_complaint(gongshu_filed, due_at=past)

    first = run_sweep(COMPLAINTS_OVERDUE)
    assert first.outcome == "ok" and first.summary == {"overdue": 2, "notified": 4}
    told = set(Notification.objects.filter(kind="complaint_overdue").values_list("user__username", "link"))
    assert told == {("c_xh_reviewer", f"/supervision/complaints/{late.pk}/"),
                    ("c_xh_admin", f"/supervision/complaints/{late.pk}/"),
                    ("c_xh_inspector", f"/supervision/complaints/{late.pk}/"),
                    ("c_gs_reviewer", f"/supervision/complaints/{other.pk}/")}

    second = run_sweep(COMPLAINTS_OVERDUE)
    assert second.outcome == "ok" and second.rows == 0 and second.summary["notified"] == 0
    assert Notification.objects.filter(kind="complaint_overdue").count() == 4
    with scopes_disabled():
        assert ComplaintEvent.objects.filter(action="overdue").count() == 2


def test_a_suspected_abuse_cannot_close_before_its_blacklist_review(filed, xh_operator, xh_admin):
    with scopes_disabled():
        incident = incident_services.incident_report(actor=xh_operator, institution_id=filed.pk, data={
            "kind": "suspected_abuse", "severity": "major", "children_affected": 1,
            "occurred_at": timezone.now() - dt.timedelta(hours=1), "description": "家长发现孩子手臂有掐痕。"})
        incident_services.incident_acknowledge(actor=xh_admin, incident_id=incident.pk)
        with pytest.raises(DomainError) as exc:
            incident_services.incident_close(actor=xh_admin, incident_id=incident.pk, resolution="已处理")
        assert exc.value.code == "blacklist_review_pending"
        incident_services.incident_blacklist_review_done(actor=xh_admin, incident_id=incident.pk,
                                                         reason="已将涉事保育员列入从业禁止名单。")
        closed = incident_services.incident_close(actor=xh_admin, incident_id=incident.pk, resolution="已处理")
    assert closed.status == IncidentStatus.CLOSED and closed.blacklist_review == BlacklistReview.DONE
