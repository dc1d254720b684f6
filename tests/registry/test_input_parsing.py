"""Input is read once (registry.inputs): the API and the pages give the same bad input the same field
code, services take typed values and refuse anything else rather than coerce it — the filing form,
classes and staff; the registration push and a claim's facts; the contact phone; the suspend/resume
reason, the rejection note, the return notice and the commitment; the boolean query filters. The
last two tests fail if any view hands a service the raw body instead of what the parsers read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.test import APIClient

from accounts.selectors import scope_of
from core.errors import DomainError
from core.tenancy import TenantScope, tenant_scope
from registry import inputs
from registry.forms import (
    ClaimForm,
    ClaimRejectForm,
    CommitmentForm,
    FilingBasicForm,
    FilingPremisesForm,
    ReasonForm,
    ReturnForm,
    StaffForm,
)
from registry.limits import MAX_REASON_LENGTH, MAX_RETURN_REASONS
from registry.models import (
    ClaimStatus,
    Filing,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionClaim,
    InstitutionStatus,
    Registration,
    Staff,
)
from registry.services import filings as svc
from registry.services.filing_form import FORM_FIELDS
from registry.services.institutions import institution_claim, institution_resume, institution_update_contact
from registry.services.staff import staff_create
from tests.factories import InstitutionFactory, make_id_number, make_ready_filing, make_uscc


def claim_evidence() -> dict:
    """The claim page's evidence fields (the page asks for the scan with the facts): a fresh upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.e2e.data import pdf_bytes

    return {"evidence_kind": "authorisation_letter",
            "evidence": SimpleUploadedFile("授权委托书.pdf", pdf_bytes("authorisation letter"))}

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


# --- the registration push and a claim's facts: one parser, the push contract's codes ------------------

@pytest.fixture
def authority(make_account):
    return make_account("ra_inputs", "registration_authority", "330106")


@pytest.fixture
def claimant(django_user_model, regions):
    return django_user_model.objects.create_user("claimant_inputs", password="Str0ng!pass#2026")


def token_api(user) -> APIClient:
    from rest_framework.authtoken.models import Token

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def push_body(**overrides) -> dict:
    body = {"uscc": make_uscc("330106", seed=4242), "name": "杭州晨光托育有限公司", "nature": "enterprise",
            "legal_representative": "陈静", "address": "杭州市西湖区古墩路 8 号", "district": "330106002",
            "registered_on": (timezone.localdate() - dt.timedelta(days=9)).isoformat(), "business_scope": "托育服务"}
    body.update(overrides)
    return body


def nothing_registered(code: str) -> bool:
    with scopes_disabled():
        return not Registration.objects.filter(uscc=code).exists() and not Institution.objects.filter(uscc=code).exists()


TOMORROW = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
# (field, bad value, code): parsers first, then the service's rules — the same code whichever way in.
BAD_REGISTRATION = [
    ("name", "", "required"),
    ("name", "托" * 201, "too_long"),
    ("legal_representative", "   ", "required"),
    ("address", "址" * 301, "too_long"),
    ("nature", "foundation", "nature_invalid"),
    ("nature", "", "required"),
    ("district", "33010", "district_invalid"),  # not 6 or 9 digits: the parser
    ("district", "999999", "district_invalid"),  # well formed, no such filing district: the service
    ("registered_on", "09/01/2025", "date_invalid"),
    ("registered_on", "2024-02-30", "date_invalid"),
    ("registered_on", TOMORROW, "date_in_future"),
    ("business_scope", "餐饮服务", "business_scope_missing_childcare"),
]


