"""The rules computed in the database: the 20% reminder at its boundaries, overdue, and closed items left alone."""

import datetime

import pytest

from tasks.models import TaskItem
from tasks.querysets import OVERDUE

from .conftest import make_task

pytestmark = pytest.mark.django_db

START = datetime.date(2024, 3, 1)


def state_on(task, day):
    row = TaskItem.objects.with_state(day).get(pk=task.pk)
    assert row.reminder_due == TaskItem.objects.reminders_due(day).filter(pk=task.pk).exists()
    return row.state, row.reminder_due


@pytest.mark.parametrize("days_after_creation, due", [(7, False), (8, True), (9, True)])
def test_reminder_is_due_from_80_percent_of_the_time(world, days_after_creation, due):
    # Ten days from creation to deadline: 80% is reached on day 8, exactly.
    task = make_task(world.sec_a, created_on=START, deadline=START + datetime.timedelta(days=10))
    assert state_on(task, START + datetime.timedelta(days=days_after_creation))[1] is due


@pytest.mark.parametrize("days_after_creation, due", [(5, False), (6, True)])
def test_a_fraction_of_a_day_rounds_up_to_the_next_day(world, days_after_creation, due):
    # Seven days: 80% is 5.6 days, so day 5 still has more than 20% left and day 6 has less.
    task = make_task(world.sec_a, created_on=START, deadline=START + datetime.timedelta(days=7))
    assert state_on(task, START + datetime.timedelta(days=days_after_creation))[1] is due
    assert task.remind_on() == START + datetime.timedelta(days=6)


def test_a_long_item_is_reminded_73_days_before_a_year_long_deadline(world):
    task = make_task(world.sec_a, created_on=datetime.date(2024, 1, 1), deadline=datetime.date(2024, 12, 31))
    threshold = task.remind_on()  # 365 days × 80% = 292 days
    assert threshold == datetime.date(2024, 10, 19)
    assert state_on(task, threshold - datetime.timedelta(days=1))[1] is False
    assert state_on(task, threshold)[1] is True


def test_an_item_due_the_day_it_is_created_is_reminded_at_once(world):
    task = make_task(world.sec_a, created_on=START, deadline=START)
    assert state_on(task, START) == (TaskItem.Status.NOT_STARTED, True)


@pytest.mark.parametrize("day, state", [(START + datetime.timedelta(days=10), "not_started"),
                                        (START + datetime.timedelta(days=11), OVERDUE)])
def test_overdue_once_the_deadline_has_passed(world, day, state):
    task = make_task(world.sec_a, created_on=START, deadline=START + datetime.timedelta(days=10))
    assert state_on(task, day)[0] == state
    assert TaskItem.objects.overdue(day).filter(pk=task.pk).exists() is (state == OVERDUE)


@pytest.mark.parametrize("status", [TaskItem.Status.PENDING, TaskItem.Status.DONE])
def test_closed_items_are_neither_overdue_nor_reminded(world, status):
    task = make_task(world.sec_a, created_on=START, deadline=START + datetime.timedelta(days=10), status=status)
    late = START + datetime.timedelta(days=30)
    assert state_on(task, late) == (status, False)
    assert not TaskItem.objects.overdue(late).exists()


def test_an_item_in_progress_is_overdue_too(world):
    task = make_task(world.sec_a, created_on=START, deadline=START + datetime.timedelta(days=10),
                     status=TaskItem.Status.IN_PROGRESS, progress=60)
    assert state_on(task, START + datetime.timedelta(days=20)) == (OVERDUE, True)
