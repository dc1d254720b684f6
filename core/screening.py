"""Screening at the door: another app looks at a write before it happens, may refuse it, and keeps
a record of the attempt whatever the outcome.

The app that owns a write names the door and calls ``screen`` with the facts of the attempt; an
app that guards it registers a screener from its ``AppConfig.ready()``::

    # registry: a person is about to be put on a roster (before the write's own transaction)
    from core import screening
    screening.screen("registry.staff", actor=actor, institution=institution, id_number=number,
                     name=name, staff=None)

    # supervision/apps.py: the nationwide blacklist guards that door
    screening.register("registry.staff", "supervision.screens.screen_staff")

A screener is ``fn(**facts) -> DomainError | None``: the refusal to raise, or None to let the
write through (it may still record or flag the attempt). ``screen`` runs every screener of the
door, each in a transaction of its own, and then raises the first refusal. Called *before* the
owner opens the transaction of its write (never inside it), a screener's records are committed
before the write begins, so an attempt that is refused still leaves its trace; a door whose
screeners never refuse (they only flag) may also be screened inside the write's transaction,
where its records commit with the write.

The owner decides what the facts are and documents them with the door; the screener reads them
by name. Facts are objects the actor may already see (read in the actor's scope); a screener that
needs to look across tenants does so through its own named selectors. No screener registered:
the write goes through unscreened. A screener given by dotted path is imported at registration,
so a wrong path fails at start-up, never silently.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction
from django.utils.module_loading import import_string

from .errors import DomainError

Screener = Callable[..., DomainError | None]

_screeners: dict[str, list[Screener]] = {}


def register(door: str, screener: Screener | str) -> None:
    """Add a screener to ``door`` (registering the same one again does nothing)."""
    function = import_string(screener) if isinstance(screener, str) else screener
    found = _screeners.setdefault(door, [])
    if function not in found:
        found.append(function)


def unregister(door: str, screener: Screener | str) -> None:
    """Remove a screener (tests that register their own)."""
    function = import_string(screener) if isinstance(screener, str) else screener
    found = _screeners.get(door, [])
    if function in found:
        found.remove(function)


def screeners(door: str) -> list[Screener]:
    return list(_screeners.get(door, ()))


def screen(door: str, **facts) -> None:
    """Run every screener of ``door`` on ``facts`` (each in its own transaction); raise the first
    refusal once all have run. Call it before opening the transaction of the write it guards."""
    refusals: list[DomainError] = []
    for screener in screeners(door):
        with transaction.atomic():
            refusal = screener(**facts)
        if refusal is not None:
            refusals.append(refusal)
    if refusals:
        raise refusals[0]


__all__ = ["Screener", "register", "screen", "screeners", "unregister"]