@pytest.mark.parametrize(("field", "value", "code"), BAD_REGISTRATION)
def test_push_claim_api_and_claim_page_answer_the_same_code(authority, claimant, client, field, value, code):
    push = token_api(authority).post("/api/v1/registrations/", push_body(**{field: value}), format="json")
    assert push.status_code == 400, push.json()
    assert codes(push.json()) == {field: [code]}
    assert push.json()["code"] == (code if code != "required" else "invalid")  # core.api's top-level code
    message = push.json()["fields"][field][0]["message"]

    facts = {k: v for k, v in push_body(**{field: value}).items() if k != "uscc"}
    uscc = make_uscc("330106", seed=4343)
    claim = api(claimant).post("/api/v1/claims/", {"uscc": uscc, "facts": facts}, format="json")
    assert claim.status_code == 400, claim.json()
    assert codes(claim.json()) == {f"facts.{field}": [code]}
    assert claim.json()["fields"][f"facts.{field}"][0]["message"] == message

    client.force_login(claimant)
    page = {"step": "facts", "uscc": uscc, **facts, "province": "330000", "city": "330100", "district": "330106",
            "township": "330106002", **claim_evidence()}
    if field == "district":
        page.update(district=value, township="")
    response = client.post(reverse("registry:claim"), page)
    assert response.status_code == 200
    page_errors = response.context["facts_form"].errors.as_data()
    assert [(e.code, e.messages) for e in page_errors[field]] == [(code, [message])]
    assert nothing_registered(push_body()["uscc"]) and nothing_registered(uscc)


def test_unknown_push_field_is_refused_not_ignored(authority):
    r = token_api(authority).post("/api/v1/registrations/", push_body(remark="备注"), format="json")
    assert r.status_code == 400 and codes(r.json()) == {"remark": ["unknown_field"]}
    missing = token_api(authority).post("/api/v1/registrations/",
                                        {k: v for k, v in push_body().items() if k != "registered_on"}, format="json")
    assert missing.status_code == 400 and codes(missing.json()) == {"registered_on": ["required"]}
    assert nothing_registered(push_body()["uscc"])


def test_push_reads_the_body_once_and_stores_typed_values(authority):
    body = push_body(uscc=push_body()["uscc"].lower(), name="  杭州晨光托育有限公司  ")
    r = token_api(authority).post("/api/v1/registrations/", body, format="json")
    assert r.status_code == 201, r.json()
    with scopes_disabled():
        registration = Registration.objects.get()
    assert registration.uscc == push_body()["uscc"] and registration.name == "杭州晨光托育有限公司"
    assert registration.registered_on == timezone.localdate() - dt.timedelta(days=9)


def test_push_service_refuses_the_raw_body(authority):
    """The service takes typed values: a date string or a lower-case code is an error, not coerced."""
    from registry.services.institutions import registration_push

    raw = push_body(uscc=push_body()["uscc"].lower())
    with tenant_scope(scope_of(authority.active_assignments[0])), pytest.raises(DomainError) as info:
        registration_push(actor=authority, data=raw)
    assert codes(info.value.as_dict()) == {"uscc": ["value_invalid"], "registered_on": ["value_invalid"]}
    assert nothing_registered(push_body()["uscc"])
    with tenant_scope(scope_of(authority.active_assignments[0])):
        registration, created = registration_push(actor=authority, data=inputs.parse_registration(raw))
    assert created and registration.uscc == push_body()["uscc"]


def test_a_claim_by_a_lower_case_code_finds_the_institution(claimant, institution, client):
    r = api(claimant).post("/api/v1/claims/", {"uscc": institution.uscc.lower()}, format="json")
    assert r.status_code == 201, r.json()
    assert r.json()["institution"] == institution.pk
    bad = api(claimant).post("/api/v1/claims/", {"uscc": institution.uscc[:17] + "Z"}, format="json")
    form = ClaimForm(data={"uscc": institution.uscc[:17] + "Z"})
    assert not form.is_valid()
    assert codes(bad.json()) == {"uscc": ["uscc_charset"]}
    assert [e.code for e in form.errors.as_data()["uscc"]] == ["uscc_charset"]
    with tenant_scope(TenantScope.nothing()), pytest.raises(DomainError) as info:
        institution_claim(actor=claimant, uscc=institution.uscc.lower())  # unparsed: refused
    assert codes(info.value.as_dict()) == {"uscc": ["value_invalid"]}


