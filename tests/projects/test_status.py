"""红黄蓝: the current stage is the first without an actual end; its planned end decides the colour."""

import datetime

import pytest

from projects.choices import Colour, Stage
from projects.models import Project

from .conftest import TODAY, make_project

pytestmark = pytest.mark.django_db


def status(project, today=TODAY):
    return Project.objects.with_status(today).values("current_stage", "colour").get(pk=project.pk)


@pytest.mark.parametrize(("late", "colour"), [
    (-10, Colour.BLUE), (0, Colour.BLUE), (1, Colour.YELLOW), (30, Colour.YELLOW), (31, Colour.RED),
])
def test_colour_at_the_boundaries(world, late, colour):
    project = make_project(world, done=2, late=late)
    assert status(project) == {"current_stage": Stage.CONSTRUCTION, "colour": colour}


def test_a_finished_project_is_blue_however_late_its_plan(world):
    project = make_project(world, done=6, late=400)
    assert status(project) == {"current_stage": None, "colour": Colour.BLUE}


def test_the_same_project_turns_yellow_then_red_as_days_pass(world):
    project = make_project(world, done=0, late=0)
    planned_end = project.stages.get(stage=Stage.PLANNING).planned_end
    day = datetime.timedelta(days=1)
    assert status(project, planned_end)["colour"] == Colour.BLUE
    assert status(project, planned_end + day)["colour"] == Colour.YELLOW
    assert status(project, planned_end + 30 * day)["colour"] == Colour.YELLOW
    assert status(project, planned_end + 31 * day)["colour"] == Colour.RED


def test_the_current_stage_is_the_first_without_an_actual_end(world):
    project = make_project(world, done=3, late=5)
    assert status(project) == {"current_stage": Stage.ACCEPTANCE, "colour": Colour.YELLOW}
    project.stages.filter(stage=Stage.ACCEPTANCE).update(actual_start=TODAY, actual_end=TODAY)
    # 审计 was planned to end STAGE_DAYS after 竣工验收: now on schedule.
    assert status(project) == {"current_stage": Stage.AUDIT, "colour": Colour.BLUE}


def test_a_stage_without_a_planned_end_is_not_late(world):
    project = make_project(world, done=1, late=90)
    project.stages.filter(stage=Stage.REVIEW).update(planned_end=None)
    assert status(project)["colour"] == Colour.BLUE


def test_thresholds_come_from_settings(world, settings):
    settings.PROJECT_YELLOW_DAYS, settings.PROJECT_RED_DAYS = 5, 10
    colours = [status(make_project(world, name=f"项目{late}", late=late))["colour"] for late in (5, 6, 10, 11)]
    assert colours == [Colour.BLUE, Colour.YELLOW, Colour.YELLOW, Colour.RED]


def test_colour_filter_runs_in_the_database(world):
    make_project(world, name="按期", late=0)
    make_project(world, name="滞后", late=10)
    make_project(world, name="严重滞后", late=40)
    names = Project.objects.with_status(TODAY).filter(colour=Colour.RED).values_list("name", flat=True)
    assert list(names) == ["严重滞后"]
