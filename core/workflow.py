"""Workflows: one transition table per status-bearing model, and the one way its status moves.

A status that a user's action changes (a filing's, an institution's, a claim's; later an
inspection's, a subsidy claim's) is a state machine. Its legal moves are ONE table in code —
from which states, by which action, to which state, who may, whether the checks must pass — and
every move goes through that table: the role is checked, the version compared, the move refused
when it is not in the table, the row saved and an event row written in the same transaction.
Nothing else assigns the status: the field is protected (django-fsm), and a row whose status
changed since it was read is not saved (``ConcurrentTransitionMixin``).

How an app uses it
------------------
1. **The model**: a protected status, its mover, the concurrency guard; optionally a ``version``
   (bumped on every move, compared with the ``expected_version`` a user's form or request carried)::

       class Inspection(WorkflowModel, TenantModel):
           status = status_field(InspectionStatus, default=InspectionStatus.PLANNED)
           move_to = status_mover(status, InspectionStatus)
           version = models.PositiveIntegerField("版本", default=1)

   and its event table, a ``core.events.WorkflowEvent`` subclass (append-only by construction).
2. **The table**, in ``<app>/workflow.py`` (``manage.py workflows_doc`` finds it there)::

       class InspectionAction(models.TextChoices):
           START = "start", "开始检查"
           CLOSE = "close", "办结"

       S = InspectionStatus
       INSPECTION = Workflow(model=Inspection, states=InspectionStatus, actions=InspectionAction, noun="检查",
                             transitions=(
           Transition(InspectionAction.START, (S.PLANNED,), S.IN_PROGRESS, INSPECTORS),
           Transition(InspectionAction.CLOSE, (S.IN_PROGRESS,), S.CLOSED, INSPECTORS, requires_checks=True),
       ))
3. **The services** lock the row (``select_for_update``), then::

       t = INSPECTION.ensure_transition(obj, InspectionAction.CLOSE, actor, expected_version=version)
       ...  # the app's own rules (t.requires_checks), the other fields of the row
       INSPECTION.apply(obj, t, actor=actor, update_fields=["closed_at"], reason="…")

   (``INSPECTION.move(obj, action, actor, ...)`` does both when there is nothing in between.)
   A scheduled sweep moves many rows in SQL with ``apply_bulk(queryset, action)``: only rows in
   one of the transition's source states move, each gets its event, and the transition must be
   marked ``system=True`` (the table says a sweep may take it).
4. **The docs**: ``docs/workflows.md`` is generated from every table (``manage.py workflows_doc``);
   a test fails when the file and the tables disagree. Test the table with every (state × action)
   pair through the app's services: each is the legal move or refused with ``InvalidTransition``.

Errors: wrong role → ``NotFound``/``PermissionDenied`` (``core.permissions.require_role``); stale
version or a concurrent move → ``Conflict`` (409); a move not in the table → ``InvalidTransition``
(409), in Chinese, naming the current state and the action.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from django.db import connection, models
from django.utils import timezone
from django_fsm import (
    RETURN_VALUE,
    ConcurrentTransition,
    ConcurrentTransitionMixin,
    FSMField,
    FSMFieldMixin,
    transition,
)

from .errors import Conflict, InvalidTransition
from .events import TENANT_COLUMNS, event_model_for, event_params, insert_events_sql, record_event
from .permissions import require_role

MOVER = "move_to"


@dataclass(frozen=True)
class Transition:
    """One legal move: ``action`` takes a row in one of ``sources`` to ``target``.

    ``roles``: who may take it (a role held in a scope covering the row). ``requires_checks``: the
    app's checks must pass (the service runs them). ``system``: a scheduled sweep may also take it
    for many rows at once, with no actor (``Workflow.apply_bulk``). ``note``: when and why, in
    Chinese, for the generated docs.
    """

    action: str
    sources: tuple[str, ...]
    target: str
    roles: frozenset[str]
    requires_checks: bool = False
    system: bool = False
    note: str = ""


@cache
def _state_fields(model: type[models.Model]) -> tuple[FSMFieldMixin, ...]:
    return tuple(field for field in model._meta.fields if isinstance(field, FSMFieldMixin))


class WorkflowModel(ConcurrentTransitionMixin, models.Model):
    """Abstract base of a model with a workflow status: a save never overwrites a concurrent move."""

    class Meta:
        abstract = True

    # django-fsm filters every field of the model for its status fields each time a row is loaded (in
    # ``__init__``) and saved; a list page loads dozens of rows. The same answer, found once per model.
    @property
    def state_fields(self):
        return _state_fields(type(self))

    def _update_initial_state(self) -> None:
        self._ConcurrentTransitionMixin__initial_states = {
            field.attname: field.value_from_object(self) for field in _state_fields(type(self))}


def status_field(states: type[models.TextChoices], *, default: str, verbose_name: str = "状态",
                 **kwargs) -> FSMField:
    """The protected status column: assigning it raises; only the workflow's mover changes it."""
    return FSMField(verbose_name, max_length=16, choices=states.choices, default=default, protected=True, **kwargs)


