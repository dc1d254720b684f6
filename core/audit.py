"""Audit trail: django-pghistory triggers record every insert, update and delete of business rows.

``@track()`` is the one decorator business models use. For a model ``X`` it creates the event
model ``XHistory`` (reached as ``x.audit_events``); event tables are append-only
(``PGHISTORY_APPEND_ONLY``), and each event carries the request context (user, IP, path, method,
and the role of the assignment the user acted through) set by
``core.middleware.AuditContextMiddleware``. ``core.admin_history`` shows them to auditors.
"""

from __future__ import annotations

import contextlib

import pghistory

# The event a bulk writer records once instead of one per row (``bulk_writes``; sweeps: ``core.sweeps``).
BULK_WRITE = "bulk_write"
_EVENTS = {"insert": pghistory.InsertEvent, "update": pghistory.UpdateEvent, "delete": pghistory.DeleteEvent,
           BULK_WRITE: lambda: pghistory.ManualEvent(BULK_WRITE)}
# What each event label means, as the audit pages say it.
EVENT_LABELS = {"insert": "新增", "update": "修改", "delete": "删除", BULK_WRITE: "批量处理（一次记录，含行数）"}
# Field names that identify a row to a person (the first one the model has names its events).
TITLE_FIELDS = ("name", "username", "uscc", "receipt_no", "number", "key", "code")


def event_subject(event) -> str:
    """"托育机构「西湖小太阳托育园」": the row an event records, named from its own snapshot (no query)."""
    tracked = event.pgh_tracked_model
    names = {f.name for f in event._meta.concrete_fields}
    title = next((str(getattr(event, n)) for n in TITLE_FIELDS if n in names and getattr(event, n, "")), "")
    return f"{tracked._meta.verbose_name}「{title}」" if title else f"{tracked._meta.verbose_name} {event.pgh_obj_id}"


def event_title(event) -> str:
    """"托育机构「西湖小太阳托育园」的修改（记录 31）": what an event is, in words."""
    return f"{event_subject(event)}的{EVENT_LABELS.get(event.pgh_label, event.pgh_label)}（记录 {event.pgh_id}）"


def track(exclude: list[str] | None = None, events: tuple[str, ...] = ("insert", "update", "delete")):
    """Record ``events`` of ``model`` (reference data loaded from a file may skip inserts)."""

    def decorate(model):
        kwargs: dict = {
            "model_name": f"{model.__name__}History",
            # "audit_events", not pghistory's "events": workflows have event tables of their own.
            "obj_field": pghistory.ObjForeignKey(related_name="audit_events"),
            "meta": {"verbose_name": f"{model._meta.verbose_name}（变更历史）",
                     "verbose_name_plural": f"{model._meta.verbose_name_plural}（变更历史）"},
            "attrs": {"__str__": event_title},
        }
        if exclude:
            kwargs["exclude"] = exclude
        return pghistory.track(*(_EVENTS[name]() for name in events), **kwargs)(model)

    return decorate


IGNORE_SETTING = "pgtrigger.ignore"  # what pgtrigger's trigger functions read (``_pgtrigger_should_ignore``)


def history_trigger_ids(*models) -> list[str]:
    """The database names of the pghistory triggers that record rows of ``models`` (``@track``)."""
    import pgtrigger
    from pghistory.trigger import Event

    wanted = set(models)
    return sorted(trigger.get_pgid(model) for model, trigger in pgtrigger.registered()
                  if model in wanted and isinstance(trigger, Event))


@contextlib.contextmanager
def bulk_writes(*models):
    """Inside a transaction: rows of ``models`` written meanwhile leave no per-row history event.

    For set-based writers that derive many rows at once (a sweep creating thousands of 挂靠 flags):
    one audit trigger call per row costs about a millisecond (its PL/pgSQL exception blocks are
    subtransactions), so a night with 25,000 new flags would spend half a minute in the audit trail.
    The caller records ONE event for the whole write instead, with the row counts (``core.sweeps``
    does: a ``bulk_write`` event of the ``SweepRun``). How: the transaction-local setting
    ``pgtrigger.ignore`` (``SET LOCAL``), which every pgtrigger-installed trigger reads first, names
    these triggers; it is restored on the way out and dies with the transaction in any case, so no
    other transaction and no other table is affected.
    """
    from django.db import connection

    ids = history_trigger_ids(*models)
    if not ids:
        yield
        return
    if not connection.in_atomic_block:
        raise RuntimeError("bulk_writes() must run inside a transaction (transaction.atomic)")
    with connection.cursor() as cursor:  # one round trip: the value before, and ours added to it
        cursor.execute(
            "SELECT p.prev, set_config(%s, (SELECT '{' || string_agg(DISTINCT t, ',') || '}' FROM unnest("
            "COALESCE(NULLIF(p.prev, ''), '{}')::text[] || %s::text[]) AS t), true) "
            "FROM (SELECT current_setting(%s, true) AS prev) AS p", [IGNORE_SETTING, ids, IGNORE_SETTING])
        previous = cursor.fetchone()[0] or "{}"
    yield
    # Not reached when the body raised: its transaction (and the setting) is then rolled back anyway.
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config(%s, %s, true)", [IGNORE_SETTING, previous])


def _is_trusted_proxy(address: str | None) -> bool:
    """Is ``address`` (the TCP peer) one of ``TRUSTED_PROXIES`` (addresses or networks)?"""
    import ipaddress

    from django.conf import settings

    if not address:
        return False
    try:
        peer = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    for entry in getattr(settings, "TRUSTED_PROXIES", ("127.0.0.1", "::1")):
        try:
            if peer in ipaddress.ip_network(entry.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def client_ip(request) -> str | None:
    """The client address for logs and the login guard.

    ``X-Forwarded-For`` is trusted only when the request comes from one of our own proxies — its
    TCP peer (``REMOTE_ADDR``) is in ``TRUSTED_PROXIES`` — and only for ``TRUSTED_PROXY_HOPS``
    proxies (0 by default): the address is taken that many hops from the right, the part of the
    header our own proxies wrote, so a client can forge it neither by sending the header itself
    nor by connecting to the application server directly.
    """
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0 and _is_trusted_proxy(remote):
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= hops and _valid_ip(chain[-hops]):
            return chain[-hops]
    return remote


def _valid_ip(value: str) -> bool:
    import ipaddress

    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
