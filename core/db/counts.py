"""Several row counts in one statement, each compiled as a plain SELECT (the home page's cards).

``Model.objects.aggregate(a=Count("pk", filter=Q(...)), ...)`` and ``.count()`` are compiled anew on
every call (aggregates carry their filters' parameters in the SELECT, so no query shape can be kept for
them), 0.3-0.6 ms of CPU each; a commission's home page asks for eleven such figures. ``count_many``
takes the querysets to count — built by the selectors as usual, so a tenant model's are confined by
its scoped manager (and row security applies as to any statement) — compiles each as ``SELECT pk ...``
through the query-shape cache (``core/db/compiler.py``: only its WHERE is compiled) and lets
PostgreSQL count them all in one statement::

    count_many(planned=Inspection.objects.filter(status="planned"),
               overdue=Inspection.objects.filter(status="completed", publish_due_at__lt=now))
    -> {"planned": 3, "overdue": 1}

A queryset whose scope is missing raises django-scopes' error, as ``.count()`` would; one that can
match nothing (an empty ``__in``) counts 0 without being sent.
"""

from __future__ import annotations

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django_scopes.manager import DisabledQuerySet


def count_many(**querysets) -> dict[str, int]:
    """``{name: queryset.count()}``, in one statement (all on one database)."""
    out = dict.fromkeys(querysets, 0)
    parts: list[str] = []
    params: list = []
    names: list[str] = []
    using = None
    for name, queryset in querysets.items():
        if isinstance(queryset, DisabledQuerySet):
            queryset.error()  # no active scope: the same ScopeError as .count()
        if using is None:
            using = queryset.db
        elif queryset.db != using:
            raise ValueError(f"count_many: {name} reads {queryset.db}, the others {using}")
        try:
            sql, values = queryset.order_by().values_list("pk").query.sql_with_params()
        except EmptyResultSet:
            continue
        parts.append(f"(SELECT count(*) FROM ({sql}) AS counted_{len(parts)})")  # noqa: S608 - Django's SQL, values as parameters
        params.extend(values)
        names.append(name)
    if parts:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            out.update(zip(names, cursor.fetchone(), strict=True))
    return out
