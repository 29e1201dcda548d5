"""How a task item's state shows: its Chinese label and the badge class that colours it.

Simple tags building their HTML directly: a progress page draws a few hundred of them, and an inclusion tag renders
a template each time (a third of the page's time at province scale)."""

from django import template
from django.utils.html import format_html

from tasks.models import TaskItem
from tasks.querysets import OVERDUE

register = template.Library()

LABELS = {**dict(TaskItem.Status.choices), OVERDUE: "已逾期"}


@register.simple_tag
def task_state(task):
    state = getattr(task, "state", task.status)
    badge = format_html('<span class="badge task-{}">{}</span>', state, LABELS.get(state, state))
    if getattr(task, "reminder_due", False) and state != OVERDUE:
        return format_html('{} <span class="badge task-due" title="剩余时间不足 20%">催办</span>', badge)
    return badge


@register.simple_tag
def progress_bar(value):
    value = round(value or 0)
    return format_html('<span class="progress" title="{0}%"><span style="width: {0}%"></span></span> {0}%', value)
