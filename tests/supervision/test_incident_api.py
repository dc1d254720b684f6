"""Incidents through the API: an operator reports, the district is alerted at once and follows up
until it closes it; a suspected abuse opens a blacklist review (nobody is listed by itself); bad
input and other tenants are refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from notifications.models import Notification
from supervision.models import BlacklistEntry, Incident, IncidentEvent

from .complaints_support import *  # noqa: F403 (fixtures)
from .complaints_support import api

pytestmark = pytest.mark.django_db


def report_body(**extra) -> dict:
    occurred = timezone.localtime() - dt.timedelta(hours=3)
    return {"kind": "injury", "severity": "serious", "children_affected": 2,
            "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
            "description": "两名幼儿在滑梯处相撞，一名额头缝针，已送医并通知家长。", **extra}


def test_an_operator_reports_and_the_district_is_alerted_at_once(filed, xh_operator, xh_reviewer, xh_admin,
                                                                  gs_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(xh_operator).post("/api/v1/incidents/", report_body(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "reported" and body["institution"] == filed.pk and body["blacklist_review"] == ""
    assert [e["action"] for e in body["history"]] == ["report"]
    alerted = set(Notification.objects.filter(kind="incident_reported").values_list("user__username", flat=True))
    assert alerted == {"c_xh_reviewer", "c_xh_admin"}
    assert not Notification.objects.filter(kind="incident_blacklist_review").exists()


def test_follow_up_until_closed(filed, xh_operator, xh_reviewer, django_capture_on_commit_callbacks):
    pk = api(xh_operator).post("/api/v1/incidents/", report_body(), format="json").json()["id"]
    district, operator = api(xh_reviewer), api(xh_operator)
    with django_capture_on_commit_callbacks(execute=True):
        assert district.post(f"/api/v1/incidents/{pk}/acknowledge/", {}, format="json").json()["status"] == "following_up"
    assert Notification.objects.filter(kind="incident_updated", user=xh_operator).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert operator.post(f"/api/v1/incidents/{pk}/follow-ups/", {"text": "伤儿已出院，家长情绪稳定。"},
                             format="json").status_code == 200
    assert Notification.objects.filter(kind="incident_updated", user=xh_reviewer).exists()
    assert district.post(f"/api/v1/incidents/{pk}/follow-ups/", {"text": "已约谈园长，要求加装滑梯防护垫。"},
                         format="json").status_code == 200
    refused = operator.post(f"/api/v1/incidents/{pk}/close/", {"resolution": "结束"}, format="json")
    assert refused.status_code == 403
    closed = district.post(f"/api/v1/incidents/{pk}/close/", {"resolution": "防护垫已加装，复查合格。"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert [e["action"] for e in closed.json()["history"]] == ["report", "acknowledge", "follow_up", "follow_up",
                                                                "close"]
    late = operator.post(f"/api/v1/incidents/{pk}/follow-ups/", {"text": "补充"}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "incident_closed"
    again = district.post(f"/api/v1/incidents/{pk}/close/", {"resolution": "再次结案"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"


def test_a_suspected_abuse_opens_a_blacklist_review_and_lists_nobody(
        filed, xh_operator, xh_reviewer, xh_admin, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api(xh_operator).post("/api/v1/incidents/", report_body(
            kind="suspected_abuse", severity="major", children_affected=1,
            description="家长反映孩子手臂有多处掐痕，疑为保育员所致。"), format="json")
    body = response.json()
    assert response.status_code == 201 and body["blacklist_review"] == "pending"
    review = Notification.objects.filter(kind="incident_blacklist_review")
    assert set(review.values_list("user__username", flat=True)) == {"c_xh_admin"}
    assert review.first().link == f"/supervision/incidents/{body['id']}/"
    with scopes_disabled():
        assert not BlacklistEntry.objects.exists()
    pending = api(xh_reviewer).get("/api/v1/incidents/?blacklist_review=pending").json()["results"]
    assert [r["id"] for r in pending] == [body["id"]]
    # Only the district admin records the review's outcome; then it is done once.
    assert api(xh_reviewer).post(f"/api/v1/incidents/{body['id']}/blacklist-review/", {"reason": "x"},
                                 format="json").status_code == 403
    done = api(xh_admin).post(f"/api/v1/incidents/{body['id']}/blacklist-review/",
                              {"reason": "已将涉事保育员列入从业禁止名单。"}, format="json")
    assert done.status_code == 200 and done.json()["blacklist_review"] == "done"
    twice = api(xh_admin).post(f"/api/v1/incidents/{body['id']}/blacklist-review/", {"reason": "再次"}, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "no_blacklist_review"


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"kind": "flood"}, "kind", "choice_invalid"),
    ({"severity": ""}, "severity", "required"),
    ({"children_affected": -1}, "children_affected", "value_invalid"),
    ({"children_affected": "two"}, "children_affected", "value_invalid"),
    ({"occurred_at": "yesterday"}, "occurred_at", "value_invalid"),
    ({"occurred_at": "2026-02-30T10:00"}, "occurred_at", "value_invalid"),
    ({"description": "x" * 4001}, "description", "too_long"),
    ({"child_id_number": "x"}, "child_id_number", "unknown_field"),
])
def test_bad_input_is_a_400_and_no_row(filed, xh_operator, change, field, code):
    response = api(xh_operator).post("/api/v1/incidents/", report_body(**change), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"][field][0]["code"] == code
    with scopes_disabled():
        assert not Incident.objects.exists()


def test_an_incident_cannot_happen_in_the_future(filed, xh_operator):
    later = (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    response = api(xh_operator).post("/api/v1/incidents/", report_body(occurred_at=later), format="json")
    assert response.status_code == 400 and response.json()["fields"]["occurred_at"][0]["code"] == "occurred_in_future"


def test_only_operators_report(filed, xh_reviewer):
    assert api(xh_reviewer).post("/api/v1/incidents/", report_body(), format="json").status_code in (403, 404)


def test_other_tenants_see_nothing_and_act_on_nothing(filed, xh_operator, gs_operator, gs_reviewer):
    pk = api(xh_operator).post("/api/v1/incidents/", report_body(), format="json").json()["id"]
    for user in (gs_operator, gs_reviewer):
        client = api(user)
        assert client.get("/api/v1/incidents/").json()["results"] == []
        assert client.get(f"/api/v1/incidents/{pk}/").status_code == 404
        for action, body in (("follow-ups", {"text": "越界"}), ("acknowledge", {}), ("close", {"resolution": "x"}),
                             ("blacklist-review", {"reason": "x"})):
            assert client.post(f"/api/v1/incidents/{pk}/{action}/", body, format="json").status_code == 404
    with scopes_disabled():
        assert IncidentEvent.objects.filter(incident_id=pk).count() == 1
