"""Scheduled sweeps: one registry of named sweeps, one entry point, a lock and a run log for each.

A *sweep* is periodic work over every district at once (deadlines passed, terminations taking
effect, 挂靠 flags): one set-based statement that finds and marks the rows due (never a Python
loop over all rows), idempotent (a marker records what was done and a marked row is never picked
again), returning counts.

How an app adds one
-------------------
1. Write the function: ``def my_sweep(*, now=None) -> dict[str, int]``. It runs inside a
   transaction with scopes disabled (it spans every district). It returns counts: ``notified``
   for notifications sent; every other integer counts rows it changed or marked (the run log's
   ``rows`` is their sum). A deadline that passed is the common case: make it an
   ``OverdueSweep`` (below) instead of writing SQL.
   Rows it derives in bulk from a tracked model (flags, markers): register it with
   ``bulk_audited=[Model]`` and the run is audited as ONE ``bulk_write`` event of its ``SweepRun``
   (the counts) instead of one history row per row (``core.audit.bulk_writes``).
2. Register it in ``<app>/sweeps.py``; core imports that module of every installed app the first
   time a sweep is looked up (``autodiscover_modules``), so core names no domain app::

       from core.sweeps import register
       register("registry.terminations", termination_sweep, title="终止日期已到的机构变更为已终止")

3. Schedule it in ``childcare/celery.py`` with the one task that runs any sweep::

       "terminations": {"task": "core.tasks.run_sweep", "args": ["registry.terminations"],
                        "schedule": crontab(minute=10, hour=0)},

   (``tests/core/test_sweeps.py`` fails for a registered sweep that is not scheduled.)
   By hand: ``manage.py run_sweep registry.terminations``; ``manage.py run_sweep`` lists them.

What ``run_sweep(name)`` does
-----------------------------
- writes a ``SweepRun`` row (committed at once: the system admin sees it "running" in the admin);
- opens a transaction with scopes disabled and tries ``pg_try_advisory_xact_lock`` on the sweep's
  own key: if another run of the same sweep holds it, this run does nothing and is logged
  ``skipped`` (the running one does the work; the next schedule catches anything later);
- runs the function, commits, and logs ``ok`` with the counts, or on an exception rolls the work
  back, logs ``failed`` with the exception's type and first line (sweeps put no personal data in
  messages) and raises again (Celery retries deadlocks; the command exits non-zero).
Notifications a sweep sends are rows in its transaction; their emails go after commit.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

from .models import SweepOutcome, SweepRun
from .tenancy import scopes_disabled

logger = logging.getLogger(__name__)

# pg_try_advisory_xact_lock(namespace, key): the two-key space never meets single-key locks.
LOCK_NAMESPACE = 7_300
NOTIFIED = "notified"


@dataclass(frozen=True)
class Sweep:
    name: str
    func: Callable[..., Mapping[str, Any]]
    title: str = ""
    # Models whose rows the sweep writes in bulk: audited as one ``bulk_write`` event of the run
    # (with its counts) instead of one history row per row (``core.audit.bulk_writes``).
    bulk_audited: tuple[type[models.Model], ...] = ()

    @property
    def lock_key(self) -> int:
        return lock_key(self.name)


_sweeps: dict[str, Sweep] = {}
_discovered = False


def lock_key(name: str) -> int:
    """The sweep's advisory-lock key (a signed 32-bit int derived from its name)."""
    value = zlib.crc32(f"sweep:{name}".encode())
    return value - (1 << 32) if value >= (1 << 31) else value


def register(name: str, func: Callable[..., Mapping[str, Any]], *, title: str = "",
             bulk_audited: Iterable[type[models.Model]] = ()) -> Sweep:
    """Add a named sweep (from ``<app>/sweeps.py``). Names are ``<app>.<what>``; one name, one sweep.

    ``bulk_audited``: tracked models (``core.audit.track``) whose rows this sweep derives in bulk
    (flags, markers): their per-row history triggers are skipped during the run and the run records
    one ``bulk_write`` audit event instead, with its counts (``run_body``).
    """
    existing = _sweeps.get(name)
    if existing is not None and existing.func is not func:
        raise ValueError(f"sweep {name!r} is registered twice")
    sweep = Sweep(name=name, func=func, title=title, bulk_audited=tuple(bulk_audited))
    _sweeps[name] = sweep
    return sweep


