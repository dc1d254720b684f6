"""A complaint or an incident → its targeted follow-up inspection: a real foreign key, set in the
same transaction as the inspection is created (the page and the API), shown on both pages, told to
the complainant without anyone's id, refused whole when anything is wrong."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from supervision.models import Complaint, Incident, Inspection, Inspector, InspectorConflict, Origin
from supervision.services import complaints as services

from .complaints_support import *  # noqa: F403 (fixtures)
from .complaints_support import TEXT, api
from .inspection_world import roster_with_accounts

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster(make_account, regions):
    return roster_with_accounts(make_account, regions)


@pytest.fixture
def complaint(filed):
    with scopes_disabled():
        return services.complaint_submit(data={"institution": filed.pk, "text": TEXT})


@pytest.fixture
def incident(filed, xh_operator):
    from supervision.services.incidents import incident_report

    occurred = timezone.localtime() - dt.timedelta(hours=2)
    with scopes_disabled():
        return incident_report(actor=xh_operator, institution_id=filed.pk, data={
            "kind": "injury", "severity": "serious", "children_affected": 1, "occurred_at": occurred,
            "description": "一名幼儿在户外活动时摔倒，额头擦伤，已送医。"})


def page(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_targeted_inspection_from_the_complaint_page_links_both_ways(filed, complaint, roster):
    (user, first), (_, second) = roster
    client = page(user)
    detail = client.get(f"/supervision/complaints/{complaint.pk}/").content.decode()
    assert f'href="/supervision/inspections/new/?complaint={complaint.pk}"' in detail
    form = client.get(f"/supervision/inspections/new/?complaint={complaint.pk}")
    assert form.status_code == 200 and filed.name in form.content.decode()
    done = client.post("/supervision/inspections/new/", {
        "complaint_id": complaint.pk, "institution_id": filed.pk, "origin": "complaint",
        "reference": "投诉核查", "inspector_ids": [first.pk, second.pk]})
    assert done.status_code == 302
    with scopes_disabled():
        inspection = Inspection.objects.get()
        complaint.refresh_from_db()
    assert done["Location"] == f"/supervision/inspections/{inspection.pk}/"
    assert complaint.followup_inspection == inspection and inspection.origin == Origin.COMPLAINT
    assert inspection.institution_id == filed.pk
    # Both pages say so, each linking to the other.
    detail = client.get(f"/supervision/complaints/{complaint.pk}/").content.decode()
    assert f'href="/supervision/inspections/{inspection.pk}/" data-testid="followup-inspection-link"' in detail
    assert 'data-testid="new-targeted"' not in detail
    shown = client.get(f"/supervision/inspections/{inspection.pk}/").content.decode()
    assert 'data-testid="inspection-source"' in shown and complaint.tracking_code_display in shown
    # The API exposes the link; the complainant reads that an inspection was arranged, no id.
    assert api(user).get(f"/api/v1/complaints/{complaint.pk}/").json()["followup_inspection"] == inspection.pk
    assert api(user).get(f"/api/v1/inspections/{inspection.pk}/").json()["source_complaint"] == complaint.pk
    public = api().get(f"/api/v1/public/complaints/{complaint.tracking_code}/").json()
    assert public["followup_inspection_arranged"] is True
    assert str(inspection.pk) not in str(public.values()) or public.get("id") is None
    assert not {"followup_inspection", "inspector_ids", "assignee"} & set(public)
    tracked = Client().get("/complaints/track/", {"code": complaint.tracking_code}).content.decode()
    assert 'data-testid="track-followup"' in tracked


def test_before_an_inspection_the_complainant_reads_none_arranged(complaint):
    public = api().get(f"/api/v1/public/complaints/{complaint.tracking_code}/").json()
    assert public["followup_inspection_arranged"] is False


def test_too_few_inspectors_is_a_field_error_and_nothing_is_written(filed, complaint, roster):
    (user, first), _ = roster
    response = page(user).post("/supervision/inspections/new/", {
        "complaint_id": complaint.pk, "institution_id": filed.pk, "origin": "complaint",
        "reference": "投诉核查", "inspector_ids": [first.pk]})
    assert response.status_code == 200 and "请至少选择 2 名检查人员" in response.content.decode()
    with scopes_disabled():
        assert not Inspection.objects.exists()
        complaint.refresh_from_db()
    assert complaint.followup_inspection is None


def test_a_conflicted_inspector_is_refused_on_the_form(filed, complaint, roster):
    (user, first), (_, second) = roster
    with scopes_disabled():
        conflict = InspectorConflict(inspector=second, institution_id=filed.pk, note="亲属任职")
        conflict.set_region(second.region)
        conflict.save()
    response = page(user).post("/supervision/inspections/new/", {
        "complaint_id": complaint.pk, "institution_id": filed.pk, "origin": "complaint",
        "reference": "投诉核查", "inspector_ids": [first.pk, second.pk]})
    assert response.status_code == 200 and "利益冲突" in response.content.decode()
    with scopes_disabled():
        assert not Inspection.objects.exists()


def test_a_second_follow_up_is_refused_and_leaves_no_inspection_behind(filed, complaint, roster):
    (user, first), (_, second) = roster
    body = {"institution_id": filed.pk, "origin": "complaint", "reference": "投诉核查",
            "inspector_ids": [first.pk, second.pk], "complaint_id": complaint.pk}
    assert api(user).post("/api/v1/inspections/", body, format="json").status_code == 201
    again = api(user).post("/api/v1/inspections/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "followup_exists"
    with scopes_disabled():
        assert Inspection.objects.count() == 1


def test_the_complaint_and_the_inspection_must_be_about_the_same_institution(filed, complaint, roster, regions):
    from registry.models import InstitutionStatus
    from tests.factories import InstitutionFactory

    (user, first), (_, second) = roster
    with scopes_disabled():
        other = InstitutionFactory(name="西湖区另一托育园", status=InstitutionStatus.FILED)
    response = api(user).post("/api/v1/inspections/", {
        "institution_id": other.pk, "origin": "complaint", "reference": "x", "inspector_ids": [first.pk, second.pk],
        "complaint_id": complaint.pk}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["institution_id"][0]["code"] == "institution_mismatch"
    with scopes_disabled():
        assert not Inspection.objects.exists()


def test_an_incident_gets_its_follow_up_inspection(filed, incident, roster):
    (user, first), (_, second) = roster
    client = page(user)
    detail = client.get(f"/supervision/incidents/{incident.pk}/").content.decode()
    assert f'href="/supervision/inspections/new/?incident={incident.pk}"' in detail
    done = client.post("/supervision/inspections/new/", {
        "incident_id": incident.pk, "institution_id": filed.pk, "origin": "incident",
        "reference": "事件后检查", "inspector_ids": [first.pk, second.pk]})
    assert done.status_code == 302
    with scopes_disabled():
        inspection = Inspection.objects.get()
        incident.refresh_from_db()
    assert incident.followup_inspection == inspection and inspection.origin == Origin.INCIDENT
    assert 'data-testid="followup-inspection-link"' in client.get(f"/supervision/incidents/{incident.pk}/").content.decode()
    assert "突发事件" in client.get(f"/supervision/inspections/{inspection.pk}/").content.decode()


def test_a_campaign_inspection_is_created_from_the_form(filed, roster):
    (user, first), (_, second) = roster
    client = page(user)
    form = client.get("/supervision/inspections/new/")
    assert form.status_code == 200 and filed.name in form.content.decode()
    done = client.post("/supervision/inspections/new/", {
        "institution_id": filed.pk, "origin": "campaign", "reference": "2026 年消防专项行动",
        "inspector_ids": [first.pk, second.pk]})
    assert done.status_code == 302
    with scopes_disabled():
        assert Inspection.objects.get().origin == Origin.CAMPAIGN


def test_an_inspector_of_another_district_gets_404(complaint, incident, make_account):
    outsider = page(make_account("gs_insp", "district_inspector", "330105"))
    assert outsider.get(f"/supervision/inspections/new/?complaint={complaint.pk}").status_code == 404
    assert outsider.get(f"/supervision/inspections/new/?incident={incident.pk}").status_code == 404
    assert outsider.post("/supervision/inspections/new/", {"complaint_id": complaint.pk}).status_code == 404
    assert outsider.get("/supervision/inspections/new/?complaint=abc").status_code == 404


def test_a_manual_link_must_name_an_inspection_of_the_district(complaint, xh_reviewer):
    response = api(xh_reviewer).post(f"/api/v1/complaints/{complaint.pk}/link/", {
        "followup_reference": "专项检查", "followup_inspection_id": 999999}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["followup_inspection_id"][0]["code"] == "inspection_unknown"
    with scopes_disabled():
        assert Complaint.objects.get(pk=complaint.pk).followup_inspection_id is None


def test_the_form_costs_the_same_queries_for_a_bigger_roster(filed, complaint, roster, regions):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = roster[0][0]
    client = page(user)
    url = f"/supervision/inspections/new/?complaint={complaint.pk}"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with scopes_disabled():
        for k in range(5):
            extra = Inspector(name=f"加派{k}", department="police")
            extra.set_region(regions["330106"])
            extra.save()
    with CaptureQueriesContext(connection) as big:
        assert "加派4" in client.get(url).content.decode()
    assert len(big) == len(small)


def test_incident_api_exposes_the_link(filed, incident, roster):
    (user, first), (_, second) = roster
    created = api(user).post("/api/v1/inspections/", {
        "institution_id": filed.pk, "origin": "incident", "reference": "事件", "inspector_ids": [first.pk, second.pk],
        "incident_id": incident.pk}, format="json")
    assert created.status_code == 201
    assert api(user).get(f"/api/v1/incidents/{incident.pk}/").json()["followup_inspection"] == created.json()["id"]
    with scopes_disabled():
        assert Incident.objects.get(pk=incident.pk).followup_inspection_id == created.json()["id"]
