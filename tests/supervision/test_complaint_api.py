"""Complaints through the API: a parent files one without an account and follows it with the code;
the district assigns, notes, replies and closes; the parent sees the reply and never the notes or
the contact. Bad input is a 400 with a stable code and no row; the 429 past the limit; the district
of another commission gets 404s."""

from __future__ import annotations

import logging
import re

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from core.deadlines import due_after
from notifications.models import Notification
from supervision.models import Complaint, ComplaintEvent, ComplaintStatus

from .complaints_support import *  # noqa: F403 (fixtures)
from .complaints_support import CONTACT, PHONE, TEXT, api, complaint_body, complaint_of, submit

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {"code", "institution_name", "status", "status_label", "received_at", "due_at", "overdue", "outcome",
               "outcome_label", "public_reply", "replied_at", "closed_at", "followup_inspection_arranged"}


def test_a_parent_files_a_complaint_and_follows_it_to_the_reply(filed, xh_reviewer, xh_admin, xh_inspector,
                                                                   gs_reviewer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = submit(filed)
    assert re.fullmatch(r"[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}-[2-9A-HJKMNP-TV-Z]{4}", created["code"])
    assert set(created) == PUBLIC_KEYS
    assert created["status"] == "received" and created["public_reply"] is None
    complaint = complaint_of(created["code"])
    assert complaint.district_id == "330106"
    assert complaint.due_at == due_after(complaint.received_at, 15, complaint.region)
    # The district's reviewers and admin are told at once; the other district is not.
    told = set(Notification.objects.filter(kind="complaint_received").values_list("user__username", flat=True))
    assert told == {"c_xh_reviewer", "c_xh_admin"}

    # The code as a parent might type it: lower case, spaces instead of dashes.
    typed = created["code"].lower().replace("-", " ")
    followed = api().get(f"/api/v1/public/complaints/{typed}/")
    assert followed.status_code == 200 and followed.json()["status_label"] == "待分派"

    district = api(xh_reviewer)
    queue = district.get("/api/v1/complaints/").json()["results"]
    assert [row["tracking_code"] for row in queue] == [created["code"]]
    assert queue[0]["contact_phone_masked"] == "139****5678" and PHONE not in str(queue)
    pk = queue[0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assigned = district.post(f"/api/v1/complaints/{pk}/assign/", {"assignee": xh_inspector.pk}, format="json")
    assert assigned.status_code == 200, assigned.json()
    assert assigned.json()["status"] == "in_progress" and assigned.json()["assignee_name"]
    assert Notification.objects.filter(kind="complaint_assigned", user=xh_inspector).exists()

    handler = api(xh_inspector)
    assert handler.post(f"/api/v1/complaints/{pk}/notes/", {"text": "园长称当班老师临时去厨房取餐，需调监控核实。"},
                        format="json").status_code == 200
    assert handler.post(f"/api/v1/complaints/{pk}/link/", {"followup_reference": "专项检查 2026-017"},
                        format="json").status_code == 200
    closed = handler.post(f"/api/v1/complaints/{pk}/close/", {
        "outcome": "substantiated", "public_reply": "经调取监控核实，情况属实，已责令机构整改并对当班人员作出处理。"},
        format="json")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "substantiated"
    assert [e["action"] for e in closed.json()["history"]] == ["receive", "assign", "note", "link", "close"]

    public = api().get(f"/api/v1/public/complaints/{created['code']}/").json()
    assert public["status"] == "closed" and public["outcome_label"] == "属实"
    assert public["public_reply"].startswith("经调取监控核实")
    text = str(public)
    for private in ("调监控核实", "专项检查", CONTACT, PHONE, "139****5678", "c_xh_inspector"):
        assert private not in text


def test_the_public_answer_says_nothing_but_status_deadline_and_reply(filed):
    created = submit(filed)
    body = api().get(f"/api/v1/public/complaints/{created['code']}/")
    assert set(body.json()) == PUBLIC_KEYS
    assert body["Cache-Control"] == "no-store"
    for private in (CONTACT, PHONE, "139****5678", TEXT):
        assert private not in body.content.decode()


def test_the_contact_is_encrypted_at_rest_and_never_logged(filed, xh_reviewer, caplog,
                                                           django_capture_on_commit_callbacks):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        created = submit(filed)
    api().post("/api/v1/public/complaints/", complaint_body(filed, text="短"), format="json")  # a 400 is logged
    api().get(f"/api/v1/public/complaints/{created['code']}/")
    api(xh_reviewer).get("/api/v1/complaints/")
    with scopes_disabled():
        row = Complaint.objects.values().get(tracking_code=created["code"].replace("-", ""))
        events = list(ComplaintEvent.objects.values_list("reason", "items"))
    assert PHONE not in str(row) and row["contact_phone_masked"] == "139****5678"
    assert complaint_of(created["code"]).contact_phone == PHONE  # reversible, for an authorised reader
    logged = "\n".join(r.getMessage() + str(r.args) for r in caplog.records)
    for private in (PHONE, CONTACT):
        assert private not in logged
        assert private not in str(events)
    assert Notification.objects.exists()
    assert not Notification.objects.filter(body__contains=PHONE).exists()
    assert not Notification.objects.filter(body__contains=CONTACT).exists()


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"institution": 999999}, "institution", "institution_invalid"),
    ({"institution": "abc"}, "institution", "value_invalid"),
    ({"text": "太差了"}, "text", "text_too_short"),
    ({"text": "字" * 2001}, "text", "too_long"),
    ({"text": ""}, "text", "required"),
    ({"contact_phone": "12345"}, "contact_phone", "phone_invalid"),
    ({"contact_name": "名" * 65}, "contact_name", "too_long"),
    ({"institution": None}, "institution", "required"),
    ({"email": "x@example.com"}, "email", "unknown_field"),
])
def test_bad_input_is_a_400_with_a_stable_code_and_no_row(filed, change, field, code):
    body = {**complaint_body(filed), **change}
    response = api().post("/api/v1/public/complaints/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"][field][0]["code"] == code
    with scopes_disabled():
        assert not Complaint.objects.exists()


