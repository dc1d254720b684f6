"""The blacklist's card on the commission's home page (``core.dashboard.register_home_stats``)."""

from __future__ import annotations

from django.urls import reverse

from .selectors.blacklist import open_hit_count


def blacklist_cards(request) -> list[dict]:
    """Open blacklist hits in the scope (each district counts its own rows)."""
    return [{"key": "blacklist_hits_open", "label": "从业禁止名单待核查命中", "value": open_hit_count(),
             "link": reverse("supervision:hit_list")}]


def enforcement_cards(request) -> list[dict]:
    """Open emergency closures and D-grade institutions in the scope."""
    from .selectors.enforcement import open_closure_count
    from .selectors.grades import grade_counts

    return [{"key": "closures_open", "label": "关停应急处置进行中", "value": open_closure_count(),
             "link": reverse("supervision:closure_list") + "?status=open"},
            {"key": "grade_d", "label": "D 级（高风险）机构", "value": grade_counts()["D"],
             "link": reverse("supervision:grade_list") + "?grade=D"}]
