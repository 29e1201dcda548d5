"""Scores on screen: two decimals, rounded half up (the database keeps six)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def score(value):
    if value is None or value == "":
        return "—"
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))
