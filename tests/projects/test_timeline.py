"""The stage timeline: which stage is current, how late, and bars that stay on the axis."""

import datetime

import pytest

from projects import timeline

from .conftest import TODAY, make_project

pytestmark = pytest.mark.django_db


def test_the_current_stage_is_marked_with_its_days_late(world):
    project = make_project(world, done=2, late=12)
    rows, today_at = timeline.build(project.stages.all(), TODAY)
    assert [row.state for row in rows] == ["done", "done", "current", "todo", "todo", "todo"]
    assert rows[2].days_late == 12 and rows[3].days_late == 0
    assert 0 <= today_at <= 100
    for row in rows:
        assert 0 <= row.planned.left and row.planned.left + row.planned.width <= 100.8
    assert rows[3].actual is None


def test_a_finished_stage_reports_how_late_it_finished(world):
    project = make_project(world, done=1, late=0)
    stages = list(project.stages.all())
    stages[0].actual_end = stages[0].planned_end + datetime.timedelta(days=5)
    rows, _ = timeline.build(stages, TODAY + datetime.timedelta(days=10))
    assert rows[0].state == "done" and rows[0].days_late == 5
    assert rows[1].state == "current" and rows[1].days_late == 10