# --- contact phone, reasons, rejection note, return notice, commitment ----------------------------------

def test_contact_phone_same_code_on_api_page_and_service(operator, institution, client):
    r = api(operator).post(f"/api/v1/institutions/{institution.pk}/contact/", {"contact_phone": "12345"},
                           format="json")
    assert r.status_code == 400 and codes(r.json()) == {"contact_phone": ["phone_invalid"]}
    client.force_login(operator)
    page = client.post(reverse("registry:contact_update"), {"contact_phone": "12345"})
    [error] = page.context["contact_form"].errors.as_data()["contact_phone"]
    assert (error.code, error.messages) == ("phone_invalid", [r.json()["fields"]["contact_phone"][0]["message"]])
    missing = api(operator).post(f"/api/v1/institutions/{institution.pk}/contact/", {}, format="json")
    assert codes(missing.json()) == {"contact_phone": ["required"]}
    ok = api(operator).post(f"/api/v1/institutions/{institution.pk}/contact/",
                            {"contact_phone": "+86 138-0013-8000"}, format="json")
    assert ok.status_code == 200 and ok.json()["contact_phone"] == "13800138000"
    with tenant_scope(scope_of(operator.active_assignments[0])), pytest.raises(DomainError) as info:
        institution_update_contact(actor=operator, institution_id=institution.pk,
                                   data={"contact_phone": "+86 139-0013-9000"})
    assert codes(info.value.as_dict()) == {"contact_phone": ["value_invalid"]}


@pytest.fixture
def filed(institution):
    with scopes_disabled():
        Institution.objects.filter(pk=institution.pk).update(status=InstitutionStatus.FILED)
    return institution


@pytest.mark.parametrize(("body", "code"), [
    ({}, "reason_required"), ({"reason": ""}, "reason_required"), ({"reason": "   "}, "reason_required"),
    ({"reason": "长" * 301}, "reason_too_long"), ({"reason": 42}, "value_invalid"),
])
def test_suspend_reason_same_code_on_api_and_page(reviewer, filed, client, body, code):
    r = api(reviewer).post(f"/api/v1/institutions/{filed.pk}/suspend/", body, format="json")
    assert r.status_code == 400 and codes(r.json()) == {"reason": [code]}
    message = r.json()["fields"]["reason"][0]["message"]
    if not isinstance(body.get("reason", ""), str):
        return  # a form posts text only
    form = ReasonForm(data=body)
    assert not form.is_valid()
    assert [(e.code, e.messages) for e in form.errors.as_data()["reason"]] == [(code, [message])]
    client.force_login(reviewer)
    page = client.post(reverse("registry:institution_suspend", args=[filed.pk]), body, follow=True)
    assert message in [str(m) for m in page.context["messages"]]
    with scopes_disabled():
        assert Institution.objects.get(pk=filed.pk).status == InstitutionStatus.FILED


def test_a_suspend_reason_is_stored_stripped_and_the_service_takes_it_typed(reviewer, filed):
    r = api(reviewer).post(f"/api/v1/institutions/{filed.pk}/suspend/", {"reason": "  疏散通道堵塞  "}, format="json")
    assert r.status_code == 200, r.json()
    with scopes_disabled():
        event = Institution.objects.get(pk=filed.pk).audit_events.filter(pgh_label="update").latest("pgh_id")
    assert event.pgh_context.metadata["reason"] == "疏散通道堵塞"
    with tenant_scope(scope_of(reviewer.active_assignments[0])), pytest.raises(DomainError) as info:
        institution_resume(actor=reviewer, institution_id=filed.pk, reason="  整改完成  ")
    assert codes(info.value.as_dict()) == {"reason": ["value_invalid"]}


