"""Nothing personal in logs: a full journey with every logger captured at DEBUG, then a grep.

The operator files (staff with ID numbers, the institution's contact phone), the reviewer accepts,
a parent complains with a contact phone, the operator enrols a child with an ID number; bad input
(400s, a 404) along the way so that the request logger writes too. Every record of every logger
(django, django.request, celery, the apps') is rendered with its message, arguments, exception text
and extra attributes, and none may contain an ID number, a phone number or a child's name used.

``django.db.backends`` is left out: it logs SQL (with parameters) only when ``DEBUG`` is on, which a
production start refuses (``childcare.settings._check_production``).
"""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from registry.models import Filing, FilingStatus, Institution, Staff
from tests.factories import (
    InstitutionFactory,
    make_certification,
    make_filed_institution,
    make_guided_prices,
    make_id_number,
    make_ready_filing,
    make_roster,
    make_subsidy_policy,
    make_uscc,
)

pytestmark = pytest.mark.django_db

STAFF_ID = "11010519491231002X"
STAFF_NAME = "欧阳春晓"
INSTITUTION_PHONE = "13700001111"
COMPLAINT_PHONE = "13912345678"
COMPLAINT_CONTACT = "孙丽华"
CHILD_NAME = "司马小禾"
CHILD_ID = make_id_number("330106", born=dt.date(2024, 6, 15), seq=7)
LOGGERS = ("", "django", "django.request", "django.server", "django.security", "celery", "celery.task",
           "celery.app.trace", "accounts", "core", "registry", "supervision", "subsidies", "portal",
           "notifications", "indicators", "regions")


class Everything(logging.Handler):
    """Keeps every record rendered in full: message, args, exception, and any extra attribute."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, record):
        text = self.format(record)  # message + formatted exception + stack
        extra = {k: v for k, v in record.__dict__.items() if k not in logging.LogRecord(
            "", 0, "", 0, "", (), None).__dict__}
        self.lines.append(f"{text} | args={record.args!r} | extra={extra!r}")


@pytest.fixture
def captured():
    handler = Everything()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.setLevel(logging.DEBUG)
        logger.disabled = False
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)
    for logger, level, disabled in saved:
        logger.setLevel(level)
        logger.disabled = disabled


def api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_full_journey_logs_no_id_number_phone_or_child_name(regions, make_account, media, captured,
                                                              django_capture_on_commit_callbacks):
    with scopes_disabled():
        xihu = InstitutionFactory(uscc=make_uscc("330106", seed=41), service_types=["full_day"], total_slots=10)
        make_roster(xihu)
        make_guided_prices("330100")
        make_subsidy_policy("330100")
        filed = make_filed_institution(name="西湖区日志探测托育园")
        make_certification(filed)
    operator = make_account("log_op", "operator", xihu.uscc)
    reviewer = make_account("log_reviewer", "district_reviewer", "330106")
    filed_operator = make_account("log_filed_op", "operator", filed.uscc)
    op = api(operator)

    with django_capture_on_commit_callbacks(execute=True):
        # The operator adds a staff member (ID number), sets the contact phone, with bad input first.
        staff_url = f"/api/v1/institutions/{xihu.pk}/staff/"
        body = {"name": STAFF_NAME, "id_number": STAFF_ID, "role": "caregiver", "start_date": "2024-09-01",
                "health_certificate_date": (timezone.localdate() - dt.timedelta(days=10)).isoformat(),
                "criminal_record_checked": True,
                "criminal_record_checked_on": (timezone.localdate() - dt.timedelta(days=20)).isoformat(),
                "qualifications": [{"type": "childcare", "number": "YY-001", "expires_on": "2029-01-01"}]}
        assert op.post(staff_url, {**body, "id_number": STAFF_ID[:-1] + "1"}, format="json").status_code == 400
        created = op.post(staff_url, body, format="json")
        assert created.status_code == 201, created.content
        assert op.post(f"/api/v1/institutions/{xihu.pk}/contact/", {"contact_phone": "1370000111"},
                       format="json").status_code == 400
        assert op.post(f"/api/v1/institutions/{xihu.pk}/contact/", {"contact_phone": INSTITUTION_PHONE},
                       format="json").status_code == 200
        # … files, and the reviewer accepts (receipt rendered, notifications sent).
        with scopes_disabled():
            Institution.objects.filter(pk=xihu.pk).update(status="filing")
            filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED, contact_phone=INSTITUTION_PHONE)
        accepted = api(reviewer).post(f"/api/v1/filings/{filing.pk}/accept/",
                                      {"expected_version": filing.version}, format="json")
        assert accepted.status_code == 200, accepted.content
        # The reviewer reveals the staff member's ID number (an audited reveal, not a log line).
        assert api(reviewer).post(f"{staff_url}{created.json()['id']}/reveal/").status_code == 200
        # A parent complains, with a contact phone; a malformed one first.
        complaint = {"institution": filed.pk, "text": "孩子午睡时老师离开教室二十分钟，无人看护，孩子从床上摔下。",
                     "contact_name": COMPLAINT_CONTACT, "contact_phone": COMPLAINT_PHONE}
        assert api().post("/api/v1/public/complaints/", {**complaint, "contact_phone": "139123"},
                          format="json").status_code == 400
        assert api().post("/api/v1/public/complaints/", complaint, format="json").status_code == 201
        # The operator of a filed institution enrols a child (ID number), a duplicate, a 404.
        enrol = {"child_name": CHILD_NAME, "id_number": CHILD_ID, "birth_date": "2024-06-15",
                 "class_type": "toddler", "enrolled_on": "2025-09-01"}
        fop = api(filed_operator)
        assert fop.post(f"/api/v1/institutions/{filed.pk}/enrolments/", enrol, format="json").status_code == 201
        assert fop.post(f"/api/v1/institutions/{filed.pk}/enrolments/", enrol, format="json").status_code == 409
        assert fop.post(f"/api/v1/institutions/{filed.pk}/enrolments/", {**enrol, "id_number": CHILD_ID[:-1] + "0"},
                        format="json").status_code in (400, 409)
        assert fop.get(f"/api/v1/institutions/{filed.pk + 10_000}/enrolments/?q={CHILD_NAME}").status_code == 404

    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).status == FilingStatus.ACCEPTED
        roster_ids = [s.id_number for s in Staff.objects.filter(institution=xihu)]
    logged = "\n".join(captured.lines)
    assert captured.lines, "nothing was captured: the handler is not wired"
    assert "log_reviewer" in logged or "Bad Request" in logged or "Not Found" in logged
    private = [STAFF_ID, STAFF_NAME, INSTITUTION_PHONE, COMPLAINT_PHONE, COMPLAINT_CONTACT, CHILD_NAME, CHILD_ID,
               *roster_ids]
    leaks = [value for value in private if value and value in logged]
    assert not leaks, f"personal data in the logs: {leaks}\n" + "\n".join(
        line for line in captured.lines if any(v in line for v in leaks))[:3000]
