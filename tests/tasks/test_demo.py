"""The demo data: plans, the county's 25-item common list for every first secretary, items in every state
relative to `today`; deterministic, and a second run adds nothing."""

import datetime

import pytest
from django.db.models import Count

from demo.tasks import COMMON_TITLE, ensure_demo_tasks
from tasks.models import CommonTask, Plan, TaskItem
from tests import factories as f

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 9, 15)


def seed(world, log=print):
    accounts = [(world.users.admin, ""), (world.users.town_a, ""), (world.users.secretary, "")]
    ensure_demo_tasks(world.county, accounts, seed=7, today=TODAY, log=log)


@pytest.fixture
def demo_world(world):
    for _ in range(12):
        person = f.secretary(world.county, world.unit)
        f.assign(person, f.village(world.town_a), world.batch)
    return world


def test_demo_tasks_fill_every_state(demo_world):
    seed(demo_world)
    common = CommonTask.objects.get(region=demo_world.county)
    assert common.title == COMMON_TITLE and common.items.count() == 25
    per_person = TaskItem.objects.filter(common_item__common=common).values("secretary").annotate(n=Count("pk"))
    assert sorted(row["n"] for row in per_person) == [25] * 14  # every first secretary of the county, once
    states = set(TaskItem.objects.with_state(TODAY).values_list("state", flat=True))
    assert states == {"not_started", "in_progress", "pending", "done", "overdue"}
    assert TaskItem.objects.reminders_due(TODAY).filter(deadline__gte=TODAY).exists()
    mine = TaskItem.objects.for_user(demo_world.users.secretary).with_state(TODAY)
    assert set(mine.filter(source="own").values_list("state", flat=True)) == states
    assert mine.exclude(return_reason="").exists()
    assert Plan.objects.count() >= 10 and Plan.objects.filter(status__in=Plan.SUBMITTED_STATES).exists()
    assert not TaskItem.objects.filter(village__region__path__startswith=demo_world.other_county.path).exists()


def test_a_second_run_adds_nothing(demo_world):
    seed(demo_world)
    before = (Plan.objects.count(), TaskItem.objects.count(), CommonTask.objects.count())
    seed(demo_world, log=lambda line: pytest.fail(f"second run logged: {line}"))
    assert (Plan.objects.count(), TaskItem.objects.count(), CommonTask.objects.count()) == before


def test_the_same_seed_gives_the_same_data(demo_world):
    seed(demo_world)
    first = list(TaskItem.objects.order_by("secretary_id", "title").values_list("title", "status", "progress"))
    TaskItem.objects.all().delete()
    Plan.objects.all().delete()
    CommonTask.objects.all().delete()
    seed(demo_world)
    assert list(TaskItem.objects.order_by("secretary_id", "title").values_list("title", "status", "progress")) == first
