"""The main menu and the layout's per-user figures, filled by each app from ``AppConfig.ready()``.

Menu entries::

    from core.navigation import register_nav
    register_nav("备案审核", "registry:review_queue", roles=REVIEWERS, order=20)

``roles`` are the roles (``core.roles.Role``) of the active assignment that see the entry; None:
every signed-in user. Entries are shown by ``order``, then in registration order; an entry whose URL
name does not resolve is left out. Registering the same URL name again replaces the entry.

Layout values (the base template reads them on every page)::

    from core.navigation import register_layout_value
    register_layout_value("unread_notifications", lambda request: unread_count(user=request.user))

``core.context_processors.navigation`` computes each registered value for signed-in users only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str] | None
    order: int


_nav: dict[tuple[str, str], NavItem] = {}
_layout_values: dict[str, Callable[[Any], Any]] = {}
_version = [0]  # bumped by every registration: the context processor's resolved menus key on it


def register_nav(label: str, url_name: str, *, roles: Iterable[str] | None = None, order: int = 100) -> None:
    # Keyed by label and page: one page may appear under two labels for different roles.
    _nav[(label, url_name)] = NavItem(label, url_name, None if roles is None else frozenset(roles), order)
    _version[0] += 1


def version() -> int:
    return _version[0]


def nav_items() -> list[NavItem]:
    """Every registered entry, in menu order (dicts keep registration order; the sort is stable)."""
    return sorted(_nav.values(), key=lambda item: item.order)


def register_layout_value(name: str, compute: Callable[[Any], Any]) -> None:
    _layout_values[name] = compute


def layout_values(request) -> dict[str, Any]:
    return {name: compute(request) for name, compute in _layout_values.items()}
