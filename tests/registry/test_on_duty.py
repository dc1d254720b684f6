""""On duty" has one meaning everywhere: started on or before the day, not ended before it.

Three people — A with no end date, B leaving in 10 days, C starting in 30 days — and every view
that counts the roster: the filing checks (and the snapshot a submission stores), the operator's
roster page, the staff API and selector, the operator's home page. Each shows A and B, never C.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts.selectors import scope_of
from core.tenancy import tenant_scope
from registry.models import Filing, Staff, StaffStatus
from registry.selectors.filings import filing_effective_day, filing_roster
from registry.selectors.institutions import staff_list
from registry.services import filings as svc
from tests.factories import (
    FilingFactory,
    InstitutionFactory,
    StaffFactory,
    add_qualification,
    make_id_number,
    make_ready_filing,
)

pytestmark = pytest.mark.django_db

A, B, C = "甲在职", "乙将离职", "丙待入职"


def days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        institution = InstitutionFactory(service_types=["full_day"], total_slots=10)
        filing = make_ready_filing(institution)  # a complete roster, so the filing can be submitted
        # Qualified carers (the caregiver certificate rule), so only the roster's counting is under test.
        add_qualification(StaffFactory(institution=institution, name=A, start_date=days(-100),
                                       id_number=make_id_number(seq=901)), "childcare")
        add_qualification(StaffFactory(institution=institution, name=B, start_date=days(-100), end_date=days(10),
                                       id_number=make_id_number(seq=902)), "childcare")
        StaffFactory(institution=institution, name=C, start_date=days(30), id_number=make_id_number(seq=903))
        StaffFactory(institution=institution, name="丁已离职", start_date=days(-300), end_date=days(-1),
                     id_number=make_id_number(seq=904))
        institution.ready_filing_id = filing.pk
    return institution


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_on_duty", "operator", institution.uscc)


def on_duty_names(institution) -> set[str]:
    with scopes_disabled():
        return set(Staff.objects.filter(institution=institution).on_duty().values_list("name", flat=True))


def test_the_definition(institution):
    names = on_duty_names(institution)
    assert {A, B} <= names and not {C, "丁已离职"} & names
    with scopes_disabled():
        people = {s.name: s for s in Staff.objects.filter(name__in=[A, B, C, "丁已离职"])}
        assert set(Staff.objects.upcoming().values_list("name", flat=True)) == {C}
        assert set(Staff.objects.ended().values_list("name", flat=True)) == {"丁已离职"}
        # B is on duty on the last day (end dates are inclusive) and not the day after; C from day 30.
        assert B in set(Staff.objects.on_duty(days(10)).values_list("name", flat=True))
        assert B not in set(Staff.objects.on_duty(days(11)).values_list("name", flat=True))
        assert C in set(Staff.objects.on_duty(days(30)).values_list("name", flat=True))
    assert [people[n].status_on() for n in (A, B, C, "丁已离职")] == [
        StaffStatus.ON_DUTY, StaffStatus.ON_DUTY, StaffStatus.UPCOMING, StaffStatus.ENDED]
    assert people[C].status_on(days(30)) == StaffStatus.ON_DUTY


def test_filing_checks_and_the_submitted_snapshot_count_a_and_b(institution, operator):
    expected = on_duty_names(institution)
    with tenant_scope(scope_of(operator.active_assignments[0])):
        filing = Filing.objects.get(pk=institution.ready_filing_id)
        facts = svc.build_facts(filing)
        caregivers = [c for c in svc.filing_run_checks(filing=filing) if c["code"] == "caregivers_on_roster"]
        svc.filing_submit(actor=operator, filing_id=filing.pk)
    assert {s.name for s in facts.staff} == expected
    on_roster = sum(1 for s in facts.staff if s.role == "caregiver")
    assert f"在职保育人员 {on_roster} 名" in caregivers[0]["reason"]
    with scopes_disabled():
        snapshot = {row["name"] for row in Filing.objects.get(pk=filing.pk).staff_snapshot}
    assert snapshot == expected


def test_operator_roster_page_shows_a_and_b_on_duty_and_c_apart(client, institution, operator):
    client.force_login(operator)
    html = client.get(reverse("registry:staff_list")).content.decode()

    def names(testid):
        return {chunk.split("<td>", 1)[1].split("<", 1)[0].strip() for chunk in html.split(f'data-testid="{testid}"')[1:]}

    assert names("staff-row") == on_duty_names(institution)
    assert names("upcoming-staff-row") == {C}
    every = client.get(reverse("registry:staff_list") + "?all=1").content.decode()
    assert {A, B, C, "丁已离职"} <= {chunk.split("<td>", 1)[1].split("<", 1)[0].strip()
                                   for chunk in every.split('data-testid="staff-row"')[1:]}


def test_staff_api_and_selector_list_a_and_b_as_active(institution, operator):
    client = APIClient()
    client.force_login(operator)
    response = client.get(f"/api/v1/institutions/{institution.pk}/staff/?status=active&page_size=200")
    assert response.status_code == 200
    assert {r["name"] for r in response.json()["results"]} == on_duty_names(institution)
    upcoming = client.get(f"/api/v1/institutions/{institution.pk}/staff/?status=upcoming").json()["results"]
    assert [r["name"] for r in upcoming] == [C]
    with tenant_scope(scope_of(operator.active_assignments[0])):
        assert {s.name for s in staff_list(institution_id=institution.pk, status=StaffStatus.ON_DUTY)} == \
            on_duty_names(institution)


def test_operator_home_page_counts_a_and_b(client, institution, operator):
    client.force_login(operator)
    html = client.get(reverse("registry:operator_home")).content.decode()
    count = re.search(r'data-testid="stat-staff">(\d+)<', html)
    assert count and int(count[1]) == len(on_duty_names(institution))


def test_a_future_termination_counts_the_staff_on_duty_on_its_termination_date(institution):
    """A termination takes effect on its date: B has left by then, C has started."""
    with scopes_disabled():
        today = timezone.localdate()
        termination = FilingFactory(institution=institution, kind="termination", termination_date=days(40))
        assert filing_effective_day(termination, today) == days(40)
        names = {s.name for s in filing_roster(filing=termination)}
        assert A in names and C in names and B not in names
        termination.termination_date = days(-3)  # a past date takes effect at once: today
        assert filing_effective_day(termination, today) == today
        assert {A, B} <= {s.name for s in filing_roster(filing=termination)}
        change = FilingFactory(institution=institution, kind="change")
        assert filing_effective_day(change, today) == today
