"""Inclusive-care (普惠) certification: apply with the fee schedule (the guided-price check runs at
once), district accept / return with reasons, revoke, and the expiry sweep. Every step an event."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from core.errors import Conflict, DomainError, NotFound
from core.events import record_event
from core.permissions import require_role
from notifications.models import NotificationType as N
from registry.models import Institution

from ..models import Certification, CertificationStatus
from ..selectors.certifications import certification_checks
from ..workflow import CERTIFICATION, OPERATORS, CertificationAction
from . import notices

MAX_PERIOD_DAYS = 5 * 366
EXPIRING_NOTICE_DAYS = 30  # the operator is reminded this many days before the period ends


def _require_reasons(reasons: list[str]) -> list[str]:
    if not reasons:
        raise DomainError("reasons_required", "退回须逐项列明理由。", fields={"reasons": ["请至少填写一项理由。"]})
    return reasons


def _locked(certification_id: int) -> Certification:
    obj = Certification.objects.select_for_update(of=("self",)).select_related("institution").filter(
        pk=certification_id).first()
    if obj is None:
        raise NotFound("普惠认定不存在或不在您的管辖范围内。")
    return obj


@transaction.atomic
def certification_apply(*, actor: User, institution_id: int, fees: dict[str, int | None]) -> Certification:
    """An operator applies for its institution with its fee schedule; the check runs at once."""
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    require_role(actor, OPERATORS, institution, message="只有机构举办者可以申请普惠认定。")
    fees = {k: v for k, v in fees.items() if v is not None}
    cert = Certification(institution=institution, fees=fees, created_by=actor,
                         check_results=certification_checks(institution, fees, timezone.localdate()))
    try:
        with transaction.atomic():
            cert.save()
    except IntegrityError:
        raise Conflict("该机构已有待审核或有效的普惠认定。", code="certification_open") from None
    record_event(cert, actor=actor, action=CertificationAction.APPLY, from_status="",
                 items=[c["code"] for c in cert.check_results if not c["passed"]])
    return cert


@transaction.atomic
def certification_resubmit(*, actor: User, certification_id: int, fees: dict[str, int | None],
                           expected_version: int | None = None) -> Certification:
    cert = _locked(certification_id)
    t = CERTIFICATION.ensure_transition(cert, CertificationAction.RESUBMIT, actor, expected_version=expected_version)
    cert.fees = {k: v for k, v in fees.items() if v is not None}
    cert.check_results = certification_checks(cert.institution, cert.fees, timezone.localdate())
    CERTIFICATION.apply(cert, t, actor=actor, update_fields=["fees", "check_results"])
    return cert


@transaction.atomic
def certification_return(*, actor: User, certification_id: int, reasons: list[str],
                         expected_version: int | None = None) -> Certification:
    cert = _locked(certification_id)
    t = CERTIFICATION.ensure_transition(cert, CertificationAction.RETURN, actor, expected_version=expected_version)
    cert.return_reasons = _require_reasons(reasons)
    cert.decided_by = actor
    CERTIFICATION.apply(cert, t, actor=actor, update_fields=["return_reasons", "decided_by"], items=reasons)
    notices.certification_decided(cert, kind=N.CERTIFICATION_RETURNED, title="普惠认定申请被退回",
                                  body="退回理由：" + "；".join(cert.return_reasons))
    return cert


@transaction.atomic
def certification_accept(*, actor: User, certification_id: int, period_start: dt.date, period_end: dt.date,
                         review_on: dt.date | None = None, expected_version: int | None = None) -> Certification:
    """Certified for [period_start, period_end]; refused with ``checks_failed`` while a check fails
    (run again now: the guided price or the institution may have changed since the application)."""
    cert = _locked(certification_id)
    t = CERTIFICATION.ensure_transition(cert, CertificationAction.ACCEPT, actor, expected_version=expected_version)
    if period_end < period_start or (period_end - period_start).days > MAX_PERIOD_DAYS:
        raise DomainError("period_invalid", "有效期应为起日不晚于止日、且不超过五年。", fields={"period_end": ["有效期无效。"]})
    if review_on is not None and not period_start <= review_on <= period_end:
        raise DomainError("period_invalid", "复核日期应在有效期内。", fields={"review_on": ["应在有效期内。"]})
    cert.check_results = certification_checks(cert.institution, cert.fees, period_start)
    failed = [c for c in cert.check_results if not c["passed"]]
    if failed:
        cert.save(update_fields=["check_results", "updated_at"])
        raise DomainError("checks_failed", f"普惠认定条件有 {len(failed)} 项未通过。",
                          fields={"checks": [(c["code"], c["reason"]) for c in failed]})
    cert.period_start, cert.period_end = period_start, period_end
    cert.review_on = review_on or period_end
    cert.decided_by = actor
    CERTIFICATION.apply(cert, t, actor=actor, update_fields=["check_results", "period_start", "period_end",
                                                             "review_on", "decided_by"])
    notices.certification_decided(cert, kind=N.CERTIFICATION_ACCEPTED, title="已认定为普惠托育机构",
                                  body=f"有效期 {cert.period_start:%Y-%m-%d} 至 {cert.period_end:%Y-%m-%d}，"
                                       f"复核日期 {cert.review_on:%Y-%m-%d}。")
    return cert


@transaction.atomic
def certification_revoke(*, actor: User, certification_id: int, cause: str, reason: str,
                         expected_version: int | None = None) -> Certification:
    cert = _locked(certification_id)
    t = CERTIFICATION.ensure_transition(cert, CertificationAction.REVOKE, actor, expected_version=expected_version)
    if not reason:
        raise DomainError("reason_required", "撤销须说明原因。", fields={"reason": [("reason_required", "请填写原因。")]})
    cert.revocation_cause, cert.revocation_reason = cause, reason
    cert.decided_by = actor
    # The certification ends the day it is revoked: claims for later days find none.
    today = timezone.localdate()
    if cert.period_end and cert.period_end > today:
        cert.period_end = today
    CERTIFICATION.apply(cert, t, actor=actor, update_fields=["revocation_cause", "revocation_reason", "decided_by",
                                                             "period_end"], reason=reason, items=[cause])
    notices.certification_decided(cert, kind=N.CERTIFICATION_REVOKED, title="普惠认定已撤销",
                                  body=f"撤销原因：{cert.get_revocation_cause_display()}。{reason}")
    return cert


def certification_expiry_sweep(today: dt.date | None = None) -> dict:
    """Certified past the last day of their period → expired (one statement, an event per row)."""
    today = today or timezone.localdate()
    moved = CERTIFICATION.apply_bulk(
        Certification.objects.filter(status=CertificationStatus.CERTIFIED, period_end__lt=today),
        CertificationAction.EXPIRE, reason="认定有效期届满")
    for cert in Certification.objects.filter(pk__in=moved):
        notices.certification_decided(cert, kind=N.CERTIFICATION_EXPIRING, title="普惠认定已到期",
                                      body=f"认定有效期已于 {cert.period_end:%Y-%m-%d} 届满，可重新申请。")
    # A reminder EXPIRING_NOTICE_DAYS before the end (once: on that very day; the sweep runs daily).
    expiring = Certification.objects.filter(status=CertificationStatus.CERTIFIED,
                                            period_end=today + dt.timedelta(days=EXPIRING_NOTICE_DAYS))
    for cert in expiring:
        notices.certification_decided(cert, kind=N.CERTIFICATION_EXPIRING, title="普惠认定即将到期",
                                      body=f"认定有效期至 {cert.period_end:%Y-%m-%d}，请及时申请复核。")
    return {"expired": len(moved), "expiring_notified": len(expiring)}
