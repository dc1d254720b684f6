"""Workflow events: one append-only row per move of a status-bearing row, in its own app's table.

Every workflow (``core.workflow.Workflow``) records who moved which row from which state to which,
when, why and with which itemised reasons. The rows are the history a user reads (a filing's
流转记录) and an audit record in their own right, so they are never rewritten.

How an app uses it
------------------
1. Next to the model whose status moves, declare its event table as a subclass of
   ``WorkflowEvent``, naming the foreign key to the row it is about in ``subject_field``::

       class InspectionEvent(WorkflowEvent):
           inspection = models.ForeignKey(Inspection, on_delete=models.PROTECT, related_name="events",
                                          verbose_name="检查")
           subject_field = "inspection"
           tenant_institution_path = "inspection__institution_id"

           class Meta(WorkflowEvent.Meta):
               verbose_name = verbose_name_plural = "检查流转记录"

   The table is **append-only by construction**: every concrete subclass gets the trigger
   ``<model_name>_append_only`` (django-pgtrigger), refusing UPDATE and DELETE, and
   ``makemigrations`` writes it into the app's migration. Being a tenant table, it also needs the
   row-security policy (``core.db.rls.enable_sql``) in a migration of the app, like every tenant
   table. ``tests/core/test_audit.py`` and ``tests/core/test_row_security.py`` check both for
   every subclass.
2. Hand it to the app's ``Workflow(event_model=...)``: ``Workflow.apply`` writes the event of each
   move in the transaction of the move; ``Workflow.apply_bulk`` writes one per moved row in SQL.
3. Entries that are not moves (a row's creation, a sweep's marker) are written with
   ``record_event(obj, ...)`` or, set-based, ``record_bulk(queryset, ...)``.

One table per workflow, not one shared table: each event keeps a real foreign key to its subject
(integrity, index, ``obj.events``), its own row-security policy reaching the institution through
that key, and its own trigger; a shared table would need a generic relation with none of these.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any, ClassVar

import pgtrigger
from django.conf import settings
from django.db import connection, models
from django.db.models.signals import class_prepared
from django.utils import timezone

from .tenancy import TenantModel

TENANT_COLUMNS = ("region_id", "province_id", "city_id", "district_id")


class WorkflowEvent(TenantModel):
    """Abstract: actor, action, from-state, to-state, reason, items, time; tenant ids of the subject."""

    action = models.CharField("操作", max_length=24)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              verbose_name="操作人")
    reason = models.TextField("说明", blank=True)
    items = models.JSONField("事项", default=list, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    # The foreign key to the row the event is about, and that row's status field.
    subject_field: ClassVar[str] = ""
    subject_status_field: ClassVar[str] = "status"

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.action}：{self.from_status or '—'} → {self.to_status}"

    @classmethod
    def subject_model(cls) -> type[models.Model]:
        return cls._meta.get_field(cls.subject_field).related_model

    @classmethod
    def record(cls, obj, *, actor, action: str, from_status: str, reason: str = "",
               items: Iterable[str] = ()) -> WorkflowEvent:
        """Write the event of ``obj`` (now in its new state) with the subject's tenant ids."""
        event = cls(action=str(action), from_status=str(from_status or ""),
                    to_status=str(getattr(obj, cls.subject_status_field)), actor=actor, reason=reason or "",
                    items=[str(i) for i in items])
        setattr(event, cls._meta.get_field(cls.subject_field).attname, obj.pk)
        for column in TENANT_COLUMNS:
            setattr(event, column, getattr(obj, column))
        event.save()
        return event


def _append_only(sender, **kwargs) -> None:
    """Give every concrete ``WorkflowEvent`` its append-only trigger (in its app's migration)."""
    if not issubclass(sender, WorkflowEvent) or sender._meta.abstract or sender._meta.proxy:
        return
    if not sender.subject_field:
        raise TypeError(f"{sender.__name__}: set subject_field to the foreign key of the row it records")
    name = f"{sender._meta.model_name}_append_only"
    if not any(t.name == name for t in getattr(sender._meta, "triggers", [])):
        pgtrigger.register(pgtrigger.Protect(name=name, operation=pgtrigger.Update | pgtrigger.Delete))(sender)


