"""API writes refuse a role outside the action's duty before reading the body (issue 12): a viewer
sending a malformed body gets 403 ``permission_denied`` (not the body's 400 field errors, which would
tell it the action is open to it), while a role on duty sending the same body gets 400 with its field
errors. The role set is the service's own (workflow transition or ``require_role`` set)."""

from __future__ import annotations

import pytest

from .complaints_support import *  # noqa: F403 (fixtures)
from .complaints_support import api, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def hz_viewer(make_account):
    return make_account("c_hz_viewer", "city_viewer", "330100")


@pytest.fixture
def complaint_id(filed, xh_reviewer):
    submit(filed)
    return api(xh_reviewer).get("/api/v1/complaints/").json()["results"][0]["id"]


@pytest.mark.parametrize("action", ["assign", "notes", "reply", "close", "link", "reopen"])
def test_a_viewer_is_refused_before_its_malformed_body_is_read(hz_viewer, complaint_id, action):
    # The viewer may read the complaint (it is in its city) but no action on it is its duty.
    assert api(hz_viewer).get(f"/api/v1/complaints/{complaint_id}/").status_code == 200
    for body in ({}, {"outcome": "no-such-outcome", "assignee": "x", "text": ""}):
        response = api(hz_viewer).post(f"/api/v1/complaints/{complaint_id}/{action}/", body, format="json")
        assert response.status_code == 403, (action, response.json())
        assert response.json()["code"] == "permission_denied" and response.json()["fields"] == {}


def test_a_role_on_duty_with_a_malformed_body_gets_its_field_errors(xh_inspector, complaint_id):
    response = api(xh_inspector).post(f"/api/v1/complaints/{complaint_id}/close/", {"outcome": "no-such-outcome"},
                                      format="json")
    assert response.status_code == 400, response.json()
    assert "outcome" in response.json()["fields"]


def test_reopen_is_refused_to_an_inspector_but_parsed_for_the_district_admin(xh_inspector, xh_admin, complaint_id):
    # Reopening is the district admin's duty only (the workflow transition's roles).
    refused = api(xh_inspector).post(f"/api/v1/complaints/{complaint_id}/reopen/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    parsed = api(xh_admin).post(f"/api/v1/complaints/{complaint_id}/reopen/", {}, format="json")
    assert parsed.status_code == 400 and "reason" in parsed.json()["fields"]


def test_out_of_scope_stays_404_before_the_role_check(gs_reviewer, complaint_id):
    response = api(gs_reviewer).post(f"/api/v1/complaints/{complaint_id}/close/", {}, format="json")
    assert response.status_code == 404
