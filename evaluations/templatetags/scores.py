"""Scores on screen: two decimals, rounded half up (the database keeps six)."""

from decimal import ROUND_HALF_UP, Decimal

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def score(value):
    if value is None or value == "":
        return "—"
    return str(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


# The site's own icons, drawn inline (no emoji: 麒麟/UOS machines show □ for 🚩).
FLAG_SVG = ('<svg class="icon icon-flag" viewBox="0 0 16 16" width="16" height="16" role="img" aria-label="红旗">'
            '<title>红旗</title><path d="M3 1.5v13" stroke="currentColor" stroke-width="1.6" fill="none"/>'
            '<path d="M3.8 2.2h9.2l-2.4 3.3 2.4 3.3H3.8z" fill="currentColor"/></svg>')
STAR_PATH = "M8 1.2l2 4.3 4.7.5-3.5 3.2 1 4.6L8 11.4l-4.2 2.4 1-4.6L1.3 6l4.7-.5z"


@register.simple_tag
def flag_icon():
    return mark_safe(FLAG_SVG)


@register.simple_tag
def star_icons(count):
    """`count` stars as one SVG (at most 10), labelled for screen readers; nothing for none."""
    try:
        count = max(0, min(int(count or 0), 10))
    except (TypeError, ValueError):
        return ""
    if not count:
        return ""
    stars = "".join(f'<path transform="translate({16 * i} 0)" d="{STAR_PATH}" fill="currentColor"/>'
                    for i in range(count))
    return mark_safe(f'<svg class="icon icon-stars" viewBox="0 0 {16 * count} 16" width="{16 * count}" height="16" '
                     f'role="img" aria-label="{count} 星"><title>{count} 星</title>{stars}</svg>')


@register.filter
def channel_score(participant, channel):
    """A participant's computed score in one channel (score_<channel>), or None."""
    return getattr(participant, f"score_{channel}", None)
