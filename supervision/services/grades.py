# ruff: noqa: S608 - the statement is assembled from our table and column names, registered factors' ORM SQL and integer constants; every value is bound
"""Risk and credit grades: recomputed as ONE set-based statement over a set of institutions.

``grades_recompute(institution_ids=None)`` joins every registered factor's count query
(``supervision.grading``) to the institutions not terminated (all of them, or ``institution_ids``),
computes score, forced D, grade and breakdown in SQL, upserts ``InstitutionGrade`` where the result
differs from the stored one (``computed_at``: when this result was computed; ``changed_at``: when the
grade last changed; the time of each nightly pass is in its run log) and appends a ``GradeChange`` for each
institution whose grade changed (its first grade included) — in one statement, never a Python loop
over institutions. The same function serves both paths, so the nightly pass (sweep
``supervision.regrade``) always equals the per-event result:

- **per event**: a service that changes a factor's input calls ``regrade_on_commit(ids)``; once its
  transaction commits, the task ``supervision.tasks.regrade_institutions`` recomputes those ids;
- **nightly**: the sweep recomputes every institution (catching what no event announced: a filing
  returned or an institution suspended in registry, a penalty aging out of the window, and the
  inputs of other apps).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from core.tenancy import scopes_disabled
from registry.models import Institution, InstitutionStatus

from ..grading import BASE_SCORE, LOWEST, THRESHOLDS, factors
from ..models import GradeChange, InstitutionGrade

TENANT = ("region_id", "province_id", "city_id", "district_id")


def _grade_case(score: str, forced: str) -> str:
    whens = " ".join(f"WHEN {score} >= {int(lowest)} THEN '{grade}'" for grade, lowest in THRESHOLDS)
    return f"CASE WHEN {forced} THEN '{LOWEST}' {whens} ELSE '{LOWEST}' END"


def _statement(ids: list[int] | None, today: dt.date, now) -> tuple[str, list]:
    params: list = []
    inst = Institution._meta.db_table
    where = "i.status <> %s"
    params.append(InstitutionStatus.TERMINATED.value)
    if ids is not None:
        where += " AND i.id = ANY(%s)"
        params.append(list(ids))
    tenant = ", ".join(f"i.{c}" for c in TENANT)
    ctes = [f"base AS (SELECT i.id, {tenant} FROM {inst} i WHERE {where})"]
    joins, counts, deductions, forced, parts = [], [], [], [], []
    for n, factor in enumerate(factors()):
        sql, fparams = factor.query(ids, today).query.sql_with_params()
        ctes.append(f"f{n} AS ({sql})")
        params.extend(fparams)
        joins.append(f"LEFT JOIN f{n} ON f{n}.institution_id = b.id")
        counts.append(f"COALESCE(f{n}.n, 0) AS n{n}")
        points = f"(n{n} * {int(factor.points)})"
        cut = f"LEAST({points}, {int(factor.cap)})" if factor.cap is not None else points
        deductions.append(cut)
        if factor.forces_d:
            forced.append(f"n{n} > 0")
        parts.append(f"'{factor.code}', CASE WHEN n{n} > 0 THEN jsonb_build_array(n{n}, {cut}, "
                     f"{'true' if factor.forces_d else 'false'}) END")
    count_cols = ", ".join(["b.*", *counts])
    ctes.append(f"c AS (SELECT {count_cols} FROM base b {' '.join(joins)})")
    score = f"{BASE_SCORE} - " + " - ".join(deductions) if deductions else str(BASE_SCORE)
    forced_sql = " OR ".join(forced) if forced else "false"
    # jsonb_build_object takes at most 100 arguments: one object per factor, merged.
    breakdown = " || ".join(f"jsonb_strip_nulls(jsonb_build_object({p}))" for p in parts) or "'{}'::jsonb"
    ctes.append(f"s AS (SELECT c.id, {', '.join('c.' + t for t in TENANT)}, ({score}) AS score, "
                f"({forced_sql}) AS forced, ({breakdown}) AS breakdown FROM c)")
    ctes.append(f"g AS (SELECT s.*, {_grade_case('s.score', 's.forced')} AS grade FROM s)")
    grade_table, change_table = InstitutionGrade._meta.db_table, GradeChange._meta.db_table
    cols = ", ".join(TENANT)
    g_cols = ", ".join(f"g.{c}" for c in TENANT)
    stored = ", ".join(f"o.{c}" for c in ("grade", "score", "forced_d", "breakdown", *TENANT))
    computed = ", ".join(f"g.{c}" for c in ("grade", "score", "forced", "breakdown", *TENANT))
    # Only the institutions whose result differs from the stored one (or that have none) are written:
    # a nightly pass over a quiet country reads everything and writes (almost) nothing.
    ctes.append(f"diff AS (SELECT g.*, o.grade AS old_grade FROM g LEFT JOIN {grade_table} o "
                f"ON o.institution_id = g.id WHERE o.institution_id IS NULL OR ({stored}) IS DISTINCT FROM ({computed}))")
    ctes.append(
        f"up AS (INSERT INTO {grade_table} (institution_id, grade, score, forced_d, breakdown, computed_at, changed_at, "
        f"{cols}) SELECT g.id, g.grade, g.score, g.forced, g.breakdown, %s, %s, {g_cols} FROM diff g "
        f"ON CONFLICT (institution_id) DO UPDATE SET grade = EXCLUDED.grade, score = EXCLUDED.score, "
        f"forced_d = EXCLUDED.forced_d, breakdown = EXCLUDED.breakdown, computed_at = EXCLUDED.computed_at, "
        f"changed_at = CASE WHEN {grade_table}.grade = EXCLUDED.grade THEN {grade_table}.changed_at "
        f"ELSE EXCLUDED.changed_at END, "
        + ", ".join(f"{c} = EXCLUDED.{c}" for c in TENANT)
        + " RETURNING institution_id)")
    params += [now, now]
    ctes.append(
        f"ch AS (INSERT INTO {change_table} (institution_id, from_grade, to_grade, score, breakdown, created_at, {cols}) "
        f"SELECT g.id, COALESCE(g.old_grade, ''), g.grade, g.score, g.breakdown, %s, {g_cols} "
        f"FROM diff g WHERE g.old_grade IS DISTINCT FROM g.grade "
        f"RETURNING to_grade)")
    params.append(now)
    sql = ("WITH " + ",\n".join(ctes) + "\n"
           "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM ch)")
    return sql, params


def grades_recompute(*, institution_ids: Iterable[int] | None = None, today: dt.date | None = None,
                     now=None) -> dict[str, int]:
    """Recompute the grades of ``institution_ids`` (``None``: every institution not terminated) in
    one statement. Returns ``{"updated": grade rows written (new or with another result), "changed": grade
    changes recorded}``: an institution whose result is the same is not rewritten.
    Runs with scopes disabled (grades span districts); the caller holds the transaction."""
    today = today or timezone.localdate()
    now = now or timezone.now()
    ids = None if institution_ids is None else sorted({int(i) for i in institution_ids})
    if ids == []:
        return {"updated": 0, "changed": 0}
    with scopes_disabled():
        sql, params = _statement(ids, today, now)
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            updated, changed = cursor.fetchone()
    return {"updated": updated, "changed": changed}


def regrade_on_commit(institution_ids: Iterable[int]) -> None:
    """Once the current transaction commits, regrade these institutions (a Celery task)."""
    ids = sorted({int(i) for i in institution_ids})
    if not ids:
        return

    def enqueue():
        from core.queue import send

        from ..tasks import regrade_institutions

        send(regrade_institutions, ids)  # broker down: the nightly regrade sweep covers them

    transaction.on_commit(enqueue)


def regrade_sweep(*, today: dt.date | None = None, now=None) -> dict[str, int]:
    """The nightly pass (sweep ``supervision.regrade``): every institution, one statement."""
    return grades_recompute(today=today, now=now)


__all__ = ["grades_recompute", "regrade_on_commit", "regrade_sweep"]
