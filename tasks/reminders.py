"""Who is reminded of what today (提前20%时限催办): each open item whose time is 80% gone goes to its secretary
and to the township officials of its village. A reminder sent is logged, so a second run the same day sends
only what has become due since."""

from django.db import transaction

from accounts.models import User
from accounts.roles import Role
from notifications import events as notify_events
from villages.models import Region

from .models import ReminderLog, TaskItem


def due_today(today):
    """{recipient: [items]} of the reminders not yet sent today, in a fixed number of queries."""
    items = list(TaskItem.objects.reminders_due(today).with_state(today)
                 .select_related("secretary__user", "village__region").order_by("deadline", "pk"))
    officials = {}
    for official in User.objects.filter(role=Role.TOWNSHIP, is_active=True, region__level=Region.Level.TOWNSHIP):
        officials.setdefault(official.region_id, []).append(official)
    sent = set(ReminderLog.objects.filter(sent_on=today).values_list("recipient_id", "task_id"))
    recipients, users = {}, {}
    for item in items:
        people = officials.get(item.village.region.parent_id, [])
        owner = item.secretary.user
        if owner is not None and owner.is_active:
            people = [owner, *people]
        for person in people:
            if (person.pk, item.pk) not in sent:
                users.setdefault(person.pk, person)
                recipients.setdefault(person.pk, []).append(item)
    return {users[pk]: found for pk, found in recipients.items()}


@transaction.atomic
def record(reminders, today):
    ReminderLog.objects.bulk_create(
        [ReminderLog(recipient=person, task=item, sent_on=today) for person, items in reminders.items()
         for item in items],
        ignore_conflicts=True, batch_size=2000,
    )
    notify_events.reminders(reminders, today)


def describe(person, items):
    """One line: the recipient and their items, overdue ones marked."""
    parts = [f"{'【已逾期】' if item.state == 'overdue' else ''}{item.title}（{item.secretary.name}，"
             f"{item.village.region.name}，时限 {item.deadline:%Y-%m-%d}，进度 {item.progress}%）" for item in items]
    who = f"{person.name or person.username}（{person.get_role_display()}，{person.username}）"
    return f"{who}：{len(items)} 项待办 — {'；'.join(parts)}"
