"""Filing documents: PDF/JPEG/PNG judged by content, size limit, checksum, nothing stored on error."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from core.errors import DomainError, InvalidTransition, NotFound, PermissionDenied
from core.tenancy import TenantScope, tenant_scope
from registry.models import Filing, FilingDocument, FilingStatus
from registry.services.documents import document_delete, document_upload
from registry.services.filings import filing_create
from tests.factories import InstitutionFactory, make_uscc

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 64


def stored_files(root):
    return [p for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def institution(regions):
    with scopes_disabled():
        return InstitutionFactory(uscc=make_uscc("330106", seed=3))


@pytest.fixture
def op(make_account, institution):
    return make_account("op_doc", "operator", institution.uscc)


@pytest.fixture
def scope(institution):
    with tenant_scope(TenantScope.for_institutions([institution.pk])):
        yield


@pytest.fixture
def filing(op, institution, scope):
    return filing_create(actor=op, institution_id=institution.pk)


@pytest.mark.parametrize(("content", "name", "content_type"), [
    (PDF, "营业执照.pdf", "application/pdf"),
    (JPEG, "lease.jpeg", "image/jpeg"),
    (PNG, "scan.PNG", "image/png"),
    (PNG, "misnamed.pdf", "image/png"),  # the content decides, not the name
])
def test_upload_accepts_by_content(op, filing, media, content, name, content_type):
    doc = document_upload(actor=op, filing_id=filing.pk, doc_type="business_licence",
                          uploaded_file=SimpleUploadedFile(name, content, content_type="application/octet-stream"))
    assert doc.content_type == content_type
    assert doc.sha256 == hashlib.sha256(content).hexdigest()
    assert doc.size == len(content) and doc.original_name == name
    files = stored_files(media)
    assert len(files) == 1 and files[0].read_bytes() == content
    assert name not in files[0].name  # stored under a random name


@pytest.mark.parametrize(("content", "name", "code"), [
    (EXE, "营业执照.pdf", "document_type_not_allowed"),
    (ELF, "scan.png", "document_type_not_allowed"),
    (b"GIF89a" + b"\x00" * 20, "x.gif", "document_type_not_allowed"),
    (b"", "empty.pdf", "document_empty"),
])
def test_upload_refuses_and_stores_nothing(op, filing, media, content, name, code):
    with pytest.raises(DomainError) as info:
        document_upload(actor=op, filing_id=filing.pk, doc_type="business_licence",
                        uploaded_file=SimpleUploadedFile(name, content, content_type="application/pdf"))
    assert info.value.code == code and "file" in info.value.fields
    assert stored_files(media) == []
    assert not FilingDocument.objects.exists()


def test_upload_too_large(op, filing, media, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    with pytest.raises(DomainError) as info:
        document_upload(actor=op, filing_id=filing.pk, doc_type="premises_proof",
                        uploaded_file=SimpleUploadedFile("big.pdf", PDF + b"0" * 2000))
    assert info.value.code == "document_too_large"
    assert stored_files(media) == [] and not FilingDocument.objects.exists()


def test_upload_bad_doc_type(op, filing, media):
    with pytest.raises(DomainError) as info:
        document_upload(actor=op, filing_id=filing.pk, doc_type="selfie", uploaded_file=SimpleUploadedFile("a.pdf", PDF))
    assert info.value.code == "doc_type_invalid"
    assert stored_files(media) == []


def test_upload_only_while_editable(op, filing, media):
    with scopes_disabled():
        Filing.objects.filter(pk=filing.pk).update(status=FilingStatus.SUBMITTED)
    with pytest.raises(InvalidTransition):
        document_upload(actor=op, filing_id=filing.pk, doc_type="other", uploaded_file=SimpleUploadedFile("a.pdf", PDF))
    assert stored_files(media) == []


def test_reviewer_cannot_upload_and_other_operator_gets_404(op, filing, reviewer, make_account, regions, media):
    with tenant_scope(TenantScope.for_region(regions["330106"])), pytest.raises(PermissionDenied):
        document_upload(actor=reviewer, filing_id=filing.pk, doc_type="other",
                        uploaded_file=SimpleUploadedFile("a.pdf", PDF))
    with scopes_disabled():
        other = InstitutionFactory(uscc=make_uscc("330106", seed=4))
    stranger = make_account("op_other", "operator", other.uscc)
    with tenant_scope(TenantScope.for_institutions([other.pk])), pytest.raises(NotFound):
        document_upload(actor=stranger, filing_id=filing.pk, doc_type="other",
                        uploaded_file=SimpleUploadedFile("a.pdf", PDF))
    assert stored_files(media) == []


def test_delete_removes_row_and_file(op, filing, media, django_capture_on_commit_callbacks):
    doc = document_upload(actor=op, filing_id=filing.pk, doc_type="other", uploaded_file=SimpleUploadedFile("a.pdf", PDF))
    with django_capture_on_commit_callbacks(execute=True):
        document_delete(actor=op, document_id=doc.pk)
    assert not FilingDocument.objects.exists()
    assert stored_files(media) == []
