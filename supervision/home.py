"""Supervision's cards on the home pages (``core.dashboard.register_home_stats``): each declares the
querysets it counts, and the kernel counts every card of the page in one statement."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone


def blacklist_counts(request) -> dict:
    from .selectors.blacklist import open_hits

    return {"hits": open_hits()}


def blacklist_cards(request, counts) -> list[dict]:
    """Open blacklist hits in the scope (each district counts its own rows)."""
    return [{"key": "blacklist_hits_open", "label": "从业禁止名单待核查命中", "value": counts["hits"],
             "link": reverse("supervision:hit_list")}]


def inspection_counts(request) -> dict:
    from .selectors.inspections import inspection_count_querysets, order_count_querysets

    now = timezone.now()
    return {**{f"i_{k}": q for k, q in inspection_count_querysets(now).items()},
            **{f"o_{k}": q for k, q in order_count_querysets(now).items() if k != "open"}}


def inspection_cards(request, counts) -> list[dict]:
    """What is due in the scope: inspections to do, results to publish (and overdue), orders waiting
    for verification and orders past their date (the rectification board)."""
    board = reverse("supervision:order_board")
    return [
        {"key": "inspections_planned", "label": "待检查", "value": counts["i_planned"],
         "link": reverse("supervision:inspection_list") + "?status=planned"},
        {"key": "inspections_unpublished", "label": f"检查结果待公示（逾期 {counts['i_publication_overdue']}）",
         "value": counts["i_unpublished"], "link": reverse("supervision:inspection_list") + "?status=completed"},
        {"key": "rectification_replied", "label": "整改回复待核验", "value": counts["o_replied"],
         "link": board + "?status=replied"},
        {"key": "rectification_overdue", "label": "整改逾期", "value": counts["o_overdue"], "link": board + "?overdue=1"},
    ]


def operator_rectification_counts(request) -> dict:
    from .selectors.inspections import order_count_querysets

    return {"open": order_count_querysets(timezone.now())["open"]}


def operator_rectification_cards(request, counts) -> list[dict]:
    """The operator's open rectification orders (their institution's scope)."""
    return [{"key": "rectification_open", "label": "待整改的整改通知", "value": counts["open"],
             "link": reverse("supervision:order_board") + "?status=open"}]


def enforcement_counts(request) -> dict:
    from .selectors.enforcement import open_closures
    from .selectors.grades import graded

    return {"closures": open_closures(), "grade_d": graded("D")}


def enforcement_cards(request, counts) -> list[dict]:
    """Open emergency closures and D-grade institutions in the scope."""
    return [{"key": "closures_open", "label": "关停应急处置进行中", "value": counts["closures"],
             "link": reverse("supervision:closure_list") + "?status=open"},
            {"key": "grade_d", "label": "D 级（高风险）机构", "value": counts["grade_d"],
             "link": reverse("supervision:grade_list") + "?grade=D"}]
