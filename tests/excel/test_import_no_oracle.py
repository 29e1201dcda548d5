"""The task-list and score imports answer a number outside the importer's scope exactly as they answer a number
nobody has: the preview (message, counts) does not tell whether an ID number exists elsewhere (issue 12 §1)."""

import pytest

from evaluations.importers import ScoreImporter
from tests import factories as f
from tests.evaluations.conftest import open_period
from tests.evaluations.test_score_import import xlsx as score_xlsx
from tests.tasks.test_import_export import later
from tests.tasks.test_import_export import run as run_tasks_import

pytestmark = pytest.mark.django_db


def answer(plan, number):
    """What the importer shows, with the number itself taken out (the two files differ only in it)."""
    problems = [[row, column, reason.replace(number, "…")] for row, column, reason in
                (p.as_list() for p in plan.problems)]
    return plan.counts, problems


def task_preview(user, number, name):
    plan = run_tasks_import(user, [[number, name, "", "服务", "义诊", "", later(), ""]], commit=False)
    return answer(plan, number)


@pytest.mark.parametrize("who, other", [("secretary", "sec_b"), ("admin", "sec_c"), ("admin", "sec_idle")])
def test_the_task_import_answers_a_number_outside_the_scope_like_an_unknown_one(world, who, other):
    user, outside, unknown = getattr(world.users, who), getattr(world, other), f.id_number()
    for name in (outside.name, "王小明", ""):
        assert task_preview(user, outside.id_number, name) == task_preview(user, unknown, name)
    counts, problems = task_preview(user, unknown, "王小明")
    assert counts["errors"] == 1 and counts["new"] == 0
    assert problems == [[2, "身份证号", "该身份证号不在您的管辖范围内，或当前没有在岗的派驻记录。"]]


def score_preview(user, period, person_number, name, rater_number=""):
    channel = "观摩互评" if rater_number else "组织考评"
    data = score_xlsx([[person_number, name, channel, rater_number, *[90] * 5]])
    plan = ScoreImporter(user, period=period.pk).run(data, "分数.xlsx", commit=False)
    return answer(plan, person_number or rater_number)


@pytest.mark.parametrize("other", ["sec_c", "sec_idle"])  # another county's; this county's but not in the period
def test_the_score_import_answers_a_number_outside_the_scope_like_an_unknown_one(world, scheme, other):
    period, admin = open_period(world, scheme), world.users.admin
    outside, unknown = getattr(world, other), f.id_number()
    for name in (outside.name, "王小明"):
        assert score_preview(admin, period, outside.id_number, name) == score_preview(admin, period, unknown, name)
    counts, problems = score_preview(admin, period, unknown, "王小明")
    assert counts["errors"] == 1 and problems == [[2, "身份证号", "该身份证号不在您的管辖范围或不在本期参评名单中。"]]

    zhang = world.sec_a  # a participant, rated by someone outside the period or by nobody at all
    as_rater = [score_preview(admin, period, zhang.id_number, zhang.name, number)
                for number in (outside.id_number, unknown)]
    assert as_rater[0][1] == [[2, "评分人", "评分人的身份证号不在您的管辖范围或不在本期参评名单中。"]]
    assert as_rater[0][0] == as_rater[1][0]
    assert as_rater[1][1] == [[2, "评分人", "评分人的身份证号不在您的管辖范围或不在本期参评名单中。"]]
