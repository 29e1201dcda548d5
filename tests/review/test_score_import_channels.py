"""Review: a score sheet takes only the channels a grid takes (services.save_grid's rules). 积分 and 比武评议 come
from point events and the judges' scores: a sheet's 比武评议 row was stored beside the judges' scores and the new
computation kept the higher of the two for each dimension (the old one averaged them), so an import the page
called a success changed the contest score in a way nobody could see. 村级评价 when the village representatives
answer with codes, and a channel the period's scheme does not have, were stored and then ignored."""

import datetime
from decimal import Decimal

import pytest

from evaluations import scoring, services
from evaluations.importers import ScoreImporter
from evaluations.models import Contest, ContestJudge, ContestScore, Score
from tests.evaluations.conftest import open_period, participant
from tests.evaluations.test_score_import import row, run, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def period(world):
    scheme = services.scheme_create_default(world.county, name="比武积分方案",
                                            channels=[("org", 60), ("contest", 20), ("points", 20)])
    return open_period(world, scheme)


@pytest.mark.parametrize(("channel", "reason"), [
    ("比武评议", "比武评议的分数不通过评分表录入"),
    ("积分", "积分的分数不通过评分表录入"),
    ("镇街点评", "本周期的考评方案没有“镇街点评”渠道"),
])
def test_a_sheet_row_for_a_channel_no_grid_takes_is_refused_and_nothing_is_written(world, period, channel, reason):
    plan = run(world.users.admin, period, xlsx([row(world.sec_a, "组织考评", 80), row(world.sec_a, channel, 60)]))
    assert [(p.row, p.column) for p in plan.problems] == [(3, "渠道")], plan.problems
    assert reason in plan.problems[0].reason
    assert not plan.written and not Score.objects.exists()


def test_village_scores_are_refused_when_the_representatives_answer_with_codes(world):
    scheme = services.scheme_create_default(world.county, name="村级码评", channels=[("org", 60), ("village", 40)])
    scheme.channels.filter(channel="village").update(input="codes")
    period = open_period(world, scheme)
    plan = run(world.users.admin, period, xlsx([row(world.sec_a, "村级评价", 60)]))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "渠道")], plan.problems
    assert "凭测评码评价" in plan.problems[0].reason
    assert not Score.objects.exists()


def test_the_contest_score_is_the_judges_mean_whatever_the_sheet_said(world, period):
    zhang = participant(period, world.sec_a)
    run(world.users.admin, period, xlsx([row(world.sec_a, "组织考评", 80), row(world.sec_a, "比武评议", 60)]))
    contest = Contest.objects.create(period=period, kind="arena", name="擂台比武", date=datetime.date(2024, 2, 1))
    judge = ContestJudge.objects.create(contest=contest, name="评委甲")
    ContestScore.objects.bulk_create(ContestScore(contest=contest, judge=judge, speaker=zhang, dimension=d,
                                                  value=Decimal(50)) for d in range(1, 6))
    scoring.compute(period)
    zhang.refresh_from_db()
    assert zhang.score_contest == 50


def test_the_template_offers_only_the_channels_a_sheet_takes(world, period):
    sheet = ScoreImporter.template_sheets(world.users.admin, period=period.pk)[0]
    assert list(sheet.dropdowns[2]) == ["组织考评", "镇街点评", "观摩互评", "村级评价", "党员群众测评"]
