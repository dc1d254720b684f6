"""A filing's deadlines on the official calendar: provisional and flagged while a year is missing,
counted again when the year is imported (issue: submitted 31 December 2026, 2027 not yet known)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.tenancy import tenant_scope
from core.workdays import CHINA_TZ
from registry.models import Filing
from registry.services import filings as svc
from tests.factories import InstitutionFactory, make_ready_filing

pytestmark = pytest.mark.django_db

WARNING = "2027年的法定节假日安排尚未导入"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def end_of(y, m, d):
    return dt.datetime(y, m, d, 23, 59, 59, tzinfo=CHINA_TZ)


@pytest.fixture
def submitted_on_new_years_eve(regions, make_account, monkeypatch):
    with scopes_disabled():
        institution = InstitutionFactory()
        filing = make_ready_filing(institution)
    operator = make_account("op_nye", "operator", institution.uscc)
    monkeypatch.setattr("django.utils.timezone.now", lambda: dt.datetime(2026, 12, 31, 10, 0, tzinfo=CHINA_TZ))
    with tenant_scope(scope_of(operator.active_assignments[0])):
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    monkeypatch.undo()
    return filing.pk, operator


def reload(pk) -> Filing:
    with scopes_disabled():
        return Filing.objects.get(pk=pk)


def test_without_2027_the_deadlines_are_provisional_and_flagged_on_the_pages(
        submitted_on_new_years_eve, reviewer, client):
    pk, operator = submitted_on_new_years_eve
    filing = reload(pk)
    # Counted Monday-Friday (1 January as a working day), never silently: the pages say so.
    assert (filing.due_at, filing.notice_due_at) == (end_of(2027, 1, 7), end_of(2027, 1, 21))

    client.force_login(reviewer)
    page = client.get(reverse("registry:review_detail", args=[pk])).content.decode()
    assert 'data-testid="calendar-warning"' in page and WARNING in page
    client.force_login(operator)
    assert WARNING in client.get(reverse("registry:filing_detail", args=[pk])).content.decode()


def test_importing_2027_recounts_the_waiting_filing_without_new_years_day(
        submitted_on_new_years_eve, reviewer, client, tmp_path, django_capture_on_commit_callbacks):
    pk, _ = submitted_on_new_years_eve
    notice = tmp_path / "2027.json"
    notice.write_text(json.dumps({"source": "国务院办公厅关于2027年部分节假日安排的通知",
                                  "holidays": [{"name": "元旦", "start": "2027-01-01", "end": "2027-01-03"}]},
                                 ensure_ascii=False), encoding="utf-8")
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_calendar", str(notice), verbosity=0)

    filing = reload(pk)
    # 1 January is a holiday: the five working days are 4-8 January, the fifteen end on 22 January.
    assert (filing.due_at, filing.notice_due_at) == (end_of(2027, 1, 8), end_of(2027, 1, 22))
    client.force_login(reviewer)
    page = client.get(reverse("registry:review_detail", args=[pk])).content.decode()
    assert 'data-testid="calendar-warning"' not in page and WARNING not in page