@pytest.fixture
def pending_claim(claimant, institution):
    with tenant_scope(TenantScope.nothing()):
        return institution_claim(actor=claimant, uscc=institution.uscc)


@pytest.mark.parametrize("body", [{}, {"note": ""}, {"note": "  "}])
def test_claim_reject_note_same_code_on_api_and_page(reviewer, pending_claim, client, body):
    r = api(reviewer).post(f"/api/v1/claims/{pending_claim.pk}/reject/", body, format="json")
    assert r.status_code == 400 and codes(r.json()) == {"note": ["note_required"]}
    message = r.json()["fields"]["note"][0]["message"]
    form = ClaimRejectForm(data=body)
    assert not form.is_valid()
    assert [(e.code, e.messages) for e in form.errors.as_data()["note"]] == [("note_required", [message])]
    client.force_login(reviewer)
    page = client.post(reverse("registry:claim_reject", args=[pending_claim.pk]), body, follow=True)
    assert message in [str(m) for m in page.context["messages"]]
    with scopes_disabled():
        assert InstitutionClaim.objects.get(pk=pending_claim.pk).status == ClaimStatus.PENDING


@pytest.fixture
def submitted(institution):
    with scopes_disabled():
        return make_ready_filing(institution, status=FilingStatus.SUBMITTED)


@pytest.mark.parametrize(("reasons", "field", "code"), [
    (["补正"] * (MAX_RETURN_REASONS + 1), "reasons", "max_length"),
    (["消防证明模糊", "长" * (MAX_REASON_LENGTH + 1)], "reasons[1]", "too_long"),
])
def test_return_reasons_same_code_on_api_and_page(reviewer, submitted, reasons, field, code):
    r = api(reviewer).post(f"/api/v1/filings/{submitted.pk}/return/", {"reasons": reasons}, format="json")
    assert r.status_code == 400 and codes(r.json()) == {field: [code]}
    form = ReturnForm(data={"reasons": "\n".join(reasons), "version": submitted.version})
    assert not form.is_valid()
    assert [e.code for e in form.errors.as_data()["reasons"]] == [code]
    with scopes_disabled():
        assert Filing.objects.get(pk=submitted.pk).status == FilingStatus.SUBMITTED


def test_return_reasons_blank_items_dropped_alike_and_nothing_at_all_is_refused_alike(reviewer, submitted, client):
    form = ReturnForm(data={"reasons": "消防证明模糊\n\n  \n租赁合同缺少盖章页", "version": submitted.version})
    assert form.is_valid() and form.cleaned_data["reasons"] == ["消防证明模糊", "租赁合同缺少盖章页"]
    assert inputs.parse_return({"reasons": ["消防证明模糊", " ", "租赁合同缺少盖章页"]}) == {
        "reasons": form.cleaned_data["reasons"]}
    # No item and every check passing: the service refuses it, on the API and on the page alike.
    empty = api(reviewer).post(f"/api/v1/filings/{submitted.pk}/return/", {"reasons": [" "]}, format="json")
    assert empty.status_code == 400 and empty.json()["code"] == "reasons_required"
    client.force_login(reviewer)
    page = client.post(reverse("registry:review_return", args=[submitted.pk]),
                       {"reasons": "\n \n", "version": submitted.version}, follow=True)
    assert empty.json()["message"] in [str(m) for m in page.context["messages"]]
    with tenant_scope(scope_of(reviewer.active_assignments[0])), pytest.raises(DomainError) as info:
        svc.filing_return(actor=reviewer, filing_id=submitted.pk, reasons=["消防证明模糊", " "])  # unparsed
    assert codes(info.value.as_dict()) == {"reasons": ["value_invalid"]}
    with scopes_disabled():
        assert Filing.objects.get(pk=submitted.pk).status == FilingStatus.SUBMITTED


