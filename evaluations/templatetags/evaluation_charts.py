"""{% evaluation_charts %}: the evaluation charts of the county dashboard (evaluations.charts)."""

from django import template

from evaluations import charts

register = template.Library()


@register.inclusion_tag("evaluations/dashboard_charts_body.html", takes_context=True)
def evaluation_charts(context):
    return charts.dashboard(context["request"].user)