def status_mover(field: FSMField, states: type[models.TextChoices]):
    """The model's one mover (``move_to = status_mover(status, States)``). Called by ``Workflow.apply``
    only, after the table, the role and the row lock were checked."""

    @transition(field=field, source="*", target=RETURN_VALUE(*states.values))
    def move_to(self, target: str) -> str:
        return target

    move_to.__doc__ = "Move the protected status (call through core.workflow.Workflow.apply only)."
    return move_to


_WORKFLOWS: list[Workflow] = []


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


class Workflow:
    """The transition table of one model's status, and the operations that respect it."""

    def __init__(self, *, model: type[models.Model], states: type[models.TextChoices],
                 actions: type[models.TextChoices], transitions: Iterable[Transition], noun: str,
                 field: str = "status", title: str = "", role_labels: dict[str, str] | None = None):
        self.model, self.states, self.actions, self.noun, self.field = model, states, actions, noun, field
        self.transitions: tuple[Transition, ...] = tuple(transitions)
        self.title = title or f"{noun}（{model._meta.label}.{field}）"
        self.role_labels = role_labels or {}
        self.by_action: dict[str, Transition] = {}
        for t in self.transitions:
            if t.action not in actions.values:
                raise ValueError(f"{model.__name__}: action {t.action!r} is not one of {actions.__name__}")
            if t.action in self.by_action:
                raise ValueError(f"{model.__name__}: action {t.action!r} has two transitions")
            unknown = {*t.sources, t.target} - set(states.values)
            if unknown:
                raise ValueError(f"{model.__name__}: {sorted(unknown)} are not {states.__name__} values")
            if not t.sources or not t.roles:
                raise ValueError(f"{model.__name__}: {t.action!r} needs source states and roles")
            self.by_action[t.action] = t
        status = model._meta.get_field(field)
        if not (isinstance(status, FSMField) and status.protected) or not issubclass(model, ConcurrentTransitionMixin):
            raise TypeError(f"{model.__name__}.{field}: a workflow status is a protected FSMField on a WorkflowModel")
        if not callable(getattr(model, MOVER, None)):
            raise TypeError(f"{model.__name__}: define {MOVER} = status_mover({field}, {states.__name__})")
        names = {f.name for f in model._meta.concrete_fields}
        self.version_field = "version" if "version" in names else None
        self.touch_fields = tuple(f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False))
        _WORKFLOWS.append(self)

    def __repr__(self) -> str:
        return f"<Workflow {self.model._meta.label}.{self.field}>"

    # --- reading the table ---------------------------------------------------------------------------

    def transition(self, action: str) -> Transition:
        try:
            return self.by_action[action]
        except KeyError:
            raise ValueError(f"{self.model.__name__}: no transition for action {action!r}") from None

    def roles_for(self, *actions: str) -> frozenset:
        """Everyone who may take any of ``actions`` (from some state): what an endpoint that takes them
        checks before it reads a request body (``core.api.parse_for_roles``)."""
        return frozenset().union(*(self.transition(a).roles for a in actions))

    def allowed_actions(self, status: str) -> list[str]:
        """The actions the table allows from ``status`` (whoever may take them), in table order."""
        return [t.action for t in self.transitions if status in t.sources]

    def allows(self, action: str, status: str) -> bool:
        return status in self.transition(action).sources

    def state_label(self, value: str) -> str:
        return _label(self.states, value)

    def action_label(self, value: str) -> str:
        return _label(self.actions, value)

    def event_model(self):
        return event_model_for(self.model)

    # --- one row -------------------------------------------------------------------------------------

    def illegal_message(self, status: str, action: str) -> str:
        t = self.transition(action)
        label = self.action_label(action)
        sources = "或".join(f"“{self.state_label(s)}”" for s in t.sources)
        return (f"{self.noun}当前状态为“{self.state_label(status)}”，不能执行“{label}”操作；"
                f"只有{sources}的{self.noun}可以{label}。")

    def check_version(self, obj, expected_version: int | None) -> None:
        if expected_version is None or self.version_field is None:
            return
        if getattr(obj, self.version_field) != expected_version:
            raise Conflict(f"该{self.noun}已被他人处理或修改，请刷新页面后重试。")

    def ensure_transition(self, obj, action: str, actor, *, expected_version: int | None = None) -> Transition:
        """Refuse the wrong role (NotFound/PermissionDenied), a row changed since the actor looked at
        it (Conflict), or a move not in the table (InvalidTransition) — in that order, so that of two
        people acting at once the loser hears "somebody else acted", not "illegal move".
        Call it on a row locked with ``select_for_update``."""
        t = self.transition(action)
        require_role(actor, t.roles, obj)
        self.check_version(obj, expected_version)
        status = getattr(obj, self.field)
        if status not in t.sources:
            raise InvalidTransition(self.illegal_message(status, action))
        return t

    def apply(self, obj, transition: Transition, *, actor, update_fields: Iterable[str] = (), reason: str = "",
              items: Iterable[str] = ()):
        """Move the locked row to the transition's target, bump its version, save ``update_fields``
        with it and write the event; returns the event (``event.from_status`` is the old state)."""
        if self.by_action.get(transition.action) is not transition:
            raise ValueError(f"{transition!r} is not a transition of {self!r}")
        previous = getattr(obj, self.field)
        if previous not in transition.sources:
            raise InvalidTransition(self.illegal_message(previous, transition.action))
        getattr(obj, MOVER)(transition.target)
        fields = {*update_fields, self.field, *self.touch_fields}
        if self.version_field:
            setattr(obj, self.version_field, getattr(obj, self.version_field) + 1)
            fields.add(self.version_field)
        try:
            obj.save(update_fields=sorted(fields))
        except ConcurrentTransition as exc:
            raise Conflict(f"该{self.noun}已被他人处理，请刷新页面后查看最新状态。") from exc
        return record_event(obj, actor=actor, action=transition.action, from_status=previous, reason=reason,
                            items=items)

    def move(self, obj, action: str, actor, *, expected_version: int | None = None,
             update_fields: Iterable[str] = (), reason: str = "", items: Iterable[str] = ()):
        """``ensure_transition`` then ``apply``: a move with nothing else to decide in between."""
        t = self.ensure_transition(obj, action, actor, expected_version=expected_version)
        return self.apply(obj, t, actor=actor, update_fields=update_fields, reason=reason, items=items)

    # --- many rows -----------------------------------------------------------------------------------

    def apply_bulk(self, queryset: models.QuerySet, action: str, *, reason: str = "", items: Iterable[str] = (),
                   now=None) -> list[int]:
        """Move every row of ``queryset`` that is in a source state of ``action`` — in ONE statement:
        rows locked, status set (version bumped, ``auto_now`` columns touched), one event per moved
        row (no actor) — and return the ids moved. For scheduled sweeps: the transition must be
        ``system=True``. Rows in any other state are left alone (a sweep runs again tomorrow)."""
        t = self.transition(action)
        if not t.system:
            raise ValueError(f"{self.model.__name__}: {action!r} is not a system transition (system=True)")
        if queryset.model is not self.model:
            raise ValueError(f"apply_bulk: {queryset.model.__name__} is not {self.model.__name__}")
        now = now or timezone.now()
        meta = self.model._meta
        table, pk, status = meta.db_table, meta.pk.column, meta.get_field(self.field).column
        inner, inner_params = queryset.values("pk").query.sql_with_params()
        sets = [f"{status} = %s"]
        set_params: list = [str(t.target)]
        if self.version_field:
            column = meta.get_field(self.version_field).column
            sets.append(f"{column} = t.{column} + 1")
        for name in self.touch_fields:
            sets.append(f"{meta.get_field(name).column} = %s")
            set_params.append(now)
        tenant = ", ".join(f"t.{c}" for c in TENANT_COLUMNS)
        sql = (
            f"WITH picked AS (SELECT p.{pk} AS id, p.{status} AS from_status FROM {table} p "  # noqa: S608 - names are ours
            f"WHERE p.{pk} IN ({inner}) AND p.{status} = ANY(%s) FOR UPDATE), "
            f"moved AS (UPDATE {table} t SET {', '.join(sets)} FROM picked WHERE t.{pk} = picked.id "
            f"RETURNING t.{pk} AS id, picked.from_status, t.{status} AS to_status, {tenant}) "
            + insert_events_sql(event_model_for(self.model), "moved"))
        params = [*inner_params, [str(s) for s in t.sources], *set_params,
                  *event_params(action=t.action, reason=reason, items=items, created_at=now)]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return [row[0] for row in cursor.fetchall()]

    # --- the table as documentation ------------------------------------------------------------------

    def _roles(self, t: Transition) -> str:
        names = sorted(self.role_labels.get(str(r), str(getattr(r, "label", r))) for r in t.roles)
        if t.system:
            names.append("系统（定时任务）")
        return "、".join(names)

    def rows(self) -> list[dict[str, str]]:
        return [{
            "action": f"{self.action_label(t.action)}（`{t.action}`）",
            "from": "、".join(self.state_label(s) for s in t.sources),
            "to": self.state_label(t.target),
            "roles": self._roles(t),
            "checks": "须全部通过" if t.requires_checks else "—",
            "note": t.note or "—",
        } for t in self.transitions]

    def as_markdown(self) -> str:
        lines = [f"## {self.title}", "",
                 "状态：" + "、".join(f"{label}（`{value}`）" for value, label in self.states.choices) + "。", "",
                 "| 操作 | 从 | 到 | 谁可以 | 检查 | 说明 |", "|---|---|---|---|---|---|"]
        lines += [f"| {r['action']} | {r['from']} | {r['to']} | {r['roles']} | {r['checks']} | {r['note']} |"
                  for r in self.rows()]
        return "\n".join(lines) + "\n"


