"""Filing writes (备案, 变更备案, 终止备案): creating a filing and the workflow actions (submit,
accept, return, reject — 不予备案 — and withdraw).

Every state change goes through ``registry.workflow`` (one transition table per model): the row is
locked with ``select_for_update``, the version compared, the move checked against the table and the
actor's role, an event row written, and notifications sent on commit. An initial filing's
submission, withdrawal and acceptance, and an accepted termination, also move the institution
through its own table (``INSTITUTION``), with its own event. The operator's edits live
in ``filing_form``, the checklist in ``filing_checks``, who is told in ``filing_notifications``;
this module re-exports their public names so callers have one import.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core import screening
from core.deadlines import due_after
from core.errors import DomainError, FieldError, NotFound
from core.inputs import check_parsed, raise_if_any
from notifications.models import NotificationType

from .. import rules
from ..inputs import FILING_CREATE, REJECT, RETURN
from ..models import (
    Filing,
    FilingClass,
    FilingDocument,
    FilingKind,
    FilingStatus,
    Institution,
    InstitutionStatus,
    ReceiptSequence,
    ReceiptStatus,
)
from ..selectors.filings import compute_changes, filing_roster, pending_termination_date
from ..workflow import (
    INSTITUTION,
    OPEN_STATES,
    OPERATORS,
    FilingAction,
    InstitutionAction,
    apply,
    ensure_transition,
)
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
from .filing_notifications import filing_link, notify_operators, notify_reviewers
from .filing_rows import _locked_filing, _locked_for_transition, _record

__all__ = [
    "COMMITMENT_FIELDS", "FILING_DOOR", "FORM_FIELDS", "TERMINATION_FIELDS", "blacklist_hits", "build_facts", "compute_changes",
    "filing_accept", "filing_create", "filing_link", "filing_reject", "filing_return", "filing_run_checks",
    "filing_set_classes", "filing_sign_commitment", "filing_submit", "filing_update_form", "filing_withdraw",
    "next_receipt_no", "policy_for", "termination_takes_effect", "void_commitment",
]


# The door a filing passes when it is submitted (or resubmitted) or accepted (``core.screening``),
# screened before the move's transaction so that a refused attempt stays on record, and only when
# the move itself is open to the actor (role, scope, state). Facts: ``actor``; ``filing`` (in the
# actor's scope); ``action`` (``FilingAction``: submit, resubmit or accept). The supervision app
# records a blacklist hit for each listed person on the roster and for a listed institution; the
# filing checklist's ``blacklist`` item (``filing_checks.blacklist_hits``) then refuses the move.
FILING_DOOR = "registry.filing"


def _screen(actor, filing_id: int, action: str) -> None:
    filing = Filing.objects.filter(pk=filing_id).first()
    if filing is None:
        return  # the move answers not_found itself
    if action == FilingAction.SUBMIT and filing.status == FilingStatus.RETURNED:
        action = FilingAction.RESUBMIT
    try:
        ensure_transition(filing, action, actor)
    except DomainError:
        return  # not an attempt this actor may make: the move refuses it with the same error
    screening.screen(FILING_DOOR, actor=actor, filing=filing, action=str(action))


def termination_takes_effect(filing: Filing, today: dt.date) -> bool:
    """An accepted termination ends the institution on its termination date (at once if none)."""
    return filing.termination_date is None or filing.termination_date <= today


@transaction.atomic
def filing_create(*, actor, institution_id: int, kind: str = FilingKind.INITIAL) -> Filing:
    """Open a draft filing prefilled from the institution's current facts (one open filing at a time)."""
    raise_if_any(check_parsed(FILING_CREATE, {"institution": institution_id, "kind": kind}))
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
                              planned_children=c.planned_children, carers=c.carers, min_age_months=c.min_age_months,
                              max_age_months=c.max_age_months)
            rows.append(row)
        FilingClass.objects.bulk_create(rows)
    if current is not None and kind == FilingKind.CHANGE:
        _carry_documents(current, filing)
    _record(filing, actor=actor, action=FilingAction.CREATE, from_status="")
    return filing


def _iso(day) -> str | None:
    return day.isoformat() if day else None


