"""Reads of inclusive certifications: the guided-price check, what is in force in a month, the
public section of the portal's institution page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q
from django.utils import timezone
from django_scopes import scopes_disabled

from core.errors import NotFound
from registry.models import Institution, InstitutionStatus

from .. import rules
from ..models import Certification, CertificationStatus
from .policies import guided_prices_for


def certification_get(*, certification_id: int) -> Certification:
    obj = Certification.objects.select_related("institution").filter(pk=certification_id).first()
    if obj is None:
        raise NotFound("普惠认定不存在或不在您的管辖范围内。")
    return obj


def certification_list():
    return Certification.objects.select_related("institution").order_by("-created_at", "-id")


def filed_class_types(institution: Institution) -> list[str]:
    """The class types of the institution's current accepted filing."""
    if institution.current_filing_id is None:
        return []
    return sorted({c.class_type for c in institution.current_filing.classes.all()})


def certification_checks(institution: Institution, fees: dict[str, int | None], day: dt.date) -> list[dict]:
    """The automatic checks: filed and not suspended; a fee for each filed class type; each fee at
    or below the guided price's band valid on ``day``. ``[{"code", "label", "passed", "reason"}]``."""
    out = [{"code": "filed", "label": "已备案且未暂停服务",
            "passed": institution.status == InstitutionStatus.FILED,
            "reason": "" if institution.status == InstitutionStatus.FILED
            else f"机构当前状态为“{institution.get_status_display()}”。"}]
    prices = guided_prices_for(district_id=institution.district_id, city_id=institution.city_id, day=day)
    fees = {k: v for k, v in (fees or {}).items() if v is not None}
    for class_type in filed_class_types(institution):
        if class_type not in fees:
            out.append({"code": f"fee.{class_type}", "label": f"{class_type} 收费", "passed": False,
                        "reason": "备案的班型未填写收费标准。"})
    for class_type, fee in sorted(fees.items()):
        price = prices.get(class_type)
        if price is None:
            out.append({"code": f"fee.{class_type}", "label": f"{class_type} 收费", "passed": False,
                        "reason": "该班型尚无适用的指导价，无法核验。"})
            continue
        ok = rules.fee_within_band(fee, price.price_fen, price.band_bp)
        ceiling = rules.band_ceiling_fen(price.price_fen, price.band_bp)
        out.append({"code": f"fee.{class_type}", "label": f"{price.get_class_type_display()} 收费",
                    "passed": ok, "fee_fen": fee, "price_fen": price.price_fen, "band_bp": price.band_bp,
                    "reason": "" if ok else f"收费 {rules.yuan(fee)} 元高于指导价上浮上限 {rules.yuan(ceiling)} 元。"})
    return out


# A revoked certification's period ends on the day it was revoked; an expired one's on its last day.
ENDED_OR_CERTIFIED = (CertificationStatus.CERTIFIED, CertificationStatus.REVOKED, CertificationStatus.EXPIRED)


def certified_during(institution_id: int, start: dt.date, end: dt.date) -> Certification | None:
    """The institution's certification in force on some day of [start, end] (certified, or since
    revoked/expired but covering those days before it ended)."""
    return (Certification.objects.filter(institution_id=institution_id, period_start__lte=end, period_end__gte=start,
                                         status__in=ENDED_OR_CERTIFIED)
            .order_by("-period_start").first())


def public_certification(institution_id: int) -> dict | None:
    """The portal's public section: whether the institution is certified inclusive, its period and
    the next review date (public facts only). Evaluated with scopes disabled (public page)."""
    today = timezone.localdate()
    with scopes_disabled():
        cert = (Certification.objects.filter(Q(status=CertificationStatus.CERTIFIED), institution_id=institution_id,
                                             period_end__gte=today)
                .values("period_start", "period_end", "review_on").first())
    if cert is None:
        return None
    return {"certification": cert}


def inclusive_in_force():
    """The public term ``inclusive`` (``core.public``): an ``Exists`` over a certification in force for
    the outer ``Institution`` row, so the portal filters and shows it in SQL."""
    from django.db.models import Exists, OuterRef

    with scopes_disabled():
        return Exists(Certification.objects.filter(institution_id=OuterRef("pk"), status=CertificationStatus.CERTIFIED,
                                                   period_end__gte=timezone.localdate()))
