"""``{{ amount_fen|yuan }}``: fen as yuan with two decimals (display only; ``subsidies.rules.yuan``)."""

from django import template

from subsidies import rules

register = template.Library()


@register.filter
def yuan(value) -> str:
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return "—"
    return rules.yuan(value)


@register.filter
def percent(value) -> str:
    """Basis points as per cent (``5000`` → ``50``, ``3333`` → ``33.33``)."""
    if value is None or isinstance(value, bool) or not isinstance(value, int):
        return "—"
    from subsidies.inputs import bp_text

    return bp_text(value)
