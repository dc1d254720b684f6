"""The requests that found the registry's remaining holes, each answered as it should be now:
size caps on every write, read-only fields, upload names, the machine account's reach, the claim
lookup of a home daycare, and files under MEDIA_ROOT never served as files."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.limits import MAX_ACTIVE_STAFF, MAX_CLASSES, MAX_QUALIFICATIONS, MAX_RETURN_REASONS
from registry.models import Filing, FilingClass, FilingDocument, FilingStatus, InstitutionKind, Staff
from tests.factories import (
    FilingFactory,
    InstitutionFactory,
    StaffFactory,
    make_id_number,
    make_ready_filing,
    make_uscc,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def xihu(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330106", seed=601), service_types=["full_day"], total_slots=10)


@pytest.fixture
def op(make_account, xihu):
    return make_account("op_hard", "operator", xihu.uscc)


@pytest.fixture
def draft(xihu):
    with scopes_disabled():
        return FilingFactory(institution=xihu)


def token(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


# --- size caps -------------------------------------------------------------------------------------

def test_put_of_20000_classes_is_refused_at_once(op, draft):
    classes = [{"class_type": "toddler", "planned_children": 10, "carers": 2, "name": f"班{i}"} for i in range(20000)]
    response = token(op).put(f"/api/v1/filings/{draft.pk}/classes/", {"classes": classes}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert "classes" in body["fields"] and body["fields"]["classes"][0]["code"] == "max_length"
    with scopes_disabled():
        assert not FilingClass.objects.filter(filing=draft).exists()


def test_the_class_cap_holds_in_the_service_and_allows_the_limit(op, draft):
    classes = [{"class_type": "toddler", "planned_children": 10, "carers": 2} for _ in range(MAX_CLASSES)]
    assert token(op).put(f"/api/v1/filings/{draft.pk}/classes/", {"classes": classes},
                         format="json").status_code == 200
    from core.errors import DomainError
    from core.tenancy import TenantScope, tenant_scope
    from registry.services.filings import filing_set_classes

    with tenant_scope(TenantScope.for_institutions([draft.institution_id])), pytest.raises(DomainError) as exc:
        filing_set_classes(actor=op, filing_id=draft.pk, classes=[*classes, classes[0]])
    assert exc.value.code == "too_many_classes"


def test_the_class_page_refuses_more_than_the_cap(client, op, draft):
    data = {"classes-TOTAL_FORMS": str(MAX_CLASSES + 1), "classes-INITIAL_FORMS": "0"}
    for i in range(MAX_CLASSES + 1):
        data.update({f"classes-{i}-class_type": "toddler", f"classes-{i}-planned_children": "10",
                     f"classes-{i}-carers": "2", f"classes-{i}-name": f"班{i}"})
    client.force_login(op)
    response = client.post(reverse("registry:filing_step", args=[draft.pk, "classes"]), data)
    assert response.status_code == 200
    with scopes_disabled():
        assert not FilingClass.objects.filter(filing=draft).exists()


def test_a_staff_member_with_too_many_certificates_is_refused(op, xihu):
    body = {"name": "王小丽", "id_number": make_id_number(seq=601), "role": "caregiver",
            "start_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat(),
            "qualifications": [{"type": "childcare", "number": f"N{i}"} for i in range(MAX_QUALIFICATIONS + 1)]}
    response = token(op).post(f"/api/v1/institutions/{xihu.pk}/staff/", body, format="json")
    assert response.status_code == 400 and "qualifications" in response.json()["fields"]
    with scopes_disabled():
        assert not Staff.objects.filter(institution=xihu).exists()


def test_the_roster_is_capped(op, xihu, settings, monkeypatch):
    import registry.services.staff as staff_services

    monkeypatch.setattr(staff_services, "MAX_ACTIVE_STAFF", 3)
    with scopes_disabled():
        for _ in range(3):
            StaffFactory(institution=xihu)
    body = {"name": "第四人", "id_number": make_id_number(seq=602), "role": "caregiver",
            "start_date": (timezone.localdate() - dt.timedelta(days=5)).isoformat()}
    response = token(op).post(f"/api/v1/institutions/{xihu.pk}/staff/", body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "too_many_staff"
    assert MAX_ACTIVE_STAFF >= 100


def test_a_return_with_too_many_reasons_is_refused(reviewer, xihu):
    with scopes_disabled():
        filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
    response = token(reviewer).post(f"/api/v1/filings/{filing.pk}/return/",
                                    {"reasons": ["补正"] * (MAX_RETURN_REASONS + 1)}, format="json")
    assert response.status_code == 400 and "reasons" in response.json()["fields"]
    with scopes_disabled():
        assert Filing.objects.get(pk=filing.pk).status == FilingStatus.SUBMITTED


def test_uploads_per_filing_are_capped(op, draft, monkeypatch):
    import registry.services.documents as documents

    monkeypatch.setattr(documents, "MAX_DOCUMENTS_PER_FILING", 2)
    client = token(op)
    for i in range(2):
        assert client.post(f"/api/v1/filings/{draft.pk}/documents/", {
            "doc_type": "other", "file": SimpleUploadedFile(f"{i}.pdf", PDF)}, format="multipart").status_code == 201
    third = client.post(f"/api/v1/filings/{draft.pk}/documents/", {
        "doc_type": "other", "file": SimpleUploadedFile("3.pdf", PDF)}, format="multipart")
    assert third.status_code == 400 and third.json()["code"] == "too_many_documents"


def test_api_pages_are_bounded(reviewer, regions):
    response = token(reviewer).get("/api/v1/regions/", {"page_size": 100000})
    assert response.status_code == 200
    assert len(response.json()["results"]) <= 200


# --- read-only fields, upload names, empty files ----------------------------------------------------

@pytest.mark.parametrize("field, value", [("status", "accepted"), ("receipt_no", "330106-2026-99999"),
                                          ("version", 99)])
def test_patch_of_a_read_only_field_is_an_error_not_ignored(op, draft, field, value):
    response = token(op).patch(f"/api/v1/filings/{draft.pk}/", {field: value, "total_slots": 20}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"][field][0]["code"] == "read_only"
    with scopes_disabled():
        draft.refresh_from_db()
    assert draft.status == FilingStatus.DRAFT and not draft.receipt_no and draft.total_slots == 10


def test_patch_of_an_unknown_field_is_unknown_field(op, draft):
    response = token(op).patch(f"/api/v1/filings/{draft.pk}/", {"colour": "red"}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "unknown_field"
    assert response.json()["fields"]["colour"][0]["code"] == "unknown_field"


def test_an_upload_name_loses_its_right_to_left_override(op, draft):
    name = "营业执照\u202efdp.exe"
    response = token(op).post(f"/api/v1/filings/{draft.pk}/documents/", {
        "doc_type": "business_licence", "file": SimpleUploadedFile(name, PDF)}, format="multipart")
    assert response.status_code == 201, response.json()
    shown = response.json()["original_name"]
    assert "\u202e" not in shown and shown == "营业执照fdp.exe"
    download = token(op).get(response.json()["download_url"])
    assert "\u202e" not in download["Content-Disposition"]


def test_an_empty_upload_answers_document_empty_as_documented(op, draft):
    response = token(op).post(f"/api/v1/filings/{draft.pk}/documents/", {
        "doc_type": "business_licence", "file": SimpleUploadedFile("empty.pdf", b"")}, format="multipart")
    assert response.status_code == 400 and response.json()["code"] == "document_empty"


# --- the registration authority's machine account -----------------------------------------------------

def test_the_machine_account_reaches_its_registrations_and_nothing_else(make_account, xihu, op, reviewer):
    machine = make_account("ra_reach", "registration_authority", "330106")
    with scopes_disabled():
        filing = make_ready_filing(xihu, status=FilingStatus.SUBMITTED)
        staff = Staff.objects.filter(institution=xihu).first()
        document = FilingDocument.objects.filter(filing=filing).first()
    client = token(machine)
    assert client.get("/api/v1/registrations/").status_code == 200
    assert client.get("/api/v1/regions/?parent=330100").status_code == 200
    refused = [f"/api/v1/institutions/{xihu.pk}/staff/", f"/api/v1/institutions/{xihu.pk}/staff/{staff.pk}/",
               f"/api/v1/filings/{filing.pk}/documents/{document.pk}/", f"/api/v1/filings/{filing.pk}/receipt.pdf",
               f"/api/v1/filings/{filing.pk}/", "/api/v1/filings/", "/api/v1/institutions/", "/api/v1/claims/",
               "/api/v1/staff-conflicts/", f"/api/v1/institutions/{xihu.pk}/"]
    for path in refused:
        response = client.get(path)
        assert response.status_code == 403, path
        assert response.json()["code"] == "permission_denied", path
    reveal = client.post(f"/api/v1/institutions/{xihu.pk}/staff/{staff.pk}/reveal/")
    assert reveal.status_code == 403


def test_the_machine_account_has_no_pages_even_with_a_session(client, make_account):
    machine = make_account("ra_pages", "registration_authority", "330106")
    client.force_login(machine)
    for path in ("/", "/registry/institutions/", "/registry/claim/", "/admin/"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "接口账号" in response.content.decode()


# --- the claim lookup of a home daycare ------------------------------------------------------------------

def test_the_claim_lookup_does_not_show_a_home_daycares_keeper_and_address(client, regions, django_user_model):
    with scopes_disabled():
        home = InstitutionFactory(uscc=make_uscc("330106", seed=602), kind=InstitutionKind.HOME_DAYCARE,
                                  legal_representative="陈静", address="杭州市西湖区某小区 3 幢 2 单元 501 室")
    stranger = django_user_model.objects.create_user("stranger", password="Passw0rd!2026")
    client.force_login(stranger)
    page = client.post(reverse("registry:claim"), {"step": "lookup", "uscc": home.uscc}).content.decode()
    assert 'data-testid="claim-facts"' in page
    assert "陈静" not in page and "501 室" not in page
    assert "陈*" in page and "详细地址不公开" in page
    claimed = client.post(reverse("registry:claim"), {"step": "confirm", "uscc": home.uscc}, follow=True)
    assert "陈静" not in claimed.content.decode()  # nor in "my claims" while unconfirmed


# --- files under MEDIA_ROOT --------------------------------------------------------------------------

def test_receipts_and_documents_are_never_served_as_files(request, client, settings, media, reviewer, op, xihu):
    """The demo served /media/receipts/... to anyone (DEBUG urls). No mode serves MEDIA_ROOT."""
    import importlib

    from django.urls import clear_url_caches

    import childcare.urls

    settings.DEBUG = True
    importlib.reload(childcare.urls)  # the URLconf as a DEBUG process (the demo) builds it
    clear_url_caches()
    request.addfinalizer(lambda: (importlib.reload(childcare.urls), clear_url_caches()))
    receipt = media / "receipts" / "2026" / "330106-2026-00001-receipt.pdf"
    receipt.parent.mkdir(parents=True)
    receipt.write_bytes(PDF)
    with scopes_disabled():
        document = FilingDocument.objects.create(
            filing=FilingFactory(institution=xihu), doc_type="other",
            file=SimpleUploadedFile("scan.pdf", PDF), original_name="scan.pdf", content_type="application/pdf",
            size=len(PDF), sha256="0" * 64, region=xihu.region, province_id=xihu.province_id,
            city_id=xihu.city_id, district_id=xihu.district_id)
    for path in ("/media/receipts/2026/330106-2026-00001-receipt.pdf", f"/media/{document.file.name}"):
        assert client.get(path).status_code == 404, path
        client.force_login(reviewer)
        assert client.get(path).status_code == 404, path
        client.logout()
    # Through the permission-checked view, in scope, the document is there.
    client.force_login(op)
    assert client.get(reverse("registry:document_file", args=[document.pk])).status_code == 200
