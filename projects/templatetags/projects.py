"""Labels for the values ProjectQuerySet.with_status annotates (they are not model fields, so no get_FOO_display)."""

from django import template

from projects.choices import Colour, Stage

register = template.Library()
COLOURS = dict(Colour.choices)
STAGES = dict(Stage.choices)


@register.filter
def colour_label(value):
    return COLOURS.get(value, "")


@register.filter
def stage_label(value):
    """The current stage's name; None means every stage has an actual end date."""
    return STAGES.get(value, "已全部完成")