def test_commitment_signer_same_code_and_a_maybe_box_is_not_ticked(operator, filing, client):
    r = api(operator).post(f"/api/v1/filings/{filing.pk}/commitment/", {"signer": "  "}, format="json")
    assert r.status_code == 400 and codes(r.json()) == {"signer": ["required"]}
    form = CommitmentForm(data={"signer": "  ", "agree": "on"})
    assert not form.is_valid() and [e.code for e in form.errors.as_data()["signer"]] == ["required"]
    maybe = CommitmentForm(data={"signer": "王园长", "agree": "maybe"})  # Django's BooleanField said True
    assert not maybe.is_valid() and [e.code for e in maybe.errors.as_data()["agree"]] == ["value_invalid"]
    client.force_login(operator)
    page = client.post(reverse("registry:filing_step", args=[filing.pk, "commitment"]),
                       {"signer": "王园长", "agree": "maybe"})
    assert page.status_code == 200 and not reload(filing.pk).commitment_signer
    assert CommitmentForm(data={"signer": "王园长"}).errors.as_data()["agree"][0].code == "required"
    assert CommitmentForm(data={"signer": "王园长", "agree": "on"}).is_valid()


def test_filing_kind_is_parsed_not_a_drf_code(operator, institution):
    r = api(operator).post("/api/v1/filings/", {"institution": institution.pk, "kind": "nursery"}, format="json")
    assert r.status_code == 400 and codes(r.json()) == {"kind": ["choice_invalid"]}
    ok = api(operator).post("/api/v1/filings/", {"institution": str(institution.pk)}, format="json")
    assert ok.status_code == 201 and ok.json()["kind"] == "initial"


@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/filings/", "overdue"), ("/api/v1/registrations/", "filed"),
    ("/api/v1/institutions/{id}/staff/", "health_certificate_expired"), ("/api/v1/institutions/{id}/staff/", "has_conflict"),
])
def test_a_boolean_filter_refuses_maybe_instead_of_dropping_it(reviewer, institution, path, name):
    client = api(reviewer)
    url = path.format(id=institution.pk)
    bad = client.get(url, {name: "maybe"})
    assert bad.status_code == 400 and codes(bad.json()) == {name: ["value_invalid"]}
    for value in ("true", "false", "1", "0", ""):
        assert client.get(url, {name: value}).status_code == 200, value


# --- the raw body never reaches a service -----------------------------------------------------------------

class Spied(Exception):
    pass


@pytest.fixture
def spy(monkeypatch):
    """Replace a service (where a view looks it up) by a recorder: the view's call is kept, then a
    DomainError (418) ends the request, so nothing is written."""
    seen: dict = {}

    def install(module, name):
        def record(**kwargs):
            seen.update(kwargs)
            raise DomainError("spied", "spied", status_code=418)

        monkeypatch.setattr(module, name, record)
        return seen

    return install


def _typed(table, values: dict) -> bool:
    """What a service got is exactly what the parsers return (a raw string would differ)."""
    from core.inputs import check_parsed

    assert check_parsed(table, values) == {}, values
    return True


