"""How a task item's state shows: its Chinese label and the badge class that colours it."""

from django import template

from tasks.models import TaskItem
from tasks.querysets import OVERDUE

register = template.Library()

LABELS = {**dict(TaskItem.Status.choices), OVERDUE: "已逾期"}


@register.inclusion_tag("tasks/includes/state.html")
def task_state(task):
    state = getattr(task, "state", task.status)
    return {"state": state, "label": LABELS.get(state, state), "due": getattr(task, "reminder_due", False)}


@register.inclusion_tag("tasks/includes/progress.html")
def progress_bar(value):
    value = round(value or 0)
    return {"value": value}
