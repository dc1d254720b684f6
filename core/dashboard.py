"""The home page: each app registers, from ``AppConfig.ready()``, the page of the roles it serves
and the figures it adds to other apps' pages.

    from core.dashboard import register_home_page, register_home_stats
    register_home_page(roles={Role.OPERATOR}, template="registry/home_operator.html", context=operator_home)
    register_home_page(roles={None}, template="registry/home_none.html")   # signed in, no role yet
    register_home_stats(roles=COMMISSION_STAFF, stats=open_inspections)     # cards on someone's page

``context(request) -> dict`` builds the page from selectors, confined to ``request.tenant_scope`` /
``request.assignment``; ``stats(request) -> [{"key", "label", "value", "link"?}]`` appends cards to the
page's ``stats`` row (``core/_stats.html``; a ``link`` makes the figure open that page). A role's page belongs to one app: registering a second page for
it is an error. A role nobody registered gets ``core/home_default.html``.

Cards that show row counts declare them instead of counting: ``counts(request) -> {name: queryset}``
(built by the app's selectors, confined as usual) and ``stats(request, counts) -> [cards]`` with the
numbers. The kernel counts every card's querysets of the page in one statement
(``core.db.counts.count_many``), not one statement per app::

    register_home_stats(roles=INSPECTION_READERS, counts=lambda request: inspection_count_querysets(now()),
                        stats=lambda request, counts: [{"key": "planned", "value": counts["planned"], ...}])
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured

DEFAULT_TEMPLATE = "core/home_default.html"


@dataclass(frozen=True)
class HomePage:
    template: str
    context: Callable[[object], dict] | None = None


_pages: dict[str | None, HomePage] = {}
@dataclass(frozen=True)
class HomeStats:
    roles: frozenset
    stats: Callable[..., list[dict]]
    counts: Callable[[object], dict] | None = None


_stats: list[HomeStats] = []


def register_home_page(*, roles: Iterable[str | None], template: str,
                       context: Callable[[object], dict] | None = None) -> None:
    page = HomePage(template, context)
    for role in roles:
        if _pages.get(role, page) != page:
            raise ImproperlyConfigured(f"Two home pages registered for role '{role}' (core.dashboard).")
        _pages[role] = page


def register_home_stats(*, roles: Iterable[str | None], stats: Callable[..., list[dict]],
                        counts: Callable[[object], dict] | None = None) -> None:
    """Cards for the pages of ``roles``: ``stats(request)``, or with ``counts`` (querysets by name)
    ``stats(request, {name: number})``, the numbers counted with every other card's in one statement."""
    entry = HomeStats(frozenset(roles), stats, counts)
    if entry not in _stats:
        _stats.append(entry)


def home_context(request) -> dict:
    """The active role's page: ``{"template": ..., **context}``, with every registered card added."""
    assignment = getattr(request, "assignment", None)
    role = assignment.role if assignment is not None else None
    page = _pages.get(role)
    if page is None:
        return {"template": DEFAULT_TEMPLATE}
    context = {"template": page.template, **(page.context(request) if page.context else {})}
    extra = [card for cards in _cards(request, [e for e in _stats if role in e.roles]) for card in cards]
    if extra:
        context["stats"] = [*context.get("stats", []), *extra]
    return context


def _cards(request, entries: list[HomeStats]) -> list[list[dict]]:
    """Each entry's cards; the querysets all entries declare counted in one statement."""
    from core.db.counts import count_many

    declared = {i: e.counts(request) for i, e in enumerate(entries) if e.counts is not None}
    numbers = count_many(**{f"{i}.{name}": qs for i, querysets in declared.items() for name, qs in querysets.items()})
    out = []
    for i, e in enumerate(entries):
        if i in declared:
            out.append(e.stats(request, {name: numbers[f"{i}.{name}"] for name in declared[i]}))
        else:
            out.append(e.stats(request))
    return out
