"""`{% form_guard %}`: the hidden one-time token (and an edit form's version) every POST form carries."""

from django import template
from django.utils.html import format_html

from operations.forms import ONCE_FIELD, VERSION_FIELD, new_token

register = template.Library()


@register.simple_tag(takes_context=True)
def form_guard(context):
    html = format_html('<input type="hidden" name="{}" value="{}">', ONCE_FIELD, new_token())
    form = context.get("form")
    version = getattr(form, "version_token", "")
    if version:
        html += format_html('<input type="hidden" name="{}" value="{}">', VERSION_FIELD, version)
    return html
