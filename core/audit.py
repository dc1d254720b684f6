"""Audit trail: django-pghistory triggers record every insert, update and delete of business rows.

``@track()`` is the one decorator business models use. For a model ``X`` it creates the event
model ``XHistory`` (reached as ``x.audit_events``); event tables are append-only
(``PGHISTORY_APPEND_ONLY``), and each event carries the request context (user, IP, path, method)
set by ``core.middleware.AuditContextMiddleware``.
"""

from __future__ import annotations

import pghistory

_EVENTS = {"insert": pghistory.InsertEvent, "update": pghistory.UpdateEvent, "delete": pghistory.DeleteEvent}


def track(exclude: list[str] | None = None, events: tuple[str, ...] = ("insert", "update", "delete")):
    """Record ``events`` of ``model`` (reference data loaded from a file may skip inserts)."""

    def decorate(model):
        kwargs: dict = {
            "model_name": f"{model.__name__}History",
            # "audit_events", not pghistory's "events": workflows have event tables of their own.
            "obj_field": pghistory.ObjForeignKey(related_name="audit_events"),
            "meta": {"verbose_name": f"{model._meta.verbose_name}（变更历史）",
                     "verbose_name_plural": f"{model._meta.verbose_name_plural}（变更历史）"},
        }
        if exclude:
            kwargs["exclude"] = exclude
        return pghistory.track(*(_EVENTS[name]() for name in events), **kwargs)(model)

    return decorate


def client_ip(request) -> str | None:
    """The client address for logs and the login throttle.

    ``X-Forwarded-For`` is trusted only for ``TRUSTED_PROXY_HOPS`` reverse proxies in front of the
    app (0 by default): the address is taken that many hops from the right, the part of the header
    our own proxies wrote, so a client cannot forge it by sending the header itself.
    """
    from django.conf import settings

    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    if hops > 0:
        chain = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(chain) >= hops:
            return chain[-hops]
    return request.META.get("REMOTE_ADDR") or None