def _discover() -> None:
    global _discovered
    if not _discovered:
        autodiscover_modules("sweeps")
        _discovered = True


def registered() -> dict[str, Sweep]:
    """Every registered sweep by name (sorted)."""
    _discover()
    return dict(sorted(_sweeps.items()))


def get_sweep(name: str) -> Sweep:
    sweeps = registered()
    if name not in sweeps:
        raise KeyError(f"no sweep named {name!r} (registered: {', '.join(sweeps) or 'none'})")
    return sweeps[name]


def _try_lock(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, lock_key(name)])
        return bool(cursor.fetchone()[0])


def rows_of(summary: Mapping[str, Any]) -> int:
    return sum(v for k, v in summary.items() if k != NOTIFIED and isinstance(v, int) and not isinstance(v, bool))


def _error_text(exc: BaseException) -> str:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return f"{type(exc).__name__}: {first_line}"[:500]


def _finish(run: SweepRun, outcome: str, summary: Mapping[str, Any], error: str = "") -> None:
    run.outcome, run.summary, run.error = outcome, dict(summary), error
    run.rows, run.finished_at = rows_of(summary), timezone.now()
    run.save(update_fields=["outcome", "summary", "error", "rows", "finished_at"])


def run_body(sweep: Sweep, run: SweepRun | None = None, **params) -> Mapping[str, Any]:
    """The sweep's work inside the caller's transaction (lock taken, scopes disabled): the function,
    and for a bulk-audited sweep its one audit event (``core.audit.bulk_writes``): a ``bulk_write``
    event of ``run`` (the sweep's name, its counts and their sum), in the same transaction as the
    rows, so the rows and their audit commit or vanish together."""
    import pghistory

    from .audit import BULK_WRITE, bulk_writes

    if not sweep.bulk_audited:
        return sweep.func(**params) or {}
    with bulk_writes(*sweep.bulk_audited):
        summary = dict(sweep.func(**params) or {})
    if run is None:  # benchmarks call the body alone: the event still needs a run to belong to
        run = SweepRun.objects.create(name=sweep.name, started_at=timezone.now())
    run.summary, run.rows = summary, rows_of(summary)
    pghistory.create_event(run, label=BULK_WRITE)
    return summary


def run_sweep(name: str, **params) -> SweepRun:
    """Run the sweep ``name`` now, under its lock, and log the run; returns the ``SweepRun``.

    ``params`` go to the sweep function (tests pass ``now=`` / ``today=``). Raises ``KeyError`` for
    an unknown name, and whatever the sweep raised (after logging it).
    """
    sweep = get_sweep(name)
    run = SweepRun.objects.create(name=name, started_at=timezone.now())
    summary: Mapping[str, Any] = {}
    outcome = SweepOutcome.OK
    try:
        with scopes_disabled(), transaction.atomic():
            if _try_lock(name):
                summary = run_body(sweep, run, **params)
            else:
                outcome = SweepOutcome.SKIPPED
    except Exception as exc:
        _finish(run, SweepOutcome.FAILED, {}, _error_text(exc))
        logger.exception("sweep %s failed (run %s)", name, run.pk)
        raise
    _finish(run, outcome, summary)
    if outcome == SweepOutcome.SKIPPED:
        logger.info("sweep %s skipped: another run holds its lock (run %s)", name, run.pk)
    return run


# --- the generic "overdue" sweep -------------------------------------------------------------------

class Notice(NamedTuple):
    """One notification to one person (what an ``OverdueSweep`` hands to its ``send``)."""

    user: Any
    kind: str
    title: str
    body: str
    link: str


@dataclass(frozen=True)
class Deadline:
    """One deadline column of the swept model, and what the people told hear when it passes."""

    key: str  # the marker's action and the summary's count, e.g. "review_overdue"
    column: str  # the row's deadline, e.g. "due_at"
    kind: str  # the notification type (a ``NotificationType`` value)
    message: Callable[[Any], tuple[str, str]]  # row -> (title, body)


_TENANT_COLUMNS = ("region_id", "province_id", "city_id", "district_id")


def _columns(model) -> set[str]:
    return {f.column for f in model._meta.concrete_fields}


