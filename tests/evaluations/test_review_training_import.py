"""Review: a sign-in sheet whose 计入学时 is a huge number (1e30 typed, or a stray scientific value) is a row problem
in Chinese, not a crash of the import."""

import datetime
from decimal import Decimal

import pytest

from evaluations.models import TrainingAttendance
from evaluations.services import training

from .test_training_import import run, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(world):
    return training.session_create(user=world.users.admin, region=world.county, topic="全县驻村第一书记示范培训班",
                                   level="county", organiser="县委组织部", start_date=datetime.date(2025, 3, 14),
                                   end_date=datetime.date(2025, 3, 15), hours=Decimal("16"))


@pytest.mark.parametrize("hours", [1e30, "1E+40", "-1e99", "1e-40"])
def test_a_huge_or_tiny_hours_value_is_a_row_problem(world, session, hours):
    plan = run(world.users.admin, session, xlsx([["张伟", "", "出勤", hours, ""]]))
    assert not plan.written and [(p.row, p.column) for p in plan.problems] == [(2, "计入学时")]
    assert "学时" in plan.problems[0].reason and not TrainingAttendance.objects.exists()
