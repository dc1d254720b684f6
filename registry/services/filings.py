"""Filing writes (备案, 变更备案, 终止备案): creating a filing and the workflow actions (submit,
accept, return, reject — 不予备案 — and withdraw).

Every state change goes through ``registry.workflow`` (one transition table): the row is locked
with ``select_for_update``, the version compared, the move checked against the table and the
actor's role, an event row written, and notifications sent on commit. The operator's edits live
in ``filing_form``, the checklist in ``filing_checks``, who is told in ``filing_notifications``;
this module re-exports their public names so callers have one import.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError, NotFound
from core.workdays import add_working_days

from .. import rules
from ..limits import MAX_BASIS_LENGTH, MAX_REASON_LENGTH, MAX_RETURN_REASONS
from ..models import (
    Filing,
    FilingClass,
    FilingDocument,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionStatus,
    ReceiptSequence,
)
from ..selectors.filings import compute_changes, filing_roster, pending_termination_date
from ..workflow import OPEN_STATES, OPERATORS, FilingAction, apply, ensure_transition
from .filing_checks import (
    _raise_if_failed,
    blacklist_hits,
    build_facts,
    filing_run_checks,
    policy_for,
)
from .filing_form import (
    COMMITMENT_FIELDS,
    FILING_ONLY_FACTS,
    FORM_FIELDS,
    INSTITUTION_FACTS,
    TERMINATION_FIELDS,
    filing_set_classes,
    filing_sign_commitment,
    filing_update_form,
    void_commitment,
)
from .filing_notifications import _notify_on_commit, _operators_of, _reviewers_of, filing_link
from .filing_rows import _locked_filing, _locked_for_transition, _record

__all__ = [
    "COMMITMENT_FIELDS", "FORM_FIELDS", "TERMINATION_FIELDS", "blacklist_hits", "build_facts", "compute_changes",
    "filing_accept", "filing_create", "filing_link", "filing_reject", "filing_return", "filing_run_checks",
    "filing_set_classes", "filing_sign_commitment", "filing_submit", "filing_update_form", "filing_withdraw",
    "next_receipt_no", "policy_for", "termination_takes_effect", "void_commitment",
]


def termination_takes_effect(filing: Filing, today: dt.date) -> bool:
    """An accepted termination ends the institution on its termination date (at once if none)."""
    return filing.termination_date is None or filing.termination_date <= today


@transaction.atomic
def filing_create(*, actor, institution_id: int, kind: str = FilingKind.INITIAL) -> Filing:
    """Open a draft filing prefilled from the institution's current facts (one open filing at a time)."""
    if kind not in FilingKind.values:
        raise DomainError("invalid", "备案类型无效。", fields={"kind": ["备案类型无效。"]})
    institution = Institution.objects.locked().filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    from core.permissions import require_role

    require_role(actor, OPERATORS, institution)
    if Filing.objects.filter(institution_id=institution.pk, status__in=OPEN_STATES).exists():
        raise DomainError("open_filing_exists", "该机构已有一份未办结的备案，请先完成或撤回后再新建。",
                          status_code=409)
    allowed = {
        FilingKind.INITIAL: {InstitutionStatus.REGISTERED, InstitutionStatus.FILING},
        FilingKind.CHANGE: {InstitutionStatus.FILED},
        FilingKind.TERMINATION: {InstitutionStatus.FILED, InstitutionStatus.SUSPENDED},
    }[kind]
    if institution.status not in allowed:
        message = {
            FilingKind.INITIAL: "该机构已备案，如需变更请提交变更备案。",
            FilingKind.CHANGE: "只有已备案的机构可以办理变更备案。",
            FilingKind.TERMINATION: "只有已备案的机构可以办理终止备案。",
        }[kind]
        raise DomainError("institution_status", message, status_code=409)
    pending = pending_termination_date(institution_id=institution.pk)
    if pending is not None:
        raise DomainError("termination_pending", f"该机构已办理终止备案，将于 {pending:%Y年%m月%d日} 终止，不能再新建备案。",
                          status_code=409)

    filing = Filing(institution=institution, kind=kind, institution_kind=institution.kind, created_by=actor)
    for f in INSTITUTION_FACTS:
        setattr(filing, f, getattr(institution, f))
    current = institution.current_filing
    if current is not None:
        for f in FILING_ONLY_FACTS:
            setattr(filing, f, getattr(current, f))
    filing.save()
    if current is not None and kind != FilingKind.TERMINATION:
        rows = []
        for c in current.classes.all():
            row = FilingClass(filing=filing, name=c.name, class_type=c.class_type,
                              planned_children=c.planned_children, carers=c.carers, min_age_months=c.min_age_months)
            rows.append(row)
        FilingClass.objects.bulk_create(rows)
    if current is not None and kind == FilingKind.CHANGE:
        _carry_documents(current, filing)
    _record(filing, actor=actor, action=FilingAction.CREATE, from_status="")
    return filing


