"""Supervision rows. Section 4: risk and credit grades (风险+信用 分级分类) A/B/C/D per institution.

- ``InstitutionGrade``: the current grade of an institution, its score, its breakdown (each factor
  of ``supervision.grading`` that counted: count, points, and whether it forces D) and when it was
  computed. Written only by ``supervision.services.grades.grades_recompute`` (one set-based
  statement, per event for a few institutions and nightly for all).
- ``GradeChange``: the history — one append-only row each time an institution's grade changes (the
  first grade included), with the breakdown that made it.
"""

from __future__ import annotations

import pgtrigger
from django.db import models

from core.tenancy import TenantModel


class Grade(models.TextChoices):
    A = "A", "A 级（低风险）"
    B = "B", "B 级（一般风险）"
    C = "C", "C 级（较高风险）"
    D = "D", "D 级（高风险）"


class InstitutionGrade(TenantModel):
    """The current grade of one institution (one row per institution)."""

    institution = models.OneToOneField("registry.Institution", on_delete=models.CASCADE, related_name="grade",
                                       verbose_name="机构")
    grade = models.CharField("等级", max_length=1, choices=Grade.choices)
    score = models.IntegerField("得分")
    forced_d = models.BooleanField("一票否决（D）", default=False)
    breakdown = models.JSONField("计分明细", default=dict)
    computed_at = models.DateTimeField("计算时间", help_text="得出当前得分与明细的时间（结果不变的夜间重算不改写）")
    changed_at = models.DateTimeField("等级变更时间")

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "风险信用等级"
        indexes = [models.Index(fields=["district", "grade"], name="grade_district_idx")]

    def __str__(self) -> str:
        return f"{self.grade} 级（{self.score} 分）"


@pgtrigger.register(pgtrigger.Protect(name="gradechange_append_only", operation=pgtrigger.Update | pgtrigger.Delete))
class GradeChange(TenantModel):
    """One change of an institution's grade (from empty: its first grade). Append-only."""

    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, related_name="+",
                                    verbose_name="机构")
    from_grade = models.CharField("原等级", max_length=1, blank=True)
    to_grade = models.CharField("新等级", max_length=1, choices=Grade.choices)
    score = models.IntegerField("得分")
    breakdown = models.JSONField("计分明细", default=dict)
    created_at = models.DateTimeField("时间", db_index=True)

    tenant_parent = "institution"
    tenant_institution_path = "institution_id"

    class Meta:
        verbose_name = verbose_name_plural = "风险信用等级变更记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["institution", "created_at"], name="gradechange_inst_idx")]

    def __str__(self) -> str:
        return f"{self.from_grade or '—'} → {self.to_grade}"


__all__ = ["Grade", "GradeChange", "InstitutionGrade"]
