"""What the auditor reads in the audit trail: pghistory events in words.

For a page of events (``annotate_events``) or one object's history (``object_history``) this works
out, in a fixed number of queries whatever the page's length:

* who acted — the person's name and the role of the assignment they acted through (recorded in the
  event's context by ``core.middleware.AuditContextMiddleware``; for events recorded before roles
  were, the roles the person holds now, said as such), or that no person did (a command or task);
* the institution the row belongs to (the tracked model's ``tenant_institution_path``);
* a field-by-field diff against the previous event of the same row, values in Chinese (choices by
  their labels, foreign keys by their names, yes/no, dates), personal columns (``*_encrypted``,
  ``*_hash``) never shown, not even inside JSON.

Pure presentation: no writes; imports no domain app (models are reached through the event models'
own relations and ``django.apps``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django_scopes import ScopeError

from .audit import EVENT_LABELS
from .tenancy import institution_path

HIDDEN_SUFFIXES = ("_encrypted", "_hash")
EMPTY = "—"
# Context actions recorded by services (pghistory.context(institution_action=...)), in words.
CONTEXT_ACTIONS = {"institution_suspended": "暂停服务", "institution_resumed": "恢复服务"}
# Snapshot columns that say nothing an auditor needs in a diff (same as the event's own row id / time).
NOT_DIFFED = frozenset({"id"})


def is_hidden(name: str) -> bool:
    return name.endswith(HIDDEN_SUFFIXES)


def _strip_personal(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_personal(v) for k, v in value.items() if not (isinstance(k, str) and is_hidden(k))}
    if isinstance(value, list):
        return [_strip_personal(v) for v in value]
    return value


def _choice_labels(f) -> dict:
    return {k: str(v) for k, v in (f.flatchoices or [])}


# {(tracked model label, field name): value → words}: apps teach the audit pages their JSON columns
# (registry: a filing's fees, checks, staff snapshot), for the model's rows and its events alike.
FORMATTERS: dict[tuple[str, str], Callable[[Any], str]] = {}


def register_formatter(model_label: str, field_name: str, fn: Callable[[Any], str]) -> None:
    FORMATTERS[(model_label, field_name)] = fn


def format_value(f: models.Field, value: Any, related: dict | None = None) -> str:
    """One stored value as the audit pages show it."""
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    tracked = getattr(f.model, "pgh_tracked_model", f.model)
    formatter = FORMATTERS.get((tracked._meta.label, f.name))
    if formatter is not None:
        return formatter(_strip_personal(value))
    if isinstance(f, models.ForeignKey):
        label = (related or {}).get((f.related_model, value))
        return f"{label}（{value}）" if label else str(value)
    if isinstance(f, ArrayField):
        labels = _choice_labels(f.base_field)
        return "、".join(labels.get(v, str(v)) for v in value)
    if f.choices:
        return _choice_labels(f).get(value, str(value))
    if isinstance(f, models.BooleanField):
        return "是" if value else "否"
    if isinstance(f, models.DateTimeField) and isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(f, models.JSONField):
        return json.dumps(_strip_personal(value), ensure_ascii=False, sort_keys=True, default=str)
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def snapshot_fields(event_model) -> list[models.Field]:
    """The tracked columns of an event model, in model order, without pghistory's own and personal ones."""
    return [f for f in event_model._meta.concrete_fields
            if not f.name.startswith("pgh_") and not is_hidden(f.name)]


def field_label(f: models.Field) -> str:
    return "对象编号" if f.name == "id" else str(f.verbose_name)


def diff_fields(event_model) -> list[models.Field]:
    """Columns compared between versions: not the row id, not timestamps that change on every save."""
    return [f for f in snapshot_fields(event_model)
            if f.name not in NOT_DIFFED and not getattr(f, "auto_now", False)]


# --- actors --------------------------------------------------------------------------------------------

def _metadata(event) -> dict:
    context = getattr(event, "pgh_context", None) if event.pgh_context_id else None
    return (context.metadata or {}) if context is not None else {}


