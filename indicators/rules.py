"""Pure rules of the dashboards: red / amber / green against a target. No Django."""

from __future__ import annotations

GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
HIGHER, LOWER = "higher", "lower"
PER_1000_FACTOR = 1000

STATUS_LABELS = {GREEN: "达标", AMBER: "接近目标", RED: "未达标", NONE: "无数据"}


def rag(value: float | None, target: float | None, better: str, margin: float) -> str:
    """Green when the value meets the target; amber within ``margin`` (a fraction of the target) of
    it; red beyond; ``none`` when there is no value or no target.

    >>> rag(4.5, 4.5, HIGHER, 0.1), rag(4.1, 4.5, HIGHER, 0.1), rag(4.0, 4.5, HIGHER, 0.1)
    ('green', 'amber', 'red')
    >>> rag(7, 7, LOWER, 0.1), rag(7.7, 7, LOWER, 0.1), rag(8, 7, LOWER, 0.1)
    ('green', 'amber', 'red')
    """
    if value is None or target is None:
        return NONE
    if better == HIGHER:
        if value >= target:
            return GREEN
        return AMBER if value >= target * (1 - margin) else RED
    if value <= target:
        return GREEN
    return AMBER if value <= target * (1 + margin) else RED


def ratio(numerator: float | None, denominator: float | None, per: float = 1.0) -> float | None:
    """numerator ÷ denominator × per; None when the denominator is missing or zero."""
    if numerator is None or not denominator:
        return None
    return numerator * per / denominator
