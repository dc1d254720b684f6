"""The pages: the portal's complaint form (from the institution's public page) and tracking page,
the district's queue and complaint page, the incident pages of an operator and of the district."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scopes_disabled

from supervision.models import Complaint, Incident
from supervision.services import complaints as services

from .complaints_support import *  # noqa: F403 (fixtures)
from .complaints_support import CONTACT, PHONE, TEXT, complaint_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_filed(filed):
    """``filed`` with an accepted filing, as the portal's institution page requires."""
    from registry.models import Filing, FilingStatus

    with scopes_disabled():
        filing = Filing(institution=filed, name=filed.name, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-0042",
                        decided_at=timezone.now())
        filing.set_region(filed.region)
        filing.save()
        type(filed).objects.filter(pk=filed.pk).update(current_filing=filing)
    return filed


def test_the_public_page_links_to_the_form_and_the_form_files_a_complaint(public_filed, client):
    page = client.get(f"/institutions/{public_filed.pk}/").content.decode()
    assert f'href="/complaints/new/?institution={public_filed.pk}"' in page
    form = client.get(f"/complaints/new/?institution={public_filed.pk}")
    assert form.status_code == 200 and public_filed.name in form.content.decode()
    done = client.post("/complaints/new/", {"institution": public_filed.pk, "text": TEXT, "contact_name": CONTACT,
                                            "contact_phone": PHONE})
    assert done.status_code == 200
    code = re.search(r'data-testid="tracking-code">([^<]+)<', done.content.decode())[1]
    assert complaint_of(code).text == TEXT
    tracked = client.get("/complaints/track/", {"code": code}).content.decode()
    assert "待分派" in tracked and code in tracked
    for private in (CONTACT, PHONE, "139****5678"):
        assert private not in tracked


def test_the_form_refuses_with_the_fields_messages(filed, client):
    response = client.post("/complaints/new/", {"institution": filed.pk, "text": TEXT, "contact_phone": "123"})
    assert response.status_code == 200 and "联系电话应为" in response.content.decode()
    short = client.post("/complaints/new/", {"institution": filed.pk, "text": "太差"})
    assert short.status_code == 200 and "请至少写" in short.content.decode()
    with scopes_disabled():
        assert not Complaint.objects.exists()


def test_no_form_for_an_institution_that_is_not_filed(registered_only, client):
    assert client.get(f"/complaints/new/?institution={registered_only.pk}").status_code == 404
    assert client.get("/complaints/new/?institution=abc").status_code == 404
    assert client.get("/complaints/new/").status_code == 404


def test_the_form_past_its_limit_is_a_429_page(filed, client, settings):
    settings.COMPLAINT_RATE_LIMITS = ((1, 3600),)
    body = {"institution": filed.pk, "text": TEXT}
    assert client.post("/complaints/new/", body).status_code == 200
    refused = client.post("/complaints/new/", body)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "操作过于频繁" in refused.content.decode()


def test_an_unknown_code_says_so(filed, client):
    response = client.get("/complaints/track/", {"code": "ABCD-EFGH-JKMN"})
    assert response.status_code == 404 and "没有该查询码的投诉" in response.content.decode()


def test_the_queue_costs_the_same_queries_for_more_rows(filed, xh_reviewer, xh_inspector, django_assert_num_queries):
    client = Client()
    client.force_login(xh_reviewer)
    with scopes_disabled():
        services.complaint_submit(data={"institution": filed.pk, "text": TEXT})
    client.get("/supervision/complaints/")  # warm caches (calendar, nav)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert client.get("/supervision/complaints/").status_code == 200
    with scopes_disabled():
        for _ in range(4):
            c = services.complaint_submit(data={"institution": filed.pk, "text": TEXT})
            services.complaint_assign(actor=xh_reviewer, complaint_id=c.pk, assignee_id=xh_inspector.pk)
    with CaptureQueriesContext(connection) as five:
        page = client.get("/supervision/complaints/")
    assert page.content.decode().count('href="/supervision/complaints/') >= 5
    assert len(five) == len(one)


def test_the_district_assigns_and_replies_on_the_page(filed, xh_reviewer, xh_inspector):
    with scopes_disabled():
        complaint = services.complaint_submit(data={"institution": filed.pk, "text": TEXT, "contact_name": CONTACT,
                                                    "contact_phone": PHONE})
    client = Client()
    client.force_login(xh_reviewer)
    page = client.get(f"/supervision/complaints/{complaint.pk}/").content.decode()
    assert 'data-testid="assign-form"' in page and "139****5678" in page and PHONE not in page
    assert client.post(f"/supervision/complaints/{complaint.pk}/assign/", {"assignee": xh_inspector.pk}).status_code == 302
    assert client.post(f"/supervision/complaints/{complaint.pk}/reply/",
                       {"public_reply": "已安排检查员核查。"}).status_code == 302
    with scopes_disabled():
        complaint.refresh_from_db()
    assert complaint.assignee == xh_inspector and complaint.public_reply == "已安排检查员核查。"


def test_an_operator_opens_no_complaint_page(filed, xh_operator):
    with scopes_disabled():
        complaint = services.complaint_submit(data={"institution": filed.pk, "text": TEXT})
    client = Client()
    client.force_login(xh_operator)
    assert client.get("/supervision/complaints/").status_code == 403
    assert client.get(f"/supervision/complaints/{complaint.pk}/").status_code == 403


def test_an_operator_reports_on_the_page_and_the_district_sees_the_review_task(filed, xh_operator, xh_admin):
    client = Client()
    client.force_login(xh_operator)
    occurred = (timezone.localtime() - dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/supervision/incidents/new/", {
        "kind": "suspected_abuse", "severity": "major", "children_affected": "1", "occurred_at": occurred,
        "description": "家长反映孩子手臂有掐痕。"})
    assert response.status_code == 302
    with scopes_disabled():
        incident = Incident.objects.get()
    assert response["Location"] == f"/supervision/incidents/{incident.pk}/"
    admin = Client()
    admin.force_login(xh_admin)
    listing = admin.get("/supervision/incidents/?review=pending").content.decode()
    assert f"/supervision/incidents/{incident.pk}/" in listing and "待审查" in listing
    page = admin.get(f"/supervision/incidents/{incident.pk}/").content.decode()
    assert 'data-testid="blacklist-review-task"' in page and 'href="/supervision/blacklist/new/?kind=person"' in page
    home = admin.get("/").content.decode()
    assert "待从业禁止审查的疑似虐童事件" in home


def test_a_future_time_on_the_page_is_a_field_error(filed, xh_operator):
    client = Client()
    client.force_login(xh_operator)
    later = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page = client.post("/supervision/incidents/new/", {"kind": "fire", "severity": "minor", "children_affected": "0",
                                                       "occurred_at": later, "description": "厨房起火，已扑灭。"})
    assert page.status_code == 200 and "发生时间不能晚于现在" in page.content.decode()