def role_label(role: str | None) -> str:
    from .roles import Role

    try:
        return str(Role(role).label)
    except ValueError:
        return str(role or "")


class Actors:
    """Names and roles of the people behind a set of events (two queries for any number)."""

    def __init__(self, user_ids):
        from django.contrib.auth import get_user_model

        from . import assignments

        ids = {int(i) for i in user_ids if isinstance(i, int | str) and str(i).isdigit()}
        users = get_user_model().objects.filter(pk__in=ids).only("pk", "username", "display_name")
        self.users = {u.pk: u for u in users}
        self.roles: dict[int, list[str]] = defaultdict(list, assignments.roles_of_users(ids))

    def name(self, user_id) -> str:
        user = self.users.get(int(user_id)) if str(user_id).isdigit() else None
        if user is None:
            return f"已删除的用户（{user_id}）"
        if user.display_name and user.display_name != user.username:
            return f"{user.display_name}（{user.username}）"
        return user.username

    def label(self, user_id, role: str | None) -> str:
        """"王审核（xihu_reviewer）· 区县备案审核员"."""
        if user_id is None:
            return "未登录用户"
        if role:
            return f"{self.name(user_id)} · {role_label(role)}"
        current = self.roles.get(int(user_id), []) if str(user_id).isdigit() else []
        held = "、".join(role_label(r) for r in current) or "无"
        return f"{self.name(user_id)} · 角色未记录（现有角色：{held}）"


def actor_label(event, actors: Actors) -> str:
    if not event.pgh_context_id:
        return "系统（后台任务或管理命令，无请求上下文）"
    meta = _metadata(event)
    return actors.label(meta.get("user"), meta.get("role"))


def action_label(event) -> str:
    text = EVENT_LABELS.get(event.pgh_label, event.pgh_label)
    meta = _metadata(event)
    extra = CONTEXT_ACTIONS.get(meta.get("institution_action", ""), "")
    if extra:
        text += f"（{extra}）"
    return text


# --- institutions ----------------------------------------------------------------------------------------

def _institution_names(event_model, events) -> dict[int, str]:
    """{event pk: the name of the institution its row belongs to} (at most one query)."""
    path = institution_path(event_model.pgh_tracked_model)
    if not path or not events:
        return {}
    if path == "pk":  # the institution itself: its name at the time of the event
        return {e.pk: e.name for e in events}
    first, _, rest = path.partition("__")
    fk_name = first[:-3] if first.endswith("_id") else first
    try:
        fk = event_model._meta.get_field(fk_name)
    except FieldDoesNotExist:  # a snapshot without the column shows no institution
        return {}
    ids = {getattr(e, fk.attname) for e in events if getattr(e, fk.attname) is not None}
    if not ids:
        return {}
    related = fk.related_model
    name_path = "name" if not rest else rest.removesuffix("_id") + "__name"
    names = dict(related._default_manager.filter(pk__in=ids).values_list("pk", name_path))
    return {e.pk: names.get(getattr(e, fk.attname), "") for e in events}


def has_institution(event_model) -> bool:
    return bool(institution_path(event_model.pgh_tracked_model))


# --- versions and diffs ---------------------------------------------------------------------------------

@dataclass
class Change:
    name: str
    label: str
    old: str
    new: str


@dataclass
class EventRow:
    """One event, as the pages show it."""

    event: Any
    actor: str = ""
    action: str = ""
    institution: str = ""
    reason: str = ""
    changes: list[Change] = field(default_factory=list)
    # Insert and delete: every value of the row (there is no "before" / "after").
    values: list[Change] = field(default_factory=list)

    @property
    def summary(self) -> str:
        if self.event.pgh_label == "insert":
            return "新建记录"
        if self.event.pgh_label == "delete":
            return "删除记录"
        return "、".join(c.label for c in self.changes) or "无字段变化"


