"""Risk and credit grades (风险+信用 分级分类): the registry of explainable factors, and the arithmetic.

An institution starts at ``BASE_SCORE`` points; each registered factor counts something about it
(penalties, open blacklist hits, filing state, an emergency closure, ...) and deducts ``points``
per count, at most ``cap``. The grade follows the score (``THRESHOLDS``: A ≥ 90, B ≥ 75, C ≥ 60,
else D) — except that a factor marked ``forces_d`` that counts anything makes the institution D
whatever its score (Beijing's rule: a D from any one department makes D; a suspension or a
revocation recommendation is such a D). The breakdown stored with the grade names every factor
that counted, with its count and points, so a grade is always explained.

A factor is ONE set-based query: ``query(ids, today)`` returns a queryset of
``{"institution_id", "n"}`` rows (one per institution that has any) for the institutions ``ids``
(``None``: all). ``services.grades.grades_recompute`` joins every factor's query into one
statement; ``Factor.counts`` runs one alone. Other parts of supervision plug in one factor each
(non-conformities by severity and overdue rectification orders from inspections; substantiated
complaints and incidents)::

    from supervision.grading import Factor, register_factor
    register_factor(Factor(code="orders_overdue", label="整改逾期", points=10, cap=30,
                           query=lambda ids, today: per_institution(RectificationOrder.objects.filter(
                               due_at__lt=...), ids)))

Factors register at import of this module's users (``SupervisionConfig.ready`` imports the
built-in ones below); a code registers once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, F, QuerySet

BASE_SCORE = 100
# (grade, lowest score) from the best; below the last: D.
THRESHOLDS = (("A", 90), ("B", 75), ("C", 60))
LOWEST = "D"
# How far back penalties count (a credit record of the last two years).
PENALTY_WINDOW_DAYS = 730
# Registered this many days without a filing: overdue (the same number as the not-filed sweep).
NOT_FILED_DAYS = 30


def grade_for(score: int, forced_d: bool = False) -> str:
    """The grade of ``score`` (D when forced)."""
    if forced_d:
        return LOWEST
    for grade, lowest in THRESHOLDS:
        if score >= lowest:
            return grade
    return LOWEST


def deduction(factor: Factor, count: int) -> int:
    """The points ``count`` costs under ``factor`` (``points`` each, at most ``cap``)."""
    total = factor.points * count
    return min(total, factor.cap) if factor.cap is not None else total


@dataclass(frozen=True)
class Factor:
    code: str
    label: str  # Chinese, shown in the breakdown
    points: int  # deducted per count
    query: Callable[[Iterable[int] | None, dt.date], QuerySet]
    cap: int | None = None
    forces_d: bool = False
    note: str = ""  # when it counts, in Chinese

    def counts(self, ids: Iterable[int] | None = None, today: dt.date | None = None) -> dict[int, int]:
        """``{institution id: count}`` in one query (institutions with none are absent)."""
        from django.utils import timezone

        rows = self.query(None if ids is None else list(ids), today or timezone.localdate())
        return {row["institution_id"]: row["n"] for row in rows}


_factors: dict[str, Factor] = {}


def register_factor(factor: Factor) -> Factor:
    existing = _factors.get(factor.code)
    if existing is not None and existing != factor:
        raise ImproperlyConfigured(f"grading factor {factor.code!r} is registered twice")
    _factors[factor.code] = factor
    return factor


def factors() -> list[Factor]:
    """Every registered factor, in registration order."""
    return list(_factors.values())


def per_institution(queryset: QuerySet, ids: Iterable[int] | None, *, field: str = "institution_id",
                    distinct: str | None = None) -> QuerySet:
    """``queryset`` counted per institution (``field`` names its institution id), limited to ``ids``."""
    if ids is not None:
        queryset = queryset.filter(**{f"{field}__in": list(ids)})
    count = Count(distinct, distinct=True) if distinct else Count("pk")
    values = queryset.order_by().values("institution_id") if field == "institution_id" else \
        queryset.order_by().values(institution_id=F(field))
    return values.annotate(n=count)


def explain(breakdown: dict) -> list[dict]:
    """A stored breakdown (``{code: [count, points, forces_d]}``) as rows with labels, for pages and
    the API; a code no longer registered shows its code."""
    rows = []
    order = {f.code: i for i, f in enumerate(factors())}
    for code, (count, points, forces) in sorted(breakdown.items(), key=lambda kv: order.get(kv[0], 999)):
        factor = _factors.get(code)
        rows.append({"code": code, "label": factor.label if factor else code, "count": count, "points": points,
                     "forces_d": bool(forces), "note": factor.note if factor else ""})
    return rows


# --- the factors whose data supervision and registry hold now --------------------------------------

def _register_builtin() -> None:
    from registry.models import Filing, FilingStatus, Institution, InstitutionStatus

    from .models import BlacklistHit, Closure, ClosureStatus, HitStatus, Penalty, PenaltyKind, PenaltyStatus

    def penalties(kind: str, *, in_force_only: bool):
        def query(ids, today):
            qs = Penalty.objects.filter(kind=kind)
            if in_force_only:
                qs = qs.filter(status=PenaltyStatus.IN_FORCE)
            else:
                qs = qs.exclude(status=PenaltyStatus.WITHDRAWN).filter(
                    decided_on__gte=today - dt.timedelta(days=PENALTY_WINDOW_DAYS))
            return per_institution(qs, ids)
        return query

    window = "近两年内作出、未撤销的"
    register_factor(Factor("penalty_warning", "行政处罚：警告", 5, penalties(PenaltyKind.WARNING, in_force_only=False),
                           cap=15, note=f"{window}警告，每次扣 5 分，最多 15 分"))
    register_factor(Factor("penalty_fine", "行政处罚：罚款", 10, penalties(PenaltyKind.FINE, in_force_only=False),
                           cap=30, note=f"{window}罚款，每次扣 10 分，最多 30 分"))
    register_factor(Factor("penalty_person_ban", "行政处罚：从业禁止", 15,
                           penalties(PenaltyKind.PERSON_BAN, in_force_only=False), cap=30,
                           note=f"{window}对本机构人员的从业禁止，每人次扣 15 分，最多 30 分"))
    register_factor(Factor("penalty_suspension", "行政处罚：责令停业整顿（执行中）", 40,
                           penalties(PenaltyKind.SUSPENSION, in_force_only=True), cap=40, forces_d=True,
                           note="执行中的停业整顿直接评为 D 级"))
    register_factor(Factor("penalty_revocation", "行政处罚：建议吊销（执行中）", 40,
                           penalties(PenaltyKind.REVOCATION, in_force_only=True), cap=40, forces_d=True,
                           note="执行中的吊销（撤销）建议直接评为 D 级"))
    register_factor(Factor(
        "blacklist_hits_open", "从业禁止名单命中（待核查）", 20,
        lambda ids, today: per_institution(BlacklistHit.objects.filter(status=HitStatus.OPEN), ids, distinct="pair"),
        cap=40, note="本机构人员或机构本身命中全国从业禁止名单且尚未认定误报，每条扣 20 分，最多 40 分"))
    register_factor(Factor(
        "filing_returned", "备案退回待补正", 5,
        lambda ids, today: per_institution(Filing.objects.filter(status=FilingStatus.RETURNED), ids),
        cap=5, note="有退回待补正的备案，扣 5 分"))
    register_factor(Factor(
        "filing_overdue", f"登记满 {NOT_FILED_DAYS} 日未备案", 10,
        lambda ids, today: per_institution(Institution.objects.filter(
            status=InstitutionStatus.REGISTERED,
            registered_on__lte=today - dt.timedelta(days=NOT_FILED_DAYS)), ids, field="id"),
        cap=10, note=f"已登记、登记日期满 {NOT_FILED_DAYS} 日仍未备案，扣 10 分"))
    register_factor(Factor(
        "institution_suspended", "暂停服务中", 15,
        lambda ids, today: per_institution(Institution.objects.filter(status=InstitutionStatus.SUSPENDED), ids,
                                           field="id"),
        cap=15, note="机构处于暂停服务状态，扣 15 分"))
    register_factor(Factor(
        "closure_open", "关停应急处置中", 30,
        lambda ids, today: per_institution(Closure.objects.filter(status=ClosureStatus.OPEN), ids),
        cap=30, note="正在进行关停应急处置（在托婴幼儿安置中），扣 30 分"))


def _register_inspection_and_complaint_factors() -> None:
    """What inspections, rectification, complaints and incidents say about an institution (sections
    2, 3a and 5): non-conformities by severity and substantiated complaints and serious incidents of
    the credit window, and rectification orders past their date."""
    from .models import (
        Complaint,
        ComplaintOutcome,
        Incident,
        IncidentSeverity,
        InspectionFinding,
        OrderStatus,
        RectificationOrder,
        Result,
        Severity,
    )

    window = f"近 {PENALTY_WINDOW_DAYS // 365} 年"

    def since(today):
        return today - dt.timedelta(days=PENALTY_WINDOW_DAYS)

    def findings(severity):
        return lambda ids, today: per_institution(InspectionFinding.objects.filter(
            result=Result.NONCONFORMING, item__severity=severity, inspection__inspected_on__gte=since(today)),
            ids, field="inspection__institution_id")

    for severity, points, cap in ((Severity.CRITICAL, 10, 30), (Severity.MAJOR, 4, 20), (Severity.MINOR, 1, 10)):
        register_factor(Factor(f"nonconformity_{severity}", f"检查不符合项：{severity.label}", points,
                               findings(severity), cap=cap,
                               note=f"{window}监督检查中{severity.label}不符合项，每项扣 {points} 分，最多 {cap} 分"))
    register_factor(Factor(
        "orders_overdue", "整改逾期未完成", 10,
        lambda ids, today: per_institution(RectificationOrder.objects.filter(
            status=OrderStatus.OPEN, due_at__date__lt=today), ids),
        cap=30, note="整改通知超过整改期限仍未回复，每份扣 10 分，最多 30 分"))
    register_factor(Factor(
        "complaints_substantiated", "投诉属实", 5,
        lambda ids, today: per_institution(Complaint.objects.filter(
            outcome__in=(ComplaintOutcome.SUBSTANTIATED, ComplaintOutcome.PARTLY),
            closed_at__date__gte=since(today)), ids),
        cap=20, note=f"{window}经核查属实或部分属实的投诉，每件扣 5 分，最多 20 分"))
    register_factor(Factor(
        "incidents_serious", "较大及以上安全事件", 10,
        lambda ids, today: per_institution(Incident.objects.filter(
            severity__in=(IncidentSeverity.SERIOUS, IncidentSeverity.MAJOR), occurred_at__date__gte=since(today)), ids),
        cap=30, note=f"{window}发生的较大、重大安全事件，每起扣 10 分，最多 30 分"))


_builtin_done = False


def register_builtin_factors() -> None:
    """Register the built-in factors once (``SupervisionConfig.ready``)."""
    global _builtin_done
    if not _builtin_done:
        _register_builtin()
        _register_inspection_and_complaint_factors()
        _builtin_done = True


__all__ = [
    "BASE_SCORE",
    "NOT_FILED_DAYS",
    "THRESHOLDS",
    "Factor",
    "deduction",
    "explain",
    "factors",
    "grade_for",
    "per_institution",
    "register_builtin_factors",
    "register_factor",
]
