"""Checklists that other apps extend: items an app adds to another app's checklist.

The app that owns a checklist names it and asks for the providers of the items it knows how to
show; another app registers a provider from its ``AppConfig.ready()``::

    # supervision/apps.py
    from core import checklists
    checklists.register("registry.filing", "blacklist", "supervision.selectors.blacklist_hits_for_filing")

    # registry: the filing checklist shows a blacklist item only when someone provides it
    provider = checklists.provider("registry.filing", "blacklist")
    hits = None if provider is None else tuple(provider(filing=filing, today=today, roster=roster))

The owner documents what it passes, by keyword; ``registry.filing`` passes the filing, the day its
checks are for and the roster on duty that day, which it has already read (a provider needing the
roster does not read it again: a review page read it three times).

A provider is a callable or its dotted path, imported at registration: a provider that cannot be
imported fails loudly at start-up, never silently drops its item. No provider: no item (rather than
a pass nobody checked). Registering a different provider for the same item is an error.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

_providers: dict[tuple[str, str], Callable] = {}


def register(checklist: str, item: str, provider: Callable | str) -> None:
    function = import_string(provider) if isinstance(provider, str) else provider
    key = (checklist, item)
    if _providers.get(key, function) is not function:
        raise ImproperlyConfigured(f"Two providers registered for checklist item {checklist}/{item}.")
    _providers[key] = function


def unregister(checklist: str, item: str) -> None:
    """Remove a provider (tests that register their own)."""
    _providers.pop((checklist, item), None)


def provider(checklist: str, item: str) -> Callable | None:
    return _providers.get((checklist, item))