def test_no_api_view_hands_the_raw_body_to_a_service(spy, authority, claimant, operator, reviewer, institution, filing):
    from registry.api import views

    raw_date = "2025-09-01"
    cases = [
        (authority, "post", "/api/v1/registrations/", push_body(uscc=push_body()["uscc"].lower(), registered_on=raw_date),
         views.institution_services, "registration_push",
         lambda kw: (_typed(inputs.REGISTRATION, kw["data"]), kw["data"]["registered_on"] == dt.date(2025, 9, 1))),
        (claimant, "post", "/api/v1/claims/",
         {"uscc": make_uscc("330106", seed=5151).lower(),
          "facts": {k: v for k, v in push_body(registered_on=raw_date).items() if k != "uscc"}},
         views.institution_services, "institution_claim",
         lambda kw: (_typed(inputs.CLAIM, {"uscc": kw["uscc"], "facts": kw["facts"]}),
                     kw["facts"]["registered_on"] == dt.date(2025, 9, 1))),
        (operator, "post", f"/api/v1/institutions/{institution.pk}/contact/", {"contact_phone": "+86 13800138000"},
         views.institution_services, "institution_update_contact",
         lambda kw: (_typed(inputs.CONTACT, kw["data"]), kw["data"]["contact_phone"] == "13800138000")),
        (reviewer, "post", f"/api/v1/institutions/{institution.pk}/suspend/", {"reason": " 整改 "},
         views.institution_services, "institution_suspend", lambda kw: (kw["reason"] == "整改",)),
        (reviewer, "post", f"/api/v1/filings/{filing.pk}/return/", {"reasons": [" 补正 ", ""], "expected_version": "1"},
         views.filing_services, "filing_return",
         lambda kw: (kw["reasons"] == ["补正"], kw["expected_version"] == 1)),
        (operator, "post", f"/api/v1/filings/{filing.pk}/commitment/", {"signer": " 王园长 "},
         views.filing_services, "filing_sign_commitment", lambda kw: (kw["signer"] == "王园长",)),
        (operator, "patch", f"/api/v1/filings/{filing.pk}/", {"meals_served": "true", "lease_start": raw_date,
                                                               "total_slots": "12"},
         views.filing_services, "filing_update_form",
         lambda kw: (_typed(inputs.FILING_FORM, kw["data"]), kw["data"]["total_slots"] == 12)),
        (operator, "put", f"/api/v1/filings/{filing.pk}/classes/",
         {"classes": [{"class_type": "toddler", "planned_children": "10", "carers": "2"}]},
         views.filing_services, "filing_set_classes",
         lambda kw: (_typed(inputs.CLASSES, {"classes": kw["classes"]}), kw["classes"][0]["planned_children"] == 10)),
        (operator, "post", f"/api/v1/institutions/{institution.pk}/staff/",
         {**staff_body(), "criminal_record_checked": "true"}, views.staff_services, "staff_create",
         lambda kw: (_typed(inputs.STAFF, kw["data"]), kw["data"]["criminal_record_checked"] is True)),
    ]
    for user, method, url, body, module, name, check in cases:
        seen = spy(module, name)
        response = getattr(api(user) if user is not authority else token_api(user), method)(url, body, format="json")
        assert response.status_code == 418, (url, response.json())
        assert all(check(seen)), (url, seen)
        seen.clear()


def test_no_page_hands_the_raw_post_to_a_service(spy, claimant, operator, reviewer, institution, filing, client):
    from registry.views import institutions as commission_pages
    from registry.views import operator as operator_pages
    from registry.views import review as review_pages

    uscc = make_uscc("330106", seed=5252)
    facts = {k: v for k, v in push_body(registered_on="2025-09-01").items() if k != "uscc"}
    cases = [
        (claimant, reverse("registry:claim"),
         {"step": "facts", "uscc": uscc.lower(), **facts, "province": "330000", "city": "330100", "district": "330106",
          "township": "330106002", **claim_evidence()},
         operator_pages, "institution_claim",
         lambda kw: (_typed(inputs.CLAIM, {"uscc": kw["uscc"], "facts": kw["facts"]}), kw["uscc"] == uscc,
                     kw["facts"]["district"] == "330106002")),
        (operator, reverse("registry:contact_update"), {"contact_phone": "+86 13800138000"},
         operator_pages, "institution_update_contact", lambda kw: (_typed(inputs.CONTACT, kw["data"]),)),
        (reviewer, reverse("registry:institution_suspend", args=[institution.pk]), {"reason": " 整改 "},
         commission_pages, "institution_suspend", lambda kw: (kw["reason"] == "整改",)),
        (reviewer, reverse("registry:review_return", args=[filing.pk]),
         {"reasons": " 补正 \n\n", "version": str(filing.version)},
         review_pages, "filing_return", lambda kw: (kw["reasons"] == ["补正"],)),
    ]
    for user, url, body, module, name, check in cases:
        seen = spy(module, name)
        client.force_login(user)
        client.post(url, body)
        assert seen, url
        assert all(check(seen)), (url, seen)
        seen.clear()


