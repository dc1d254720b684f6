"""The institution's location in the filing: set on a map in the form (coordinates inside China, six
decimals), shown to the reviewer, copied to the institution on accept; a change filing moves it, and the
public search finds it at the new place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from accounts.selectors import scope_of
from core.errors import DomainError
from core.tenancy import tenant_scope
from registry.models import FilingStatus, Institution, InstitutionStatus
from registry.services import filings as svc
from tests.factories import make_ready_filing

pytestmark = pytest.mark.django_db


def as_(user):
    return tenant_scope(scope_of(user.active_assignments[0]))


@pytest.fixture
def filed(institution):
    with scopes_disabled():
        current = make_ready_filing(institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2026-00051",
                                    decided_at=timezone.now(), premises_type="leased",
                                    lease_start=dt.date(2026, 1, 1), lease_end=dt.date(2030, 6, 30),
                                    latitude=Decimal("30.270000"), longitude=Decimal("120.130000"))
        Institution.objects.filter(pk=institution.pk).update(
            status=InstitutionStatus.FILED, current_filing=current, receipt_no=current.receipt_no, total_slots=10,
            latitude=Decimal("30.270000"), longitude=Decimal("120.130000"))
    return current


@pytest.mark.parametrize(("field", "value"), [("latitude", Decimal("60.000000")), ("latitude", Decimal("-30.000000")),
                                              ("longitude", Decimal("150.000000")), ("longitude", Decimal("10.000000"))])
def test_a_point_outside_china_is_refused(filed, institution, operator, field, value):
    with as_(operator):
        change = svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
        with pytest.raises(DomainError) as exc:
            svc.filing_update_form(actor=operator, filing_id=change.pk, data={field: value})
    assert [e.code for e in exc.value.fields[field]] == ["value_invalid"]


def test_the_form_page_has_the_map_picker_and_the_review_page_shows_the_point(filed, institution, operator,
                                                                             reviewer, client):
    with as_(operator):
        change = svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
    client.force_login(operator)
    page = client.get(f"/registry/filings/{change.pk}/edit/basic/").content.decode()
    assert 'id="location-picker"' in page and 'data-lat-input="id_latitude"' in page and "portal/map.js" in page
    client.force_login(reviewer)
    review = client.get(f"/registry/review/{filed.pk}/").content.decode()
    assert 'data-testid="filing-location-map"' in review and 'data-lat="30.270000"' in review


def test_a_change_filing_moves_the_institution_and_its_public_point(filed, institution, operator, reviewer, client):
    with as_(operator):
        change = svc.filing_create(actor=operator, institution_id=institution.pk, kind="change")
        svc.filing_update_form(actor=operator, filing_id=change.pk,
                               data={"latitude": Decimal("30.290000"), "longitude": Decimal("120.160000")})
        svc.filing_sign_commitment(actor=operator, filing_id=change.pk, signer="王园长", ip=None)
        svc.filing_submit(actor=operator, filing_id=change.pk)
    with as_(reviewer):
        svc.filing_accept(actor=reviewer, filing_id=change.pk)
    with scopes_disabled():
        institution.refresh_from_db()
    assert (institution.latitude, institution.longitude) == (Decimal("30.290000"), Decimal("120.160000"))
    near_new = client.get("/api/v1/public/institutions/", {"lat": "30.29", "lng": "120.16", "radius_km": "0.5"})
    assert [r["name"] for r in near_new.json()["results"]] == [institution.name]
    near_old = client.get("/api/v1/public/institutions/", {"lat": "30.27", "lng": "120.13", "radius_km": "0.5"})
    assert near_old.json()["results"] == []