def _carry_documents(current: Filing, filing: Filing) -> None:
    """A change filing starts with the filed materials (the same stored files, marked as carried
    over); the changes it makes ask for some of them again (``rules.CHANGE_DOCUMENTS``)."""
    FilingDocument.objects.bulk_create([
        FilingDocument(filing=filing, doc_type=d.doc_type, file=d.file.name, original_name=d.original_name,
                       content_type=d.content_type, size=d.size, sha256=d.sha256, uploaded_by=d.uploaded_by,
                       carried_from=d)
        for d in current.documents.all()])


def _staff_snapshot(filing: Filing) -> list[dict]:
    """The roster as submitted (the staff on duty on the day the filing takes effect): what the reviewer checks (certificates, criminal-record check, health
    certificate), masked ID and blind index only."""
    return [{"name": s.name, "role": s.role, "id_number_masked": s.id_number_masked,
             "id_number_hash": s.id_number_hash, "education": s.education, "years_experience": s.years_experience,
             "health_certificate_date": _iso(s.health_certificate_date),
             "criminal_record_checked": s.criminal_record_checked,
             "criminal_record_checked_on": _iso(s.criminal_record_checked_on),
             "qualifications": [{"type": q.type, "number": q.number, "expires_on": _iso(q.expires_on)}
                                for q in s.qualification_items()]}
            for s in filing_roster(filing=filing)]


