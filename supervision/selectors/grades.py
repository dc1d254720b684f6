"""Grade reads: the scope's current grades, one institution's grade with its explained breakdown and
history, and ``institution_grades(ids)`` — what the random draw reads to pick its sampling rates."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from core.errors import NotFound
from core.tenancy import scopes_disabled
from registry.models import Institution

from ..grading import explain
from ..models import Grade, GradeChange, InstitutionGrade

# An institution not graded yet (added since the last pass) samples at the middle rate.
UNGRADED = Grade.B


def institution_grades(ids: Iterable[int]) -> dict[int, str]:
    """``{institution id: "A".."D"}`` for every id (``UNGRADED`` for one without a grade yet), in one
    query. Evaluated with scopes disabled: the draw runs for a district over its own institutions."""
    ids = list(ids)
    with scopes_disabled():
        found = dict(InstitutionGrade.objects.filter(institution_id__in=ids).values_list("institution_id", "grade"))
    return {pk: found.get(pk, UNGRADED.value) for pk in ids}


def grade_list(*, grade: str | None = None) -> QuerySet[InstitutionGrade]:
    """The scope's current grades, worst first (D, then lowest score), with the institution's name."""
    qs = (InstitutionGrade.objects.select_related("institution", "district")
          .order_by("-grade", "score", "institution__name", "pk"))
    return qs.filter(grade=grade) if grade else qs


def graded(grade: str):
    """The scope's institutions with ``grade`` (their grade rows)."""
    return InstitutionGrade.objects.filter(grade=grade)


def grade_counts() -> dict[str, int]:
    """How many institutions of the scope have each grade (one query)."""
    from django.db.models import Count

    rows = InstitutionGrade.objects.order_by().values("grade").annotate(n=Count("pk"))
    counts = {g: 0 for g in Grade.values}
    counts.update({r["grade"]: r["n"] for r in rows})
    return counts


def grade_get(*, institution_id: int) -> dict:
    """One institution's grade: ``{"institution", "grade" (or None), "rows" (explained breakdown),
    "history"}``; 404 outside the scope."""
    institution = Institution.objects.filter(pk=institution_id).first()
    if institution is None:
        raise NotFound("机构不存在或不在您的管辖范围内。")
    grade = InstitutionGrade.objects.filter(institution_id=institution_id).first()
    history = list(GradeChange.objects.filter(institution_id=institution_id).order_by("-created_at", "-id")[:50])
    return {"institution": institution, "grade": grade, "rows": explain(grade.breakdown) if grade else [],
            "history": history}


__all__ = ["UNGRADED", "grade_counts", "grade_get", "grade_list", "institution_grades"]
