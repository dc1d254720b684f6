"""The public institution page (portal, no login): each app registers, from ``AppConfig.ready()``,
the sections it adds below the filed facts the registry publishes.

    from core.public import register_public_section
    register_public_section(key="inspections", order=40, template="supervision/public/_inspections.html",
                            context=public_inspection_results)

``context(institution_id) -> dict | None`` reads public facts only (never a person's data; a home
daycare point's address never) with scopes disabled, as the public page is cross-tenant; ``None``
hides the section. Sections render in ``order``; a key registers once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class PublicSection:
    key: str
    order: int
    template: str
    context: Callable[[int], dict | None]


_sections: dict[str, PublicSection] = {}


def register_public_section(*, key: str, order: int, template: str,
                            context: Callable[[int], dict | None]) -> None:
    section = PublicSection(key, order, template, context)
    if _sections.get(key, section) != section:
        raise ImproperlyConfigured(f"Two public sections registered as '{key}' (core.public).")
    _sections[key] = section


def public_sections(institution_id: int) -> list[dict]:
    """``[{"key", "template", "context"}]`` of every registered section that has something to show."""
    shown = []
    for section in sorted(_sections.values(), key=lambda s: (s.order, s.key)):
        context = section.context(institution_id)
        if context is not None:
            shown.append({"key": section.key, "template": section.template, "context": context})
    return shown


# Public facts another app decides about an institution, as ORM expressions over an ``Institution``
# queryset (the portal's search, institution page and open data filter and sort on them in SQL):
# e.g. the subsidies app registers ``inclusive`` (an inclusive-care certification in force). A term
# nobody registered falls back to the default the reader gives.
_terms: dict[str, Callable[[], object]] = {}


def register_public_term(*, name: str, expression: Callable[[], object]) -> None:
    if _terms.get(name, expression) is not expression:
        raise ImproperlyConfigured(f"Two public terms registered as '{name}' (core.public).")
    _terms[name] = expression


def public_term(name: str, default: object) -> object:
    """The registered expression for ``name`` (built now), else ``default``."""
    factory = _terms.get(name)
    return factory() if factory is not None else default
