"""How a figure is written: one function for the pages, the Excel export and the chart data."""

from __future__ import annotations

from . import catalogue
from .rules import STATUS_LABELS


def format_value(kind: str, value) -> str:
    if value is None:
        return "—"
    if kind == catalogue.SHARE:
        return f"{value * 100:.1f}%"
    if kind == catalogue.PER_1000:
        return f"{value:.2f}"
    if kind == catalogue.DAYS:
        return f"{value:.1f}"
    return f"{int(value)}"


def format_count(value) -> str:
    if value is None:
        return "—"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def cell(ind, figure: dict | None) -> dict:
    """A figure ready for a table: its text, target text, status and the note for no value."""
    if figure is None:
        return {"text": "—", "status": "none", "status_label": STATUS_LABELS["none"], "target": "—", "note": ""}
    return {"text": format_value(ind.kind, figure["value"]) if figure["value"] is not None else (figure["note"] or "—"),
            "value": figure["value"], "numerator": figure["numerator"], "denominator": figure["denominator"],
            "target": format_value(ind.kind, figure.get("target")), "status": figure.get("status", "none"),
            "status_label": STATUS_LABELS[figure.get("status", "none")], "note": figure["note"]}
