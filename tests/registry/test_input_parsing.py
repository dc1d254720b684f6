"""Input is read once (registry.inputs): the API and the pages give the same bad input the same field
code, services take typed values and refuse anything else rather than coerce it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts.selectors import scope_of
from core.errors import DomainError
from core.tenancy import tenant_scope
from registry import inputs
from registry.forms import FilingBasicForm, FilingPremisesForm, StaffForm
from registry.models import Filing, FilingKind, FilingStatus, Institution, InstitutionStatus, Staff
from registry.services import filings as svc
from registry.services.filing_form import FORM_FIELDS
from registry.services.staff import staff_create
from tests.factories import InstitutionFactory, make_id_number, make_ready_filing

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(service_types=["full_day"], total_slots=10)


@pytest.fixture
def operator(make_account, institution):
    return make_account("op_inputs", "operator", institution.uscc)


@pytest.fixture
def filing(institution, operator):
    with tenant_scope(scope_of(operator.active_assignments[0])):
        return svc.filing_create(actor=operator, institution_id=institution.pk)


def api(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def codes(body: dict) -> dict[str, list[str]]:
    return {name: [e["code"] for e in errors] for name, errors in body["fields"].items()}


def reload(pk) -> Filing:
    with scopes_disabled():
        return Filing.objects.get(pk=pk)


# The same bad value through the API's PATCH and through the page's form: the same code.
BAD_INPUT = [
    ("name", "", "required"),
    ("name", "托" * 201, "too_long"),
    ("institution_kind", "nursery", "choice_invalid"),
    ("address", "   ", "required"),
    ("latitude", "91", "value_invalid"),
    ("longitude", "east", "value_invalid"),
    ("contact_phone", "12345", "phone_invalid"),
    ("service_types", ["boarding"], "choice_invalid"),
    ("service_types", [], "required"),
    ("total_slots", "ten", "value_invalid"),
    ("total_slots", "-1", "value_invalid"),
    ("total_slots", "1.5", "value_invalid"),
    ("building_area", "lots", "value_invalid"),
    ("premises_type", "castle", "choice_invalid"),
    ("lease_start", "2026-13-01", "value_invalid"),
    ("lease_end", "31/12/2029", "value_invalid"),
    ("meals_served", "yes", "value_invalid"),
    ("hygiene_evaluation_passed", "maybe", "value_invalid"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD_INPUT)
def test_api_and_page_forms_answer_the_same_code(operator, filing, field, value, code):
    response = api(operator).patch(f"/api/v1/filings/{filing.pk}/", {field: value}, format="json")
    assert response.status_code == 400, response.json()
    assert codes(response.json()) == {field: [code]}
    assert response.json()["message"]

    form_class = FilingBasicForm if field in FilingBasicForm.base_fields else FilingPremisesForm
    form = form_class(data={field: value})
    assert not form.is_valid()
    page_error = form.errors.as_data()[field][0]
    assert page_error.code == code
    assert page_error.messages == [e["message"] for e in response.json()["fields"][field]]
    assert reload(filing.pk).version == filing.version


def test_meals_served_yes_is_refused_by_the_api(operator, filing):
    response = api(operator).patch(f"/api/v1/filings/{filing.pk}/", {"meals_served": "yes"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["meals_served"][0]["code"] == "value_invalid"
    assert reload(filing.pk).meals_served is False
    ok = api(operator).patch(f"/api/v1/filings/{filing.pk}/", {"meals_served": True, "total_slots": "12"},
                             format="json")
    assert ok.status_code == 200, ok.json()
    assert ok.json()["meals_served"] is True and ok.json()["total_slots"] == 12


def test_meals_served_yes_is_a_chinese_field_error_on_the_page(client, operator, filing):
    client.force_login(operator)
    url = reverse("registry:filing_step", args=[filing.pk, "premises"])
    response = client.post(url, {"premises_type": "owned", "meals_served": "yes"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors.as_data()["meals_served"][0].code == "value_invalid"
    assert "应为“是”或“否”" in response.content.decode()
    assert reload(filing.pk).premises_type == ""  # nothing saved
    # A ticked box (the browser sends "on") saves True.
    assert client.post(url, {"premises_type": "owned", "meals_served": "on"}).status_code == 302
    assert reload(filing.pk).meals_served is True


def test_documented_business_codes_still_hold(operator, filing, institution):
    client = api(operator)
    unknown = client.patch(f"/api/v1/filings/{filing.pk}/", {"colour": "red", "name": "新名称"}, format="json")
    assert unknown.status_code == 400 and codes(unknown.json()) == {"colour": ["unknown_field"]}
    kind = client.patch(f"/api/v1/filings/{filing.pk}/", {"termination_date": "2026-01-01"}, format="json")
    assert kind.status_code == 400 and codes(kind.json()) == {"termination_date": ["not_changeable"]}
    order = client.patch(f"/api/v1/filings/{filing.pk}/", {"lease_start": "2026-01-01", "lease_end": "2025-01-01"},
                         format="json")
    assert order.status_code == 400 and codes(order.json()) == {"lease_end": ["date_order"]}
    assert reload(filing.pk).version == filing.version


def test_service_refuses_unparsed_values_instead_of_coercing(operator, filing):
    """Services take typed values: "yes", a date string or a bare number string is an error."""
    with tenant_scope(scope_of(operator.active_assignments[0])), pytest.raises(DomainError) as info:
        svc.filing_update_form(actor=operator, filing_id=filing.pk, data={
            "meals_served": "yes", "lease_start": "2026-01-01", "total_slots": "12", "hygiene_evaluation_passed": 1})
    assert codes(info.value.as_dict()) == {"meals_served": ["value_invalid"], "lease_start": ["value_invalid"],
                                           "total_slots": ["value_invalid"],
                                           "hygiene_evaluation_passed": ["value_invalid"]}
    with tenant_scope(scope_of(operator.active_assignments[0])):
        svc.filing_update_form(actor=operator, filing_id=filing.pk, data=inputs.parse_filing_form({
            "meals_served": "true", "lease_start": "2026-01-01", "total_slots": "12"}))
    saved = reload(filing.pk)
    assert (saved.meals_served, saved.lease_start, saved.total_slots) == (True, dt.date(2026, 1, 1), 12)


def test_a_change_filing_may_touch_only_the_changeable_fields(operator, institution):
    with scopes_disabled():
        accepted = make_ready_filing(institution, status=FilingStatus.ACCEPTED, receipt_no="330106-2025-00001",
                                     decided_at=timezone.now())
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED, current_filing=accepted)
    client = api(operator)
    change = client.post("/api/v1/filings/", {"institution": institution.pk, "kind": FilingKind.CHANGE},
                         format="json").json()
    r = client.patch(f"/api/v1/filings/{change['id']}/", {"fees": {"full_day": 100}, "meals_served": True},
                     format="json")
    assert r.status_code == 400
    assert codes(r.json()) == {"fees": ["not_changeable"], "meals_served": ["not_changeable"]}


# --- staff: a boolean is a boolean ----------------------------------------------------------------------

def staff_body(**overrides) -> dict:
    body = {"name": "赵敏", "id_number": make_id_number(seq=777), "role": "caregiver", "start_date": "2024-09-01",
            "criminal_record_checked": "maybe"}
    body.update(overrides)
    return body


def no_staff() -> bool:
    with scopes_disabled():
        return not Staff.objects.exists()


def test_maybe_is_not_false_in_the_api(operator, institution):
    r = api(operator).post(f"/api/v1/institutions/{institution.pk}/staff/", staff_body(), format="json")
    assert r.status_code == 400
    assert codes(r.json()) == {"criminal_record_checked": ["value_invalid"]}
    assert no_staff()


def test_maybe_is_not_false_on_the_page(client, operator):
    client.force_login(operator)
    body = {**staff_body(), "years_experience": "0", "quals-TOTAL_FORMS": "0", "quals-INITIAL_FORMS": "0"}
    response = client.post(reverse("registry:staff_add"), body)
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["criminal_record_checked"][0].code == "value_invalid"
    assert "应为“是”或“否”" in response.content.decode()
    assert no_staff()
    form = StaffForm(data={**body, "criminal_record_checked": "on"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["criminal_record_checked"] is True


def test_maybe_is_not_false_in_the_service(operator, institution):
    data = {**inputs.parse_staff({**staff_body(), "criminal_record_checked": True}), "criminal_record_checked": "maybe"}
    with tenant_scope(scope_of(operator.active_assignments[0])), pytest.raises(DomainError) as info:
        staff_create(actor=operator, institution_id=institution.pk, data=data)
    assert codes(info.value.as_dict()) == {"criminal_record_checked": ["value_invalid"]}
    assert no_staff()


def test_staff_api_and_page_agree_on_codes(operator, institution):
    bad = {"name": "", "role": "astronaut", "years_experience": "99", "start_date": "2024-02-30",
           "id_number": "110105194912310021"}
    r = api(operator).post(f"/api/v1/institutions/{institution.pk}/staff/", {**staff_body(), **bad,
                                                                          "criminal_record_checked": False},
                           format="json")
    assert r.status_code == 400
    form = StaffForm(data={**staff_body(), **bad, "criminal_record_checked": ""})
    assert not form.is_valid()
    page = {name: [e.code for e in errors] for name, errors in form.errors.as_data().items()}
    assert codes(r.json()) == page == {"name": ["required"], "role": ["choice_invalid"],
                                       "years_experience": ["value_invalid"], "start_date": ["value_invalid"],
                                       "id_number": ["id_number_checksum"]}


def test_the_form_fields_are_one_list():
    from registry.api.serializers import FORM_FIELDS as API_FIELDS

    assert list(inputs.FILING_FORM) == API_FIELDS and set(FORM_FIELDS) == set(inputs.FILING_FORM)
    assert set(FilingBasicForm.base_fields) | set(FilingPremisesForm.base_fields) <= set(inputs.FILING_FORM)