def test_only_a_filed_or_suspended_institution_accepts_complaints(registered_only):
    response = api().post("/api/v1/public/complaints/", complaint_body(registered_only), format="json")
    assert response.status_code == 400 and response.json()["code"] == "institution_invalid"


def test_a_malformed_code_is_400_and_an_unknown_one_404(filed):
    bad = api().get("/api/v1/public/complaints/ABC/")
    assert bad.status_code == 400 and bad.json()["fields"]["code"][0]["code"] == "code_invalid"
    unknown = api().get("/api/v1/public/complaints/ABCD-EFGH-JKMN/")
    assert unknown.status_code == 404 and set(unknown.json()) == {"code", "message", "fields"}


def test_filing_past_the_limit_is_429_with_retry_after(filed, settings):
    settings.COMPLAINT_RATE_LIMITS = ((2, 3600),)
    client = api()
    for _ in range(2):
        assert client.post("/api/v1/public/complaints/", complaint_body(filed), format="json").status_code == 201
    refused = client.post("/api/v1/public/complaints/", complaint_body(filed), format="json")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert 0 < int(refused["Retry-After"]) <= 3600
    with scopes_disabled():
        assert Complaint.objects.count() == 2
    # Another address is not held back.
    other = api().post("/api/v1/public/complaints/", complaint_body(filed), format="json",
                       REMOTE_ADDR="10.9.9.9")
    assert other.status_code == 201


def test_guessing_codes_past_the_limit_is_429(filed, settings):
    settings.COMPLAINT_TRACK_RATE_LIMITS = ((3, 60),)
    client = api()
    for _ in range(3):
        assert client.get("/api/v1/public/complaints/ABCD-EFGH-JKMN/").status_code == 404
    refused = client.get("/api/v1/public/complaints/ABCD-EFGH-JKMN/")
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) > 0


def test_another_district_reads_and_acts_on_nothing(filed, gs_reviewer, xh_inspector):
    pk = complaint_of(submit(filed)["code"]).pk
    other = api(gs_reviewer)
    assert other.get("/api/v1/complaints/").json()["results"] == []
    assert other.get(f"/api/v1/complaints/{pk}/").status_code == 404
    for action, body in (("assign", {"assignee": xh_inspector.pk}), ("notes", {"text": "越界备注内容"}),
                         ("reply", {"public_reply": "越界答复"}), ("close", {"outcome": "partly"}),
                         ("link", {"followup_reference": "x"}), ("reopen", {"reason": "x"})):
        response = other.post(f"/api/v1/complaints/{pk}/{action}/", body, format="json")
        assert response.status_code == 404, (action, response.content)
    with scopes_disabled():
        assert Complaint.objects.get(pk=pk).status == ComplaintStatus.RECEIVED
        assert ComplaintEvent.objects.filter(complaint_id=pk).count() == 1


def test_an_operator_never_reads_complaints(filed, xh_operator):
    submit(filed)
    assert api(xh_operator).get("/api/v1/complaints/").status_code == 403


def test_an_assignee_from_another_district_is_refused(filed, xh_reviewer, gs_reviewer):
    pk = complaint_of(submit(filed)["code"]).pk
    response = api(xh_reviewer).post(f"/api/v1/complaints/{pk}/assign/", {"assignee": gs_reviewer.pk}, format="json")
    assert response.status_code == 400 and response.json()["fields"]["assignee"][0]["code"] == "assignee_invalid"


def test_closing_needs_a_reply_and_the_assignee_or_the_admin(filed, xh_reviewer, xh_inspector, xh_admin):
    pk = complaint_of(submit(filed)["code"]).pk
    api(xh_reviewer).post(f"/api/v1/complaints/{pk}/assign/", {"assignee": xh_inspector.pk}, format="json")
    not_assignee = api(xh_reviewer).post(f"/api/v1/complaints/{pk}/close/", {"outcome": "partly",
                                                                             "public_reply": "答复"}, format="json")
    assert not_assignee.status_code == 403 and not_assignee.json()["code"] == "not_assignee"
    no_reply = api(xh_inspector).post(f"/api/v1/complaints/{pk}/close/", {"outcome": "partly"}, format="json")
    assert no_reply.status_code == 400 and no_reply.json()["code"] == "reply_required"
    api(xh_inspector).post(f"/api/v1/complaints/{pk}/reply/", {"public_reply": "已约谈园长，部分属实。"}, format="json")
    by_admin = api(xh_admin).post(f"/api/v1/complaints/{pk}/close/", {"outcome": "partly"}, format="json")
    assert by_admin.status_code == 200 and by_admin.json()["public_reply"] == "已约谈园长，部分属实。"
    reopened = api(xh_admin).post(f"/api/v1/complaints/{pk}/reopen/", {"reason": "投诉人补充了新情况"}, format="json")
    assert reopened.status_code == 200 and reopened.json()["status"] == "in_progress"
    assert reopened.json()["outcome"] == ""


def test_overdue_filter_lists_open_complaints_past_their_deadline(filed, xh_reviewer):
    late = complaint_of(submit(filed)["code"])
    submit(filed)
    with scopes_disabled():
        Complaint.objects.filter(pk=late.pk).update(due_at=timezone.now() - timezone.timedelta(days=1))
    rows = api(xh_reviewer).get("/api/v1/complaints/?overdue=true").json()["results"]
    assert [r["id"] for r in rows] == [late.pk] and rows[0]["overdue"] is True
