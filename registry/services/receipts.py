"""Documents the commission issues on filing: the receipt (备案回执) and the basic-conditions notice
(基本条件告知书), or the notice of a non-compliance decision (不予备案告知书), rendered with fpdf2
and a CJK font; the receipt carries a QR code to the public verification page.

Rendering takes seconds (font subsetting), so it never runs inside a request: ``filing_accept``
issues the gap-free number in its transaction (``filing_reject`` stores the reasons and basis), sets
``receipt_status`` to pending and, once it commits, ``enqueue_documents`` hands the filing to the
Celery task ``registry.tasks.render_filing_documents``, which calls ``filing_render_documents``
(idempotent; retried, then ``failed``). ``receipt_status`` is the status of the decision's
documents: the receipt and notice of an accepted filing, the notice of a rejected one.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from fpdf import FPDF

from accounts.roles import REVIEWERS
from core.errors import DomainError, NotFound
from core.permissions import require_role

from .. import rules
from ..models import Filing, FilingKind, FilingStatus, ReceiptStatus, ServiceType

DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"


@lru_cache(maxsize=4)
def _find_font(configured: str) -> str:
    for candidate in (configured, DEFAULT_FONT):
        if candidate and Path(candidate).is_file():
            return candidate
    if shutil.which("fc-match"):
        found = subprocess.run(["fc-match", "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True,  # noqa: S607
                               timeout=10, check=False).stdout.strip()
        if found and Path(found).is_file():
            return found
    raise ImproperlyConfigured("No CJK font found: set CJK_FONT_PATH to a TrueType/OpenType font with Chinese glyphs")


def _multi_cell(pdf, *args, **kwargs):
    """Chinese text has no spaces to break at: wrap by character, left-aligned (not justified)."""
    from fpdf.enums import WrapMode

    kwargs.setdefault("wrapmode", WrapMode.CHAR)
    kwargs.setdefault("align", "L")
    return pdf.multi_cell(*args, **kwargs)


def font_path() -> str:
    return _find_font(getattr(settings, "CJK_FONT_PATH", "") or "")


def verify_url(receipt_no: str) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/verify/{receipt_no}/"


def receipt_qr(receipt_no: str) -> segno.QRCode:
    """The receipt's QR code: the public verification URL of its number."""
    return segno.make(verify_url(receipt_no), error="m")


def receipt_qr_png(receipt_no: str) -> bytes:
    """The QR code as the PNG embedded in the receipt PDF."""
    out = io.BytesIO()
    receipt_qr(receipt_no).save(out, kind="png", scale=4, border=2)
    return out.getvalue()


def commission_name(filing: Filing) -> str:
    return f"{filing.district.name}卫生健康局"


def _pdf(title: str) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_margins(20, 20, 20)
    pdf.add_font("cjk", fname=font_path(), collection_font_number=0)
    pdf.set_title(title)
    pdf.set_creator("托育机构备案管理平台")
    pdf.add_page()
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, title, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    return pdf


def _row(pdf: FPDF, label: str, value: str) -> None:
    pdf.set_font("cjk", size=11)
    pdf.cell(40, 9, label, border=1)
    _multi_cell(pdf, 0, 9, value or "—", border=1, new_x="LMARGIN", new_y="NEXT")


def _date_text(filing: Filing):
    moment = filing.decided_at or timezone.now()
    return timezone.localtime(moment).strftime("%Y年%m月%d日")


