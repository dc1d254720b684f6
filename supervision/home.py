"""The blacklist's card on the commission's home page (``core.dashboard.register_home_stats``)."""

from __future__ import annotations

from django.urls import reverse

from .selectors.blacklist import open_hit_count


def blacklist_cards(request) -> list[dict]:
    """Open blacklist hits in the scope (each district counts its own rows)."""
    return [{"key": "blacklist_hits_open", "label": "从业禁止名单待核查命中", "value": open_hit_count(),
             "link": reverse("supervision:hit_list")}]


def inspection_cards(request) -> list[dict]:
    """What is due in the scope: inspections to do, results to publish (and overdue), orders waiting
    for verification and orders past their date (the rectification board)."""
    from django.utils import timezone

    from core.db.counts import count_many

    from .selectors.inspections import inspection_count_querysets, order_count_querysets

    now = timezone.now()
    # One statement for all five (core.db.counts).
    counts = count_many(**{f"i_{k}": q for k, q in inspection_count_querysets(now).items()},
                        **{f"o_{k}": q for k, q in order_count_querysets(now).items()})
    inspections = {k[2:]: v for k, v in counts.items() if k.startswith("i_")}
    orders = {k[2:]: v for k, v in counts.items() if k.startswith("o_")}
    board = reverse("supervision:order_board")
    return [
        {"key": "inspections_planned", "label": "待检查", "value": inspections["planned"],
         "link": reverse("supervision:inspection_list") + "?status=planned"},
        {"key": "inspections_unpublished", "label": f"检查结果待公示（逾期 {inspections['publication_overdue']}）",
         "value": inspections["unpublished"], "link": reverse("supervision:inspection_list") + "?status=completed"},
        {"key": "rectification_replied", "label": "整改回复待核验", "value": orders["replied"],
         "link": board + "?status=replied"},
        {"key": "rectification_overdue", "label": "整改逾期", "value": orders["overdue"], "link": board + "?overdue=1"},
    ]


def operator_rectification_cards(request) -> list[dict]:
    """The operator's open rectification orders (their institution's scope)."""
    from .selectors.inspections import order_counts

    orders = order_counts()
    return [{"key": "rectification_open", "label": "待整改的整改通知", "value": orders["open"],
             "link": reverse("supervision:order_board") + "?status=open"}]
def enforcement_cards(request) -> list[dict]:
    """Open emergency closures and D-grade institutions in the scope."""
    from core.db.counts import count_many

    from .selectors.enforcement import open_closures
    from .selectors.grades import graded

    counts = count_many(closures=open_closures(), grade_d=graded("D"))
    return [{"key": "closures_open", "label": "关停应急处置进行中", "value": counts["closures"],
             "link": reverse("supervision:closure_list") + "?status=open"},
            {"key": "grade_d", "label": "D 级（高风险）机构", "value": counts["grade_d"],
             "link": reverse("supervision:grade_list") + "?grade=D"}]
