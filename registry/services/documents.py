"""Filing documents (scans of licences, leases, certificates): PDF, JPEG or PNG judged by content.

The declared name and content type are not trusted: the first bytes decide. Nothing is stored
when anything is wrong (no row, no file on disk).
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.db import transaction

from accounts.models import User
from core.errors import DomainError, NotFound
from core.scanning import scan_upload
from core.validators import clean_file_name

from ..limits import MAX_DOCUMENTS_PER_FILING
from ..models import DocumentType, FilingDocument
from ..workflow import ensure_editable

# (magic prefix, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
EXECUTABLE_MAGIC = (b"MZ", b"\x7fELF", b"#!", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe", b"PK\x03\x04")


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a PDF/JPEG/PNG by its magic bytes, else None."""
    for magic, content_type, ext in SIGNATURES:
        if head.startswith(magic):
            return content_type, ext
    return None


def _read_head(uploaded_file, n: int = 16) -> bytes:
    uploaded_file.seek(0)
    head = uploaded_file.read(n)
    uploaded_file.seek(0)
    return head


def sha256_of(uploaded_file) -> str:
    digest = hashlib.sha256()
    uploaded_file.seek(0)
    for chunk in uploaded_file.chunks() if hasattr(uploaded_file, "chunks") else iter(
            lambda: uploaded_file.read(65536), b""):
        digest.update(chunk)
    uploaded_file.seek(0)
    return digest.hexdigest()


def validate_upload(uploaded_file) -> tuple[str, str]:
    """Raise DomainError unless the file is a non-empty PDF/JPEG/PNG within the size limit and, when
    a ClamAV daemon is configured, clean (``core.scanning``)."""
    size = getattr(uploaded_file, "size", None) or 0
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise DomainError("document_too_large",
                          f"文件过大（{size / 1024 / 1024:.1f} MB），单个文件不能超过 {limit / 1024 / 1024:.0f} MB。",
                          fields={"file": ["文件过大。"]})
    if size == 0:
        raise DomainError("document_empty", "文件为空，请重新选择。", fields={"file": ["文件为空。"]})
    head = _read_head(uploaded_file)
    kind = sniff(head)
    if kind is None:
        hint = "（该文件是可执行程序或压缩包）" if head.startswith(EXECUTABLE_MAGIC) else ""
        raise DomainError("document_type_not_allowed",
                          f"只接受 PDF、JPEG 或 PNG 格式的扫描件{hint}，文件类型按文件内容判断，与扩展名无关。",
                          fields={"file": ["文件类型不允许。"]})
    scan_upload(uploaded_file)  # ClamAV, when configured: upload_infected / upload_scan_unavailable
    return kind


def _content_changed(filing, reason: str) -> None:
    """The documents are part of what the commitment covers: a change voids the signature."""
    from .filings import void_commitment

    voided = void_commitment(filing, reason)
    if voided:
        filing.version += 1
        filing.save(update_fields=[*voided, "version", "updated_at"])


@transaction.atomic
def document_upload(*, actor: User, filing_id: int, doc_type: str, uploaded_file) -> FilingDocument:
    from ..models import Filing

    filing = Filing.objects.locked().filter(pk=filing_id).first()
    if filing is None:
        raise NotFound("备案不存在或不在您的管辖范围内。")
    ensure_editable(filing, actor)
    if doc_type not in DocumentType.values:
        raise DomainError("doc_type_invalid", "材料类型无效。", fields={"doc_type": ["材料类型无效。"]})
    content_type, ext = validate_upload(uploaded_file)
    if FilingDocument.objects.filter(filing_id=filing.pk).count() >= MAX_DOCUMENTS_PER_FILING:
        raise DomainError("too_many_documents", f"一份备案最多上传 {MAX_DOCUMENTS_PER_FILING} 个材料文件，请先删除不需要的文件。",
                          fields={"file": [("too_many_documents", f"最多 {MAX_DOCUMENTS_PER_FILING} 个文件。")]})
    doc = FilingDocument(filing=filing, doc_type=doc_type, original_name=upload_name(uploaded_file, ext),
                         content_type=content_type, size=uploaded_file.size, sha256=sha256_of(uploaded_file),
                         uploaded_by=actor)
    # Stored under a random name: the user's file name never reaches the file system.
    doc.file.save(f"{uuid.uuid4().hex}.{ext}", uploaded_file, save=False)
    try:
        with transaction.atomic():
            doc.save()
            _content_changed(filing, f"上传了材料「{doc.get_doc_type_display()}」")
    except Exception:
        doc.file.storage.delete(doc.file.name)
        raise
    # The file is written last, after every check; if the row cannot be saved it is removed.
    # (Views and the API call this as the outermost transaction; a caller that wraps it in a
    # larger transaction and rolls back afterwards would leave the file behind.)
    return doc


@transaction.atomic
def document_delete(*, actor: User, document_id: int) -> None:
    doc = FilingDocument.objects.select_related("filing").filter(pk=document_id).first()
    if doc is None:
        raise NotFound("材料不存在或不在您的管辖范围内。")
    from ..models import Filing

    filing = Filing.objects.locked().get(pk=doc.filing_id)  # the signature and version change with it
    ensure_editable(filing, actor)
    name, storage = doc.file.name, doc.file.storage
    label = doc.get_doc_type_display()
    # A document carried over to a change filing shares its stored file with the filed one: the
    # file goes only with the last row that names it.
    shared = FilingDocument.objects.filter(file=name).exclude(pk=doc.pk).exists()
    doc.delete()
    _content_changed(filing, f"删除了材料「{label}」")
    if not shared:
        transaction.on_commit(lambda: storage.delete(name) if name and storage.exists(name) else None)


def upload_name(uploaded_file, ext: str) -> str:
    """The user's file name, for display only (never a path on disk): last path part, no control or
    bidirectional-override characters, ≤ 200 chars."""
    return clean_file_name(getattr(uploaded_file, "name", ""), default=f"upload.{ext}")


__all__ = ["document_delete", "document_upload", "sha256_of", "sniff", "upload_name", "validate_upload"]
