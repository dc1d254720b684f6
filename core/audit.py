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