def _carry_documents(current: Filing, filing: Filing) -> None:
    """A change filing starts with the filed materials (the same stored files, marked as carried
    over); the changes it makes ask for some of them again (``rules.CHANGE_DOCUMENTS``)."""
    FilingDocument.objects.bulk_create([
        FilingDocument(filing=filing, doc_type=d.doc_type, file=d.file.name, original_name=d.original_name,
                       content_type=d.content_type, size=d.size, sha256=d.sha256, uploaded_by=d.uploaded_by,
                       carried_from=d)
        for d in current.documents.all()])


def _staff_snapshot(filing: Filing) -> list[dict]:
    """The roster the filing presents: the staff on duty on the day it takes effect, as its checks count them."""
    return [{"name": s.name, "role": s.role, "id_number_masked": s.id_number_masked,
             "id_number_hash": s.id_number_hash, "education": s.education, "years_experience": s.years_experience,
             "health_certificate_date": s.health_certificate_date.isoformat() if s.health_certificate_date else None}
            for s in filing_roster(filing=filing)]


@transaction.atomic
def filing_submit(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    """draft → submitted, returned → resubmitted; refused with ``checks_failed`` while a check fails."""
    filing, expected = _locked_for_transition(filing_id, expected_version)
    action = FilingAction.RESUBMIT if filing.status == FilingStatus.RETURNED else FilingAction.SUBMIT
    t = ensure_transition(filing, action, actor, expected_version=expected)
    checks = filing_run_checks(filing=filing)
    if t.requires_checks:
        _raise_if_failed(checks)
    policy = policy_for(filing)
    now = timezone.now()
    filing.submitted_at = now
    filing.due_at = add_working_days(now, policy.review_working_days, filing.region)
    filing.notice_due_at = add_working_days(now, policy.notice_working_days, filing.region)
    filing.staff_snapshot = _staff_snapshot(filing)
    filing.check_results = checks
    filing.changes = compute_changes(filing) if filing.kind == FilingKind.CHANGE else {}
    previous = apply(filing, t, update_fields=["submitted_at", "due_at", "notice_due_at", "staff_snapshot",
                                               "check_results", "changes"])
    if filing.kind == FilingKind.INITIAL:
        Institution.objects.filter(pk=filing.institution_id).exclude(status=InstitutionStatus.FILING).update(
            status=InstitutionStatus.FILING, updated_at=now)
    _record(filing, actor=actor, action=action, from_status=previous)
    district_id = filing.district_id
    verb = "filing_resubmitted" if action == FilingAction.RESUBMIT else "filing_submitted"
    _notify_on_commit(
        recipients=lambda: _reviewers_of(district_id), verb=verb,
        title=f"{filing.name}{'补正后重新提交' if action == FilingAction.RESUBMIT else '提交了'}"
              f"{filing.get_kind_display()}",
        body=f"请在 {timezone.localtime(filing.due_at):%Y年%m月%d日} 前完成审核。",
        link=filing_link(filing, for_reviewer=True))
    return filing


def next_receipt_no(*, district_id: str, year: int) -> str:
    """The next gap-free receipt number of a district and year; call inside the accept transaction."""
    ReceiptSequence.objects.bulk_create([ReceiptSequence(district_id=district_id, year=year, last_number=0)],
                                        ignore_conflicts=True)
    seq = ReceiptSequence.objects.select_for_update().get(district_id=district_id, year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return f"{district_id}-{year}-{seq.last_number:05d}"


@transaction.atomic
def filing_accept(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    """Issue the receipt: institution facts updated (or terminated), receipt number and PDFs stored."""
    from django.core.files.base import ContentFile

    from .receipts import notice_pdf_bytes, receipt_pdf_bytes

    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.ACCEPT, actor, expected_version=expected)
    checks = filing_run_checks(filing=filing)
    if t.requires_checks:
        _raise_if_failed(checks)
    now = timezone.now()
    institution = Institution.objects.locked().get(pk=filing.institution_id)
    filing.decided_at, filing.decided_by, filing.check_results = now, actor, checks
    fields = ["decided_at", "decided_by", "check_results"]
    inst_fields = ["status", "updated_at"]
    today = timezone.localdate(now)
    terminates_now = filing.kind == FilingKind.TERMINATION and termination_takes_effect(filing, today)
    if filing.kind == FilingKind.TERMINATION:
        # A future termination date leaves the institution in service until that day (the daily
        # termination sweep, registry.services.sweeps, ends it then); today or past: at once.
        if terminates_now:
            institution.status = InstitutionStatus.TERMINATED
    else:
        filing.receipt_no = next_receipt_no(district_id=filing.district_id, year=timezone.localtime(now).year)
        fields.append("receipt_no")
        for f in INSTITUTION_FACTS:
            setattr(institution, f, getattr(filing, f))
        if filing.region_id != institution.region_id:  # a move inside the district
            institution.set_region(filing.region)
            inst_fields += ["region", "province", "city", "district"]
        institution.kind = filing.institution_kind
        if institution.status != InstitutionStatus.SUSPENDED:  # a change accepted while suspended stays so
            institution.status = InstitutionStatus.FILED
        institution.current_filing = filing
        institution.receipt_no = filing.receipt_no
        if filing.kind == FilingKind.INITIAL or institution.filed_on is None:
            institution.filed_on = timezone.localdate(now)
        inst_fields += [*INSTITUTION_FACTS, "kind", "current_filing", "receipt_no", "filed_on"]
    if filing.kind != FilingKind.TERMINATION:
        # Written inside the transaction: a rolled-back accept leaves at most an orphan file, never a
        # filing that points at a missing one (and never burns a receipt number).
        filing.receipt_pdf.save(f"{filing.receipt_no}-receipt.pdf", ContentFile(receipt_pdf_bytes(filing=filing)),
                                save=False)
        filing.notice_pdf.save(f"{filing.receipt_no}-notice.pdf", ContentFile(notice_pdf_bytes(filing=filing)),
                               save=False)
        fields += ["receipt_pdf", "notice_pdf"]
    previous = apply(filing, t, update_fields=fields)
    institution.save(update_fields=inst_fields)
    if filing.kind != FilingKind.TERMINATION:
        reason = f"备案回执编号 {filing.receipt_no}"
        title = f"{filing.name}的{filing.get_kind_display()}已通过，回执编号 {filing.receipt_no}"
    elif terminates_now:
        reason = "终止备案已办结，机构已终止"
        title = f"{filing.name}的终止备案已办结，机构已终止"
    else:
        reason = f"终止备案已办结，机构将于 {filing.termination_date:%Y年%m月%d日} 终止"
        title = f"{filing.name}的终止备案已通过，将于 {filing.termination_date:%Y年%m月%d日} 终止"
    _record(filing, actor=actor, action=FilingAction.ACCEPT, from_status=previous, reason=reason)
    institution_id = filing.institution_id
    _notify_on_commit(recipients=lambda: _operators_of(institution_id), verb="filing_accepted", title=title,
                      body="可在备案详情中下载备案回执和基本条件告知书。" if filing.receipt_no else "",
                      link=filing_link(filing))
    return filing


@transaction.atomic
def filing_return(*, actor, filing_id: int, reasons: list[str], expected_version: int | None = None) -> Filing:
    """Return for correction with every missing item in one notice (一次性告知): the reviewer's reasons
    plus every failed check, added automatically."""
    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.RETURN, actor, expected_version=expected)
    if isinstance(reasons, str):
        reasons = [reasons]
    items = [r.strip() for r in (reasons or []) if isinstance(r, str) and r.strip()]
    checks = filing_run_checks(filing=filing)
    for c in rules.failed(checks):
        line = rules.notice_item(c)
        if line not in items:
            items.append(line)
    if not items:
        raise DomainError("reasons_required", "请逐项填写需要补正的事项。", fields={"reasons": ["至少填写一项退回事项。"]})
    filing.return_reasons = items
    filing.check_results = checks
    filing.decided_by = actor
    previous = apply(filing, t, update_fields=["return_reasons", "check_results", "decided_by"])
    _record(filing, actor=actor, action=FilingAction.RETURN, from_status=previous,
            reason=f"一次性告知需补正事项共 {len(items)} 项", items=items)
    institution_id = filing.institution_id
    _notify_on_commit(recipients=lambda: _operators_of(institution_id), verb="filing_returned",
                      title=f"{filing.name}的{filing.get_kind_display()}被退回，需补正 {len(items)} 项",
                      body="\n".join(f"{i}. {line}" for i, line in enumerate(items, 1)), link=filing_link(filing))
    return filing


def _clean_items(value, *, limit: int, length: int, field: str, what: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    items = [r.strip() for r in (value or []) if isinstance(r, str) and r.strip()]
    if len(items) > limit:
        raise DomainError("max_length", f"{what}最多 {limit} 项，请合并后再提交。",
                          fields={field: [("max_length", f"最多 {limit} 项。")]})
    if any(len(item) > length for item in items):
        raise DomainError("too_long", f"每项{what}不能超过 {length} 个字。",
                          fields={field: [("too_long", f"每项不能超过 {length} 个字。")]})
    return items


@transaction.atomic
def filing_reject(*, actor, filing_id: int, reasons: list[str], basis: str,
                  expected_version: int | None = None) -> Filing:
    """The non-compliance decision (不予备案): the institution does not meet the conditions. The
    reviewer states every reason and the legal basis; the written notice (PDF) is issued at once,
    the operators are told, and the institution may file again (an initial filing puts it back to
    registered; a change filing leaves the filing in force as it was)."""
    from django.core.files.base import ContentFile

    from .receipts import rejection_pdf_bytes

    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.REJECT, actor, expected_version=expected)
    items = _clean_items(reasons, limit=MAX_RETURN_REASONS, length=MAX_REASON_LENGTH, field="reasons",
                         what="不予备案理由")
    basis = basis.strip() if isinstance(basis, str) else ""
    errors = {}
    if not items:
        errors["reasons"] = [("reasons_required", "请逐项填写不符合备案条件的理由。")]
    if not basis:
        errors["basis"] = [("basis_required", "请填写不予备案的依据（如《托育机构设置标准（试行）》的相关条款）。")]
    elif len(basis) > MAX_BASIS_LENGTH:
        errors["basis"] = [("too_long", f"依据不能超过 {MAX_BASIS_LENGTH} 个字。")]
    if errors:
        first = next(iter(errors.values()))[0][0]
        raise DomainError(first, "不予备案须写明理由和依据。", fields=errors)
    now = timezone.now()
    filing.rejection_reasons, filing.rejection_basis = items, basis
    filing.check_results = filing_run_checks(filing=filing)
    filing.decided_at, filing.decided_by = now, actor
    # Rendered inside the transaction, as the receipt is: a rolled-back decision leaves at most an
    # orphan file, never a decided filing without its notice.
    filing.rejection_pdf.save(f"{filing.district_id}-{filing.pk}-rejection.pdf",
                              ContentFile(rejection_pdf_bytes(filing=filing)), save=False)
    previous = apply(filing, t, update_fields=["rejection_reasons", "rejection_basis", "check_results", "decided_at",
                                               "decided_by", "rejection_pdf"])
    if filing.kind == FilingKind.INITIAL:
        Institution.objects.filter(pk=filing.institution_id, status=InstitutionStatus.FILING).update(
            status=InstitutionStatus.REGISTERED, updated_at=now)
    _record(filing, actor=actor, action=FilingAction.REJECT, from_status=previous,
            reason=f"不予备案，依据：{basis}", items=items)
    institution_id = filing.institution_id
    _notify_on_commit(
        recipients=lambda: _operators_of(institution_id), verb="filing_rejected",
        title=f"{filing.name}的{filing.get_kind_display()}不予备案",
        body="\n".join([*(f"{i}. {line}" for i, line in enumerate(items, 1)), f"依据：{basis}",
                        "可在备案详情中下载不予备案告知书；整改符合条件后可重新办理备案。"]),
        link=filing_link(filing))
    return filing


@transaction.atomic
def filing_withdraw(*, actor, filing_id: int) -> Filing:
    filing = _locked_filing(filing_id)
    t = ensure_transition(filing, FilingAction.WITHDRAW, actor)
    previous = apply(filing, t, update_fields=[])
    if filing.kind == FilingKind.INITIAL:
        Institution.objects.filter(pk=filing.institution_id, status=InstitutionStatus.FILING).update(
            status=InstitutionStatus.REGISTERED, updated_at=timezone.now())
    _record(filing, actor=actor, action=FilingAction.WITHDRAW, from_status=previous)
    institution_id, district_id = filing.institution_id, filing.district_id
    was_submitted = filing.submitted_at is not None  # the commission has seen it: tell its reviewers too
    title = f"{filing.name}的{filing.get_kind_display()}已撤回"
    _notify_on_commit(recipients=lambda: _operators_of(institution_id), verb="filing_withdrawn", title=title,
                      body=f"撤回人：{actor}。", link=filing_link(filing))
    if was_submitted:
        _notify_on_commit(recipients=lambda: _reviewers_of(district_id), verb="filing_withdrawn", title=title,
                          body="机构已撤回该备案，无需继续审核。", link=filing_link(filing, for_reviewer=True))
    return filing
