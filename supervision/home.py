"""The blacklist's card on the commission's home page (``core.dashboard.register_home_stats``)."""

from __future__ import annotations

from django.urls import reverse

from .selectors.blacklist import open_hit_count


def blacklist_cards(request) -> list[dict]:
    """Open blacklist hits in the scope (each district counts its own rows)."""
    return [{"key": "blacklist_hits_open", "label": "从业禁止名单待核查命中", "value": open_hit_count(),
             "link": reverse("supervision:hit_list")}]
