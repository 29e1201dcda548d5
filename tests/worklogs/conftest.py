"""Helpers for the 三本 tests: logs and service records written straight into the table (the services have
their own tests), and a second secretary account for 李娜 in 鸡黍镇."""

import datetime

import pytest

from accounts.roles import Role
from worklogs.models import ServiceRecord, WorkLog

from .. import factories as f

TODAY = datetime.date(2025, 6, 18)  # a Wednesday: its week runs 16–22 June


def log(secretary, date, *, village=None, households=0, raised=0, solved=0, text="走访农户，了解生产生活情况。",
        tags=""):
    village = village or secretary.assignments.get(status="active").village
    return WorkLog.objects.create(secretary=secretary, village=village, date=date, text=text, tags=tags,
                                  households_visited=households, problems_raised=raised, problems_solved=solved)


def service(secretary, date, kind, *, served=0, title="活动", village=None, work_log=None):
    village = village or secretary.assignments.get(status="active").village
    return ServiceRecord.objects.create(secretary=secretary, village=village, date=date, kind=kind, title=title,
                                        people_served=served, work_log=work_log)


@pytest.fixture
def secretary_b(world):
    """李娜's own login (鸡黍镇, 县农业农村局 — the unit contact's unit)."""
    user = f.user("sec_b", Role.SECRETARY, world.county, name="李娜")
    world.sec_b.user = user
    world.sec_b.save(update_fields=["user"])
    return user