# --- the class page reads its rows with the API's parsers --------------------------------------------------

@pytest.mark.parametrize(("cell", "value", "code"), [
    ("class_type", "nursery", "choice_invalid"), ("planned_children", "0", "value_invalid"),
    ("planned_children", "101", "value_invalid"), ("carers", "two", "value_invalid"), ("carers", "", "required"),
    ("min_age_months", "37", "value_invalid"), ("name", "班" * 65, "too_long"),
])
def test_class_rows_same_code_on_api_and_page(operator, filing, client, cell, value, code):
    row = {"name": "小一班", "class_type": "infant", "planned_children": "10", "carers": "4", cell: value}
    r = api(operator).put(f"/api/v1/filings/{filing.pk}/classes/", {"classes": [row]}, format="json")
    assert r.status_code == 400 and codes(r.json()) == {f"classes[0].{cell}": [code]}
    client.force_login(operator)
    post = {"classes-TOTAL_FORMS": "1", "classes-INITIAL_FORMS": "0",
            **{f"classes-0-{k}": v for k, v in row.items()}}
    page = client.post(reverse("registry:filing_step", args=[filing.pk, "classes"]), post)
    assert page.status_code == 200
    [form] = page.context["formset"].forms
    assert [(e.code, e.messages) for e in form.errors.as_data()[cell]] == [
        (code, [r.json()["fields"][f"classes[0].{cell}"][0]["message"]])]
    with scopes_disabled():
        assert not Filing.objects.get(pk=filing.pk).classes.exists()


def test_an_untouched_extra_class_row_is_no_class(operator, filing, client):
    """The extra row the page offers (class type "—", every cell empty) is left out, as the page says
    ("多余的空行可留空"), instead of failing as a half-filled class (test_operator_pages: a row with
    only its type chosen is half-filled, and refused)."""
    client.force_login(operator)
    post = {"classes-TOTAL_FORMS": "2", "classes-INITIAL_FORMS": "0", "classes-0-class_type": "infant",
            "classes-0-planned_children": "10", "classes-0-carers": "4", "classes-1-class_type": "",
            "classes-1-planned_children": "", "classes-1-carers": "", "save_only": "1"}
    assert client.post(reverse("registry:filing_step", args=[filing.pk, "classes"]), post).status_code == 302
    with scopes_disabled():
        assert list(Filing.objects.get(pk=filing.pk).classes.values_list("planned_children", flat=True)) == [10]


def test_a_forged_page_version_is_refused_not_dropped(operator, institution, client):
    """The hidden version is the optimistic lock: "abc" used to read as "no version" (no check)."""
    with scopes_disabled():
        filing = make_ready_filing(institution)
    client.force_login(operator)
    url = reverse("registry:filing_submit", args=[filing.pk])
    api_answer = api(operator).post(f"/api/v1/filings/{filing.pk}/submit/", {"expected_version": "abc"}, format="json")
    assert api_answer.status_code == 400 and codes(api_answer.json()) == {"expected_version": ["value_invalid"]}
    page = client.post(url, {"version": "abc"}, follow=True)
    assert reload(filing.pk).status == FilingStatus.DRAFT
    assert any("提交的数据有误" in str(m) for m in page.context["messages"])
    assert ReturnForm(data={"reasons": "补正", "version": "abc"}).errors.as_data()["version"][0].code == "value_invalid"
    assert client.post(url, {"version": str(filing.version)}).status_code == 302
    assert reload(filing.pk).status == FilingStatus.SUBMITTED