class_prepared.connect(_append_only)


def event_models() -> list[type[WorkflowEvent]]:
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, WorkflowEvent)]


_BY_SUBJECT: dict[type[models.Model], type[WorkflowEvent]] = {}


def event_model_for(model: type[models.Model]) -> type[WorkflowEvent]:
    """The event table of ``model`` (exactly one ``WorkflowEvent`` subclass points at it)."""
    if model not in _BY_SUBJECT:
        found = [m for m in event_models() if m.subject_model() is model]
        if len(found) != 1:
            raise LookupError(f"{model.__name__}: expected one WorkflowEvent subclass recording it, found {found}")
        _BY_SUBJECT[model] = found[0]
    return _BY_SUBJECT[model]


def record_event(obj, *, actor, action: str, from_status: str, reason: str = "",
                 items: Iterable[str] = ()) -> WorkflowEvent:
    """Write one event of ``obj`` into its app's event table (inside the caller's transaction)."""
    return event_model_for(type(obj)).record(obj, actor=actor, action=action, from_status=from_status,
                                             reason=reason, items=items)


def insert_events_sql(event_model: type[WorkflowEvent], source: str) -> str:
    """``INSERT INTO <events> ... SELECT ... FROM <source> s RETURNING <subject id>``.

    ``source`` is a table, CTE name or parenthesised sub-select with the columns ``id``,
    ``from_status``, ``to_status`` and the tenant columns. The statement's own placeholders come
    first, in the order of ``event_params``; any placeholders of ``source`` follow them.
    """
    table = event_model._meta.db_table
    subject = event_model._meta.get_field(event_model.subject_field).column
    tenant = ", ".join(TENANT_COLUMNS)
    source_tenant = ", ".join(f"s.{c}" for c in TENANT_COLUMNS)
    return (f"INSERT INTO {table} ({subject}, action, from_status, to_status, actor_id, reason, items, "  # noqa: S608 - names are ours
            f"created_at, {tenant}) "
            f"SELECT s.id, %s, s.from_status, s.to_status, %s, %s, %s::jsonb, %s, {source_tenant} "
            f"FROM {source} s RETURNING {subject}")


def event_params(*, action: str, actor=None, reason: str = "", items: Iterable[str] = (),
                 created_at=None) -> list[Any]:
    """The values ``insert_events_sql`` binds: action, actor id, reason, items (JSON), time."""
    # Plain strings: psycopg would send an Enum member by its name, not its value.
    return [str(action), getattr(actor, "pk", actor), reason or "",
            json.dumps([str(i) for i in items], ensure_ascii=False), created_at or timezone.now()]


def record_bulk(queryset: models.QuerySet, *, action: str, reason: str = "", items: Iterable[str] = (),
                actor=None, created_at=None) -> list[int]:
    """One event per row of ``queryset``, in ONE statement: a sweep's marker (from = to = its status).

    The queryset (the caller's filter) runs inside the insert; returns the ids of the rows marked.
    """
    model = queryset.model
    event_model = event_model_for(model)
    status = model._meta.get_field(event_model.subject_status_field).column
    inner, inner_params = queryset.values("pk").query.sql_with_params()
    tenant = ", ".join(f"t.{c}" for c in TENANT_COLUMNS)
    source = (f"(SELECT t.{model._meta.pk.column} AS id, t.{status} AS from_status, t.{status} AS to_status, {tenant} "  # noqa: S608 - names are ours
              f"FROM {model._meta.db_table} t WHERE t.{model._meta.pk.column} IN ({inner}))")
    params = [*event_params(action=action, actor=actor, reason=reason, items=items, created_at=created_at),
              *inner_params]
    with connection.cursor() as cursor:
        cursor.execute(insert_events_sql(event_model, source), params)
        return [row[0] for row in cursor.fetchall()]


__all__ = ["WorkflowEvent", "event_model_for", "event_models", "record_bulk", "record_event"]
