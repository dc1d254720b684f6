"""Reads of enrolments: an institution's children, the filed slots per class type."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum

from core.errors import NotFound
from registry.models import FilingClass, Institution

from ..models import Enrolment


def institution_get(*, institution_id: int) -> Institution:
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    return institution


def enrolment_list(*, institution_id: int):
    return Enrolment.objects.filter(institution_id=institution_id).order_by("enrolled_on", "id")


def enrolment_get(*, enrolment_id: int) -> Enrolment:
    obj = Enrolment.objects.filter(pk=enrolment_id).first()
    if obj is None:
        raise NotFound("在托记录不存在或不在您的管辖范围内。")
    return obj


def capacity_by_class(institution: Institution) -> dict[str, int]:
    """Class type → filed slots (the planned children of the current accepted filing's classes)."""
    if institution.current_filing_id is None:
        return {}
    rows = (FilingClass.objects.filter(filing_id=institution.current_filing_id).values("class_type")
            .annotate(slots=Sum("planned_children")))
    return {r["class_type"]: r["slots"] for r in rows}


def enrolled_between(institution_id: int, start: dt.date, end: dt.date):
    """Enrolments of the institution on some day of [start, end]."""
    return Enrolment.objects.filter(Q(left_on__isnull=True) | Q(left_on__gte=start), institution_id=institution_id,
                                    enrolled_on__lte=end)