def _previous_events(event_model, events) -> dict[int, Any]:
    """{event pk: the event before it on the same row}, in one query: the rows fetched are exactly
    the previous versions, so for each event the latest fetched version of its row below it is its own."""
    if not events:
        return {}
    manager = event_model._default_manager
    previous = (manager.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
                .order_by("-pgh_id").values("pgh_id")[:1])
    wanted = manager.filter(pk__in=[e.pk for e in events]).annotate(prev=Subquery(previous)).values("prev")
    by_obj: dict[Any, list] = defaultdict(list)
    for row in manager.filter(pk__in=wanted).order_by("-pgh_id"):
        by_obj[row.pgh_obj_id].append(row)
    out = {}
    for e in events:
        earlier = next((r for r in by_obj.get(e.pgh_obj_id, []) if r.pgh_id < e.pgh_id), None)
        if earlier is not None:
            out[e.pk] = earlier
    return out


def _related_labels(refs: set[tuple[type, Any]]) -> dict:
    """{(model, pk): str(row)} for the foreign keys shown, one query per model."""
    by_model: dict[type, set] = defaultdict(set)
    for model, pk in refs:
        by_model[model].add(pk)
    out = {}
    for model, pks in by_model.items():
        try:
            rows = list(model._default_manager.filter(pk__in=pks))
        except ScopeError:  # a tenant model read outside any scope: shown by its id
            rows = []
        for row in rows:
            out[(model, row.pk)] = str(row)
    return out


def build_rows(event_model, events, *, detail: bool = True, full_values: bool = False) -> list[EventRow]:
    """Rows for ``events`` (all of one event model), each with actor, action, institution and diff.
    ``detail=False`` (a list page) names the changed fields without formatting their values."""
    events = list(events)
    actors = Actors(_metadata(e).get("user") for e in events)
    institutions = _institution_names(event_model, events)
    previous = _previous_events(event_model, events)
    fields = diff_fields(event_model)
    shown = snapshot_fields(event_model)

    raw: list[tuple[Any, list[tuple[models.Field, Any, Any]], list[tuple[models.Field, Any]]]] = []
    refs: set[tuple[type, Any]] = set()
    for e in events:
        prev = previous.get(e.pk)
        changed = []
        if e.pgh_label not in ("insert", "delete") and prev is not None:
            for f in fields:
                old, new = getattr(prev, f.attname), getattr(e, f.attname)
                if old != new:
                    changed.append((f, old, new))
        values = [(f, getattr(e, f.attname)) for f in shown] if detail and (
            full_values or e.pgh_label != "update" or prev is None) else []
        for f, old, new in changed:
            if isinstance(f, models.ForeignKey):
                refs |= {(f.related_model, v) for v in (old, new) if v is not None}
        for f, value in values:
            if isinstance(f, models.ForeignKey) and value is not None:
                refs.add((f.related_model, value))
        raw.append((e, changed, values))
    related = _related_labels(refs) if detail else {}

    rows = []
    for e, changed, values in raw:
        meta = _metadata(e)
        rows.append(EventRow(
            event=e, actor=actor_label(e, actors), action=action_label(e), institution=institutions.get(e.pk, ""),
            reason=str(meta.get("reason") or ""),
            changes=[Change(f.name, field_label(f), format_value(f, old, related) if detail else "",
                            format_value(f, new, related) if detail else "") for f, old, new in changed],
            values=[Change(f.name, field_label(f), "", format_value(f, value, related)) for f, value in values],
        ))
    return rows


def event_model_for(model) -> type | None:
    """The pghistory event model that records ``model`` (``@track`` names its relation audit_events)."""
    descriptor = getattr(model, "audit_events", None)
    rel = getattr(descriptor, "rel", None)
    return getattr(rel, "related_model", None)


def event_models() -> list[type]:
    from pghistory.models import Event

    return [m for m in apps.get_models() if issubclass(m, Event) and getattr(m, "pgh_tracked_model", None)]


__all__ = ["Actors", "Change", "EventRow", "build_rows", "diff_fields", "event_model_for", "format_value",
           "has_institution", "register_formatter", "snapshot_fields"]