def receipt_pdf_bytes(*, filing: Filing) -> bytes:
    pdf = _pdf("托育机构备案回执" if filing.kind == FilingKind.INITIAL else "托育机构变更备案回执")
    institution = filing.institution
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, f"回执编号：{filing.receipt_no}", align="R", new_x="LMARGIN", new_y="NEXT")
    labels = dict(ServiceType.choices)
    _row(pdf, "机构名称", filing.name)
    _row(pdf, "统一社会信用代码", institution.uscc)
    _row(pdf, "机构类型", filing.get_institution_kind_display())
    _row(pdf, "地址", filing.address)
    _row(pdf, "备案类型", filing.get_kind_display())
    _row(pdf, "服务类型", "、".join(str(labels.get(s, s)) for s in filing.service_types))
    _row(pdf, "托位数", f"{filing.total_slots} 个")
    _row(pdf, "负责人", filing.principal_name)
    _row(pdf, "备案日期", _date_text(filing))
    pdf.ln(6)
    pdf.set_font("cjk", size=11)
    _multi_cell(pdf, 0, 7, f"{filing.name}：你单位提交的{filing.get_kind_display()}材料收悉，经核对，予以备案。"
                         "请严格按照《托育机构设置标准（试行）》《托育机构管理规范（试行）》开展服务，"
                         "并接受卫生健康部门的监督管理。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    qr = io.BytesIO(receipt_qr_png(filing.receipt_no))
    top = pdf.get_y()
    pdf.image(qr, x=20, y=top, w=32, h=32)
    pdf.set_xy(56, top + 8)
    pdf.set_font("cjk", size=9)
    _multi_cell(pdf, 134, 5, f"扫码核验备案真伪\n{verify_url(filing.receipt_no)}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(top + 38)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, commission_name(filing), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, _date_text(filing), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def notice_pdf_bytes(*, filing: Filing) -> bytes:
    from .filing_checks import policy_for

    pdf = _pdf("托育机构基本条件告知书")
    pdf.set_font("cjk", size=11)
    pdf.cell(0, 8, f"回执编号：{filing.receipt_no}", align="R", new_x="LMARGIN", new_y="NEXT")
    _multi_cell(pdf, 0, 7, f"{filing.name}（统一社会信用代码 {filing.institution.uscc}）：", new_x="LMARGIN",
                   new_y="NEXT")
    _multi_cell(pdf, 0, 7, "根据《托育机构登记和备案办法（试行）》《托育机构设置标准（试行）》《托育机构管理规范（试行）》，"
                         "你单位在提供托育服务期间应当持续符合以下基本条件：", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for i, line in enumerate(rules.conditions_notice_lines(policy_for(filing), filing.institution_kind), 1):
        _multi_cell(pdf, 0, 7, f"{i}. {line}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _multi_cell(pdf, 0, 7, "不符合上述条件的，卫生健康部门将依法责令整改，并向社会公布。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(0, 8, commission_name(filing), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, _date_text(filing), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def rejection_pdf_bytes(*, filing: Filing) -> bytes:
    """The written notice of a non-compliance decision (不予备案告知书): to whom, what was filed and
    when, every reason, the basis, what the institution may do, the commission and the date."""
    pdf = _pdf("托育机构不予备案告知书")
    pdf.set_font("cjk", size=11)
    _multi_cell(pdf, 0, 7, f"{filing.name}（统一社会信用代码 {filing.institution.uscc}）：", new_x="LMARGIN",
                new_y="NEXT")
    submitted = timezone.localtime(filing.submitted_at).strftime("%Y年%m月%d日") if filing.submitted_at else ""
    _multi_cell(pdf, 0, 7, f"你单位{'于 ' + submitted + ' ' if submitted else ''}提交的{filing.get_kind_display()}材料收悉。"
                           "经审核，你单位不符合托育机构备案条件，根据《托育机构登记和备案办法（试行）》，决定不予备案。"
                           "理由如下：", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    for i, line in enumerate(filing.rejection_reasons or [], 1):
        _multi_cell(pdf, 0, 7, f"{i}. {line}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _multi_cell(pdf, 0, 7, f"依据：{filing.rejection_basis}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    _multi_cell(pdf, 0, 7, "请你单位对照上述事项进行整改，符合条件后可重新办理备案。"
                           "如对本告知有异议，可自收到本告知书之日起六十日内依法申请行政复议，或者六个月内依法提起行政诉讼。",
                new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.cell(0, 8, commission_name(filing), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 8, _date_text(filing), align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# --- rendering after the accept commits (Celery) -------------------------------------------------------

def enqueue_documents(filing_id: int) -> None:
    """Render the filing's receipt and notice in Celery once the current transaction commits."""

    def send():
        from core.queue import send

        from ..tasks import render_filing_documents

        send(render_filing_documents, filing_id)

    transaction.on_commit(send)


def _is_rejection(filing: Filing) -> bool:
    return filing.status == FilingStatus.REJECTED


def has_decision_documents(filing: Filing) -> bool:
    """A decision that issues documents: an accept with a receipt number, or a rejection."""
    return bool(filing.receipt_no) or _is_rejection(filing)


def _has_documents(filing: Filing) -> bool:
    if _is_rejection(filing):
        return bool(filing.rejection_pdf)
    return bool(filing.receipt_pdf and filing.notice_pdf)


def _render(filing: Filing) -> list[tuple[str, str, bytes]]:
    """(field, file name, bytes) of every document the decision issues."""
    if _is_rejection(filing):
        return [("rejection_pdf", f"{filing.district_id}-{filing.pk}-rejection.pdf", rejection_pdf_bytes(filing=filing))]
    return [("receipt_pdf", f"{filing.receipt_no}-receipt.pdf", receipt_pdf_bytes(filing=filing)),
            ("notice_pdf", f"{filing.receipt_no}-notice.pdf", notice_pdf_bytes(filing=filing))]


def filing_render_documents(*, filing_id: int) -> str:
    """Render and store the receipt and notice of an accepted filing (the notice of a rejected one);
    returns the receipt status.

    Idempotent: a filing whose documents are stored is left alone, and of two runs at once the
    second to take the row lock discards its work. The PDFs are rendered outside any transaction
    (seconds of CPU, no lock held); the files and the status are stored under the row lock.
    """
    filing = Filing.objects.select_related("institution", "district", "region").filter(pk=filing_id).first()
    if filing is None or not has_decision_documents(filing):
        return ReceiptStatus.NONE
    if filing.receipt_status == ReceiptStatus.READY and _has_documents(filing):
        return ReceiptStatus.READY
    rendered = _render(filing)
    written: list = []
    try:
        with transaction.atomic():
            locked = Filing.objects.locked().get(pk=filing_id)
            if locked.receipt_status == ReceiptStatus.READY and _has_documents(locked):
                return ReceiptStatus.READY
            for field, name, data in rendered:
                stored = getattr(locked, field)
                stored.save(name, ContentFile(data), save=False)
                written.append(stored)
            locked.receipt_status = ReceiptStatus.READY
            locked.save(update_fields=[*(field for field, _, _ in rendered), "receipt_status", "updated_at"])
    except Exception:
        for stored in written:  # nothing half-stored: the row does not point at them
            stored.storage.delete(stored.name)
        raise
    return ReceiptStatus.READY


# A receipt still "pending" this long after its filing last changed was never rendered: its task was
# not queued (the broker was down at the accept) or was lost with a worker. The sweep sends it again.
PENDING_RECEIPT_STALE = timedelta(minutes=10)
PENDING_RECEIPT_BATCH = 500


def pending_receipts_resend(*, now=None) -> dict[str, int]:
    """Sweep ``registry.pending_receipts``: queue the rendering of every receipt left pending (the
    task is idempotent: a receipt rendered meanwhile is not rendered twice)."""
    from core.queue import send

    from ..tasks import render_filing_documents

    cutoff = (now or timezone.now()) - PENDING_RECEIPT_STALE
    ids = list(Filing.objects.filter(receipt_status=ReceiptStatus.PENDING, updated_at__lt=cutoff)
               .order_by("updated_at").values_list("pk", flat=True)[:PENDING_RECEIPT_BATCH])
    queued = sum(1 for pk in ids if send(render_filing_documents, pk))
    return {"pending": len(ids), "queued": queued}


@transaction.atomic
def filing_documents_failed(*, filing_id: int) -> None:
    """The task gave up (retries exhausted): the pages say so, and the district's reviewers are told
    to render it again (重新生成 on the review page)."""
    from notifications.models import NotificationType

    from .filing_notifications import notify_reviewers

    marked = Filing.objects.filter(pk=filing_id, receipt_status=ReceiptStatus.PENDING).update(
        receipt_status=ReceiptStatus.FAILED, updated_at=timezone.now())
    filing = Filing.objects.filter(pk=filing_id).first() if marked else None
    if filing is not None and _is_rejection(filing):
        notify_reviewers(filing, kind=NotificationType.RECEIPT_FAILED,
                         title=f"{filing.name}的不予备案告知书生成失败",
                         body="不予备案决定已作出，告知书未能生成。请在审核页面点击“重新生成”。")
    elif filing is not None:
        notify_reviewers(filing, kind=NotificationType.RECEIPT_FAILED,
                         title=f"{filing.name}的备案回执生成失败（{filing.receipt_no}）",
                         body="回执编号已出具，回执和基本条件告知书未能生成。请在审核页面点击“重新生成回执”。")


@transaction.atomic
def filing_rerender_documents(*, actor, filing_id: int) -> Filing:
    """A reviewer asks for a receipt (or a rejection notice) that failed, or was never stored, to be
    rendered again."""
    filing = Filing.objects.locked().filter(pk=filing_id).first()
    if filing is None:
        raise NotFound("备案不存在或不在您的管辖范围内。")
    require_role(actor, REVIEWERS, filing)
    if not has_decision_documents(filing):
        raise DomainError("no_receipt", "该备案没有备案回执（终止备案不出具回执）。", status_code=404)
    if filing.receipt_status == ReceiptStatus.READY and _has_documents(filing):
        return filing
    if filing.receipt_status != ReceiptStatus.PENDING:
        filing.receipt_status = ReceiptStatus.PENDING
        filing.save(update_fields=["receipt_status", "updated_at"])
    enqueue_documents(filing.pk)
    return filing