def workflows() -> list[Workflow]:
    """Every app's workflow table (imports ``<app>.workflow`` of each installed app that has one)."""
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("workflow")
    return sorted(_WORKFLOWS, key=lambda w: (w.model._meta.app_label, w.model._meta.model_name, w.field))


DOC_HEADER = """# 流转规则（状态机）

<!-- Generated from the transition tables in code (core.workflow): `python manage.py workflows_doc`.
     Do not edit by hand; tests/core/test_workflow.py fails when this file and the tables differ. -->

每个带状态的对象只有一张流转表：从哪些状态、经哪个操作、到哪个状态、谁可以操作、是否须通过检查。
表外的操作一律被拒绝（`InvalidTransition`），每次流转都写一条不可修改的流转记录。
"""


def workflows_markdown() -> str:
    return DOC_HEADER + "".join("\n" + w.as_markdown() for w in workflows())


__all__ = ["Transition", "Workflow", "WorkflowModel", "status_field", "status_mover", "workflows",
           "workflows_markdown"]


def install_fsm_migration_fix() -> None:
    """Every ``FSMField`` connects one ``class_prepared`` receiver when it joins a model class, to
    collect the model's transition methods. ``migrate`` renders the historical models of its state
    again after most operations (about 40,000 model classes for this project's migrations), each with
    fresh status fields, so the receivers pile up until the garbage collector frees the old renders:
    every model class prepared then calls hundreds of them. On a fresh database that was most of
    ``migrate``'s time (and of every test run's database set-up). A historical model (module
    ``__fake__``) has no transition methods to collect, so its fields disconnect their receiver at once.
    Installed once from ``CoreConfig.ready()``; ``tests/core/test_workflow_migrations.py`` proves the
    real models still collect their transitions and historical ones leave no receiver behind."""
    from django.db.models.signals import class_prepared
    from django_fsm import FSMFieldMixin

    original = getattr(FSMFieldMixin.contribute_to_class, "__wrapped__", FSMFieldMixin.contribute_to_class)

    def contribute_to_class(self, cls, name, private_only=False, **kwargs):
        original(self, cls, name, private_only=private_only, **kwargs)
        if cls.__module__ == "__fake__":
            class_prepared.disconnect(self._collect_transitions)

    contribute_to_class.__wrapped__ = original
    FSMFieldMixin.contribute_to_class = contribute_to_class
