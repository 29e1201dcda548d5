"""The dashboard figures: scoped to the user, computed in a fixed number of queries."""

import datetime

import pytest

from tasks.models import Plan, TaskItem
from tasks.reports import county_figures
from tests import factories as f

from .conftest import make_plan, make_task

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2025, 6, 1)


@pytest.fixture
def figures_world(world):
    make_plan(world.village_a, status=Plan.Status.APPROVED, year=2025)
    make_plan(world.village_b, status=Plan.Status.DRAFT, year=2025)
    make_plan(world.village_c, status=Plan.Status.SUBMITTED, year=2025)
    make_plan(world.village_a, status=Plan.Status.APPROVED, year=2024)
    day = datetime.timedelta(days=1)
    make_task(world.sec_a, year=2025, created_on=TODAY - 20 * day, deadline=TODAY + 60 * day)
    make_task(world.sec_a, year=2025, created_on=TODAY - 20 * day, deadline=TODAY - day, title="逾期")
    make_task(world.sec_b, year=2025, created_on=TODAY - 9 * day, deadline=TODAY + day, title="临期")
    make_task(world.sec_b, year=2025, created_on=TODAY - 20 * day, deadline=TODAY - day, title="办结",
              status=TaskItem.Status.DONE)
    make_task(world.sec_c, year=2025, created_on=TODAY - 20 * day, deadline=TODAY - day, title="外县")
    return world


def test_county_figures(figures_world, django_assert_num_queries):
    with django_assert_num_queries(3):
        figures = county_figures(figures_world.users.admin, today=TODAY)
    assert figures == {"year": 2025, "plans": 2, "plans_submitted": 1, "villages_expected": 2, "tasks": 4,
                       "tasks_done": 1, "tasks_overdue": 1, "reminders_due": 2}


def test_county_figures_for_a_township(figures_world):
    figures = county_figures(figures_world.users.town_b, today=TODAY)
    assert figures == {"year": 2025, "plans": 1, "plans_submitted": 0, "villages_expected": 1, "tasks": 2,
                       "tasks_done": 1, "tasks_overdue": 0, "reminders_due": 1}


def test_the_query_count_does_not_grow(figures_world, django_assert_num_queries):
    for _ in range(5):
        village = f.village(figures_world.town_a)
        person = f.secretary(figures_world.county, figures_world.unit)
        f.assign(person, village, figures_world.batch)
        make_plan(village, year=2025)
        make_task(person, year=2025, created_on=TODAY, deadline=TODAY)
    with django_assert_num_queries(3):
        figures = county_figures(figures_world.users.admin, today=TODAY)
    assert figures["tasks"] == 9 and figures["villages_expected"] == 7
