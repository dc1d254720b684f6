"""Audit trail: django-pghistory triggers record every insert, update and delete of business rows.

``@track()`` is the one decorator business models use. For a model ``X`` it creates the event
model ``XHistory`` (reached as ``x.audit_events``); event tables are append-only
(``PGHISTORY_APPEND_ONLY``), and each event carries the request context (user, IP, path, method)
set by ``core.middleware.AuditContextMiddleware``.
"""

from __future__ import annotations

import pghistory


def track(exclude: list[str] | None = None):
    def decorate(model):
        kwargs: dict = {
            "model_name": f"{model.__name__}History",
            # "audit_events", not pghistory's "events": workflows have event tables of their own.
            "obj_field": pghistory.ObjForeignKey(related_name="audit_events"),
        }
        if exclude:
            kwargs["exclude"] = exclude
        return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(),
                               **kwargs)(model)

    return decorate


def client_ip(request) -> str | None:
    # Behind the reverse proxy the first X-Forwarded-For hop is the client (the proxy is trusted).
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = forwarded.split(",")[0].strip() if forwarded else request.META.get("REMOTE_ADDR")
    return ip or None