def filing_submit(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    """draft → submitted, returned → resubmitted; refused with ``checks_failed`` while a check fails.
    Screened at ``FILING_DOOR`` first."""
    _screen(actor, filing_id, FilingAction.SUBMIT)
    return _filing_submit(actor=actor, filing_id=filing_id, expected_version=expected_version)


@transaction.atomic
def _filing_submit(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    filing, expected = _locked_for_transition(filing_id, expected_version)
    action = FilingAction.RESUBMIT if filing.status == FilingStatus.RETURNED else FilingAction.SUBMIT
    t = ensure_transition(filing, action, actor, expected_version=expected)
    checks = filing_run_checks(filing=filing)
    if t.requires_checks:
        _raise_if_failed(checks)
    policy = policy_for(filing)
    now = timezone.now()
    filing.submitted_at = now
    filing.due_at = due_after(now, policy.review_working_days, filing.region)
    filing.notice_due_at = due_after(now, policy.notice_working_days, filing.region)
    filing.staff_snapshot = _staff_snapshot(filing)
    filing.check_results = checks
    filing.changes = compute_changes(filing) if filing.kind == FilingKind.CHANGE else {}
    apply(filing, t, actor=actor, update_fields=["submitted_at", "due_at", "notice_due_at", "staff_snapshot",
                                                 "check_results", "changes"])
    if filing.kind == FilingKind.INITIAL:
        institution = Institution.objects.locked().get(pk=filing.institution_id)
        if institution.status != InstitutionStatus.FILING:  # a resubmission finds it under review already
            INSTITUTION.move(institution, InstitutionAction.SUBMIT_FILING, actor)
    resubmitted = action == FilingAction.RESUBMIT
    notify_reviewers(
        filing, kind=NotificationType.FILING_RESUBMITTED if resubmitted else NotificationType.FILING_SUBMITTED,
        title=f"{filing.name}{'补正后重新提交' if resubmitted else '提交了'}{filing.get_kind_display()}",
        body=f"请在 {timezone.localtime(filing.due_at):%Y年%m月%d日} 前完成审核。")
    return filing


def next_receipt_no(*, district_id: str, year: int) -> str:
    """The next gap-free receipt number of a district and year; call inside the accept transaction."""
    ReceiptSequence.objects.bulk_create([ReceiptSequence(district_id=district_id, year=year, last_number=0)],
                                        ignore_conflicts=True)
    seq = ReceiptSequence.objects.select_for_update().get(district_id=district_id, year=year)
    seq.last_number += 1
    seq.save(update_fields=["last_number"])
    return f"{district_id}-{year}-{seq.last_number:05d}"


def filing_accept(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    """Issue the receipt: institution facts updated (or terminated) and the gap-free receipt number
    stored; the receipt and notice PDFs are rendered by Celery once this commits (``receipt_status``
    pending → ready), so a slow render never holds the sequence lock or the reviewer's request.
    Screened at ``FILING_DOOR`` first."""
    _screen(actor, filing_id, FilingAction.ACCEPT)
    return _filing_accept(actor=actor, filing_id=filing_id, expected_version=expected_version)


@transaction.atomic
def _filing_accept(*, actor, filing_id: int, expected_version: int | None = None) -> Filing:
    from .receipts import enqueue_documents

    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.ACCEPT, actor, expected_version=expected)
    checks = filing_run_checks(filing=filing)
    if t.requires_checks:
        _raise_if_failed(checks)
    now = timezone.now()
    institution = Institution.objects.locked().get(pk=filing.institution_id)
    today = timezone.localdate(now)
    terminates_now = filing.kind == FilingKind.TERMINATION and termination_takes_effect(filing, today)
    # The institution's own move, if any (checked against its table before anything is written): a
    # termination dated today or earlier ends it at once (a later date: the daily termination sweep
    # ends it then); an initial filing makes it filed; a change leaves it filed (or suspended).
    if filing.kind == FilingKind.TERMINATION:
        inst_action = InstitutionAction.TERMINATE if terminates_now else None
    elif institution.status in (InstitutionStatus.FILED, InstitutionStatus.SUSPENDED):
        inst_action = None
    else:
        inst_action = InstitutionAction.ACCEPT_FILING
    inst_t = INSTITUTION.ensure_transition(institution, inst_action, actor) if inst_action else None
    filing.decided_at, filing.decided_by, filing.check_results = now, actor, checks
    fields = ["decided_at", "decided_by", "check_results"]
    inst_fields = ["updated_at"]
    if filing.kind != FilingKind.TERMINATION:
        filing.receipt_no = next_receipt_no(district_id=filing.district_id, year=timezone.localtime(now).year)
        fields.append("receipt_no")
        for f in INSTITUTION_FACTS:
            setattr(institution, f, getattr(filing, f))
        if filing.region_id != institution.region_id:  # a move inside the district
            institution.set_region(filing.region)
            inst_fields += ["region", "province", "city", "district"]
        institution.kind = filing.institution_kind
        institution.current_filing = filing
        institution.receipt_no = filing.receipt_no
        if filing.kind == FilingKind.INITIAL or institution.filed_on is None:
            institution.filed_on = timezone.localdate(now)
        inst_fields += [*INSTITUTION_FACTS, "kind", "current_filing", "receipt_no", "filed_on"]
    if filing.kind != FilingKind.TERMINATION:
        filing.receipt_status = ReceiptStatus.PENDING
        fields.append("receipt_status")
        enqueue_documents(filing.pk)  # on commit: a rolled-back accept renders nothing
    if filing.kind != FilingKind.TERMINATION:
        reason = f"备案回执编号 {filing.receipt_no}"
        title = f"{filing.name}的{filing.get_kind_display()}已通过，回执编号 {filing.receipt_no}"
    elif terminates_now:
        reason = "终止备案已办结，机构已终止"
        title = f"{filing.name}的终止备案已办结，机构已终止"
    else:
        reason = f"终止备案已办结，机构将于 {filing.termination_date:%Y年%m月%d日} 终止"
        title = f"{filing.name}的终止备案已通过，将于 {filing.termination_date:%Y年%m月%d日} 终止"
    apply(filing, t, actor=actor, update_fields=fields, reason=reason)
    if inst_t is not None:
        INSTITUTION.apply(institution, inst_t, actor=actor, update_fields=inst_fields, reason=reason)
    else:
        institution.save(update_fields=inst_fields)
    notify_operators(filing, kind=NotificationType.FILING_ACCEPTED, title=title,
                     body="可在备案详情中下载备案回执和基本条件告知书。" if filing.receipt_no else "")
    return filing


@transaction.atomic
def filing_return(*, actor, filing_id: int, reasons: list[str], expected_version: int | None = None) -> Filing:
    """Return for correction with every missing item in one notice (一次性告知): the reviewer's reasons
    plus every failed check, added automatically. ``reasons``: typed, as ``registry.inputs.RETURN``
    reads them (stripped, no blank item, at most 50 of 500 characters)."""
    raise_if_any(check_parsed(RETURN, {"reasons": reasons}), "退回事项有误，请检查。")
    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.RETURN, actor, expected_version=expected)
    items = list(reasons)
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
    apply(filing, t, actor=actor, update_fields=["return_reasons", "check_results", "decided_by"],
          reason=f"一次性告知需补正事项共 {len(items)} 项", items=items)
    notify_operators(filing, kind=NotificationType.FILING_RETURNED,
                     title=f"{filing.name}的{filing.get_kind_display()}被退回，需补正 {len(items)} 项",
                     body="\n".join(f"{i}. {line}" for i, line in enumerate(items, 1)))
    return filing


@transaction.atomic
def filing_reject(*, actor, filing_id: int, reasons: list[str], basis: str,
                  expected_version: int | None = None) -> Filing:
    """The non-compliance decision (不予备案): the institution does not meet the conditions. The
    reviewer states every reason and the legal basis (typed, as ``registry.inputs.REJECT`` reads
    them); the written notice (不予备案告知书) is rendered by Celery once this commits
    (``receipt_status`` pending → ready, like a receipt), the operators are told, and the institution
    may file again (an initial filing puts it back to registered through its own table; a change
    filing leaves the filing in force as it was). A termination is never refused (``NOT_FOR_KINDS``)."""
    from .receipts import enqueue_documents

    errors = check_parsed(REJECT, {"reasons": reasons, "basis": basis})
    if not errors.get("reasons") and not reasons:
        errors = {"reasons": [FieldError("reasons_required", "请逐项填写不符合备案条件的理由。")], **errors}
    raise_if_any(errors, "不予备案须写明理由和依据。")
    filing, expected = _locked_for_transition(filing_id, expected_version)
    t = ensure_transition(filing, FilingAction.REJECT, actor, expected_version=expected)
    inst_t = None
    if filing.kind == FilingKind.INITIAL:
        institution = Institution.objects.locked().get(pk=filing.institution_id)
        if institution.status == InstitutionStatus.FILING:
            inst_t = INSTITUTION.ensure_transition(institution, InstitutionAction.REJECT_FILING, actor)
    items = list(reasons)
    filing.rejection_reasons, filing.rejection_basis = items, basis
    filing.check_results = filing_run_checks(filing=filing)
    filing.decided_at, filing.decided_by = timezone.now(), actor
    filing.receipt_status = ReceiptStatus.PENDING
    reason = f"不予备案，依据：{basis}"
    apply(filing, t, actor=actor, reason=reason, items=items,
          update_fields=["rejection_reasons", "rejection_basis", "check_results", "decided_at", "decided_by",
                         "receipt_status"])
    enqueue_documents(filing.pk)  # on commit: a rolled-back decision renders nothing
    if inst_t is not None:
        INSTITUTION.apply(institution, inst_t, actor=actor, update_fields=["updated_at"], reason=reason)
    notify_operators(
        filing, kind=NotificationType.FILING_REJECTED, title=f"{filing.name}的{filing.get_kind_display()}不予备案",
        body="\n".join([*(f"{i}. {line}" for i, line in enumerate(items, 1)), f"依据：{basis}",
                        "可在备案详情中下载不予备案告知书；整改符合条件后可重新办理备案。"]))
    return filing


@transaction.atomic
def filing_withdraw(*, actor, filing_id: int) -> Filing:
    filing = _locked_filing(filing_id)
    t = ensure_transition(filing, FilingAction.WITHDRAW, actor)
    apply(filing, t, actor=actor)
    if filing.kind == FilingKind.INITIAL:
        institution = Institution.objects.locked().get(pk=filing.institution_id)
        if institution.status == InstitutionStatus.FILING:  # it was submitted: no longer under review
            INSTITUTION.move(institution, InstitutionAction.WITHDRAW_FILING, actor)
    was_submitted = filing.submitted_at is not None  # the commission has seen it: tell its reviewers too
    title = f"{filing.name}的{filing.get_kind_display()}已撤回"
    notify_operators(filing, kind=NotificationType.FILING_WITHDRAWN, title=title, body=f"撤回人：{actor}。")
    if was_submitted:
        notify_reviewers(filing, kind=NotificationType.FILING_WITHDRAWN, title=title,
                         body="机构已撤回该备案，无需继续审核。")
    return filing