@dataclass(frozen=True)
class EventMarker:
    """Marks a row as told by inserting an event row of ``model`` (the app's append-only event
    table): ``<fk> = row, <action_field> = deadline key, <time_field> = now``, plus ``values``
    (event column -> SQL expression over the swept row ``r``, e.g. ``{"to_status": "r.status"}``)
    and the tenant columns copied from the row. A row counts as marked when such an event exists
    at or after the row's ``since`` column (a deadline set again later, on resubmission, is swept
    afresh); without ``since``, once ever.
    """

    model: type[models.Model]
    fk: str
    since: str | None = None
    action_field: str = "action"
    time_field: str = "created_at"
    values: Mapping[str, str] = field(default_factory=dict)

    def mark(self, cursor, *, swept: type[models.Model], key: str, candidates: tuple[str, Iterable],
             clock) -> list:
        """Insert the markers for the candidate rows not yet marked; return the rows' keys."""
        meta = self.model._meta
        fk = meta.get_field(self.fk).column
        action, at = meta.get_field(self.action_field).column, meta.get_field(self.time_field).column
        pk = swept._meta.pk.column
        tenant = [c for c in _TENANT_COLUMNS if c in _columns(self.model) and c in _columns(swept)]
        names = [fk, action, at, *self.values, *tenant]
        exprs = [f"r.{pk}", "%s", "%s", *self.values.values(), *(f"r.{c}" for c in tenant)]
        since = f"AND e.{at} >= COALESCE(r.{self.since}, '-infinity')" if self.since else ""
        sql, params = candidates
        cursor.execute(
            f"""INSERT INTO {meta.db_table} ({", ".join(names)})
                SELECT {", ".join(exprs)} FROM {swept._meta.db_table} r
                 WHERE r.{pk} IN ({sql})
                   AND NOT EXISTS (SELECT 1 FROM {meta.db_table} e
                                    WHERE e.{fk} = r.{pk} AND e.{action} = %s {since})
                RETURNING {fk}""",  # noqa: S608 - table and column names come from models, values are bound
            [key, clock, *params, key])
        return [row[0] for row in cursor.fetchall()]


@dataclass(frozen=True)
class OverdueSweep:
    """Tell people, once per row and deadline, that a row's deadline has passed.

    ``model``: the rows with deadlines; ``where``: which of them can be overdue (e.g. waiting for a
    decision); ``deadlines``: the columns, each with its notification; ``marker``: how "told" is
    recorded (``EventMarker``); ``recipients``: rows -> ``{row.pk: [users]}`` (an ``accounts``
    selector: one query for all rows); ``link``: row -> the page to open (``reverse``); ``send``:
    stores the ``Notice`` list in the sweep's transaction, emails after commit
    (``notifications.services.notify_each``). Calling it runs the sweep once (``now``: the moment
    deadlines are compared with, default the clock) and returns ``{<deadline key>: rows marked,
    "notified": notifications}``. Register the instance like any sweep function.
    """

    model: type[models.Model]
    deadlines: tuple[Deadline, ...]
    marker: EventMarker
    recipients: Callable[[list], Mapping[Any, list]]
    link: Callable[[Any], str]
    send: Callable[[list[Notice]], Any]
    where: models.Q = field(default_factory=models.Q)

    def __call__(self, *, now=None) -> dict[str, int]:
        clock = timezone.now()
        now = now or clock
        manager = self.model._default_manager
        marked: dict[str, list] = {}
        with connection.cursor() as cursor:
            for deadline in self.deadlines:
                candidates = manager.filter(self.where, **{f"{deadline.column}__lt": now}).order_by().values("pk")
                # The marker's time is the clock's, so "since the row's ``since``" holds whatever ``now`` is.
                marked[deadline.key] = self.marker.mark(cursor, swept=self.model, key=deadline.key,
                                                        candidates=candidates.query.sql_with_params(), clock=clock)
        ids = {pk for pks in marked.values() for pk in pks}
        notices: list[Notice] = []
        if ids:
            found = {row.pk: row for row in manager.filter(pk__in=ids)}
            people = self.recipients(list(found.values()))
            for deadline in self.deadlines:
                for pk in marked[deadline.key]:
                    row = found[pk]
                    title, body = deadline.message(row)
                    link = self.link(row)
                    notices += [Notice(u, deadline.kind, title, body, link) for u in people.get(pk, ())]
        sent = self.send(notices) if notices else []
        return {**{d.key: len(marked[d.key]) for d in self.deadlines}, NOTIFIED: len(sent)}


__all__ = ["Deadline", "EventMarker", "Notice", "OverdueSweep", "Sweep", "get_sweep", "lock_key",
           "register", "registered", "run_body", "run_sweep"]
