"""Who hears of subsidy moves, and the link they follow; sent only after the move commits
(``notifications.services.notify_on_commit``; recipients from ``accounts.selectors``).

Operators: a claim returned, approved, paid; a certification accepted, returned, revoked, expired.
The district (reviewers and admins): a claim submitted; a child flagged as claimed twice.
"""

from __future__ import annotations

from django.urls import reverse

from accounts.selectors import operators_of, reviewers_of
from notifications.models import NotificationType as N
from notifications.services import notify_on_commit

from .. import rules


def _claim_link(claim) -> str:
    return reverse("subsidies:claim_detail", args=[claim.pk])


def _to_operators(institution_id: int, **message) -> None:
    notify_on_commit(recipients=lambda: operators_of(institution_id), **message)


def _to_district(district_id: str, **message) -> None:
    notify_on_commit(recipients=lambda: reviewers_of(district_id), **message)


def claim_submitted(claim) -> None:
    _to_district(claim.district_id, kind=N.SUBSIDY_CLAIM_SUBMITTED, link=_claim_link(claim),
                 title=f"补助申请待审核：{claim.institution.name} {claim}",
                 body=f"申请金额 {rules.yuan(claim.amount_fen)} 元，请审核。")


def claim_returned(claim, reasons: list[str]) -> None:
    _to_operators(claim.institution_id, kind=N.SUBSIDY_CLAIM_RETURNED, link=_claim_link(claim),
                  title=f"补助申请被退回：{claim}", body="退回理由：" + "；".join(reasons))


def claim_approved(claim, *, by_city: bool) -> None:
    _to_operators(claim.institution_id, kind=N.SUBSIDY_CLAIM_APPROVED, link=_claim_link(claim),
                  title=f"补助申请已{'市级' if by_city else '区县'}审核通过：{claim}",
                  body=f"核定金额 {rules.yuan(claim.amount_fen)} 元。")


def claim_paid(claim, *, bank_reference: str) -> None:
    _to_operators(claim.institution_id, kind=N.SUBSIDY_CLAIM_PAID, link=_claim_link(claim),
                  title=f"补助已拨付：{claim}",
                  body=f"拨付金额 {rules.yuan(claim.amount_fen)} 元，银行流水号 {bank_reference}。")


def duplicates_flagged(by_district: dict[str, int]) -> None:
    """One message per district whose claims got new duplicate flags (no child named: counts only)."""
    for district_id, n in sorted(by_district.items()):
        _to_district(district_id, kind=N.SUBSIDY_DUPLICATE_CHILD, link=reverse("subsidies:claims"),
                     title=f"有 {n} 条补助明细为同一婴幼儿同月重复申报",
                     body="同一婴幼儿同月在两处申报运营补助，两边均暂不计入，请在补助申请中核定由哪一机构计补。")


def _cert_link(cert) -> str:
    return reverse("subsidies:certification", args=[cert.institution_id])


def certification_decided(cert, *, kind: str, title: str, body: str = "") -> None:
    _to_operators(cert.institution_id, kind=kind, link=_cert_link(cert), title=title, body=body)
