"""Task items and plans in the `world` of tests/conftest.py: 张伟 (胡集镇 王庄村, user sec_a) and 李娜 (鸡黍镇 前进村,
unit 县农业农村局 whose contact is contact_b); 王强 serves in the other county."""

import datetime

import pytest
from django.utils import timezone

from tasks.models import Dimension, Plan, TaskItem


def make_task(secretary, *, village=None, created_on=None, deadline=None, status=TaskItem.Status.NOT_STARTED,
              title="建强村党组织", **fields):
    """An item written directly (the services refuse past dates; tests need them)."""
    today = timezone.localdate()
    created_on = created_on or today - datetime.timedelta(days=10)
    village = village or secretary.assignments.get(status="active").village
    return TaskItem.objects.create(
        secretary=secretary, village=village, year=fields.pop("year", today.year),
        dimension=fields.pop("dimension", Dimension.PARTY), title=title, created_on=created_on,
        deadline=deadline or today + datetime.timedelta(days=30), status=status, **fields,
    )


def make_plan(village, status=Plan.Status.DRAFT, year=None, **fields):
    return Plan.objects.create(village=village, year=year or timezone.localdate().year, status=status,
                               goal_party=fields.pop("goal_party", "发展党员2名"), **fields)


@pytest.fixture
def task_a(world):
    """张伟's item, open, in 胡集镇."""
    return make_task(world.sec_a, title="王庄村党支部晋星")


@pytest.fixture
def task_b(world):
    """李娜's item, open, in 鸡黍镇."""
    return make_task(world.sec_b, title="前进村香瓜大棚")


@pytest.fixture
def task_c(world):
    """王强's item in the other county."""
    return make_task(world.sec_c, title="后营村道路硬化")


def queries(client, url):
    """The number of queries a page runs (after a first request has warmed per-process caches)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)
