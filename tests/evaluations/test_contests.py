"""擂台比武 / 述职评议: created for a period, judges' grids, ranked results, and the 比武评议 channel."""

import datetime

import pytest
from django.urls import reverse

from evaluations import services
from evaluations.models import Contest, ContestScore
from evaluations.templatetags.scores import score as shown

from .conftest import five, open_period, participant

pytestmark = pytest.mark.django_db


@pytest.fixture
def contest_period(world):
    scheme = services.scheme_create_default(world.county, name="比武方案", channels=[("org", 60), ("contest", 40)])
    return open_period(world, scheme)


def grid(people_values):
    return {f"s{person.pk}_{position}": str(value)
            for person, values in people_values.items() for position, value in enumerate(values, start=1)}


def test_a_contest_is_set_up_scored_by_judges_ranked_and_feeds_the_channel(world, contest_period, login):
    period = contest_period
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    admin = login(world.users.admin)
    response = admin.post(reverse("evaluations:contest_create", args=[period.pk]), {
        "kind": "arena", "name": "一季度擂台比武", "date": "2024-03-20", "speakers": [zhang.pk, li.pk],
        "judges": "王评委\n赵评委\n王评委"})
    contest = Contest.objects.get()
    assert response.url == contest.get_absolute_url()
    assert [j.name for j in contest.judges.all()] == ["王评委", "赵评委"]
    wang, zhao = contest.judges.all()
    url = reverse("evaluations:contest_grid", args=[contest.pk, wang.pk])
    assert admin.post(url, grid({zhang: [90] * 5, li: [80] * 5})).status_code == 302
    admin.post(reverse("evaluations:contest_grid", args=[contest.pk, zhao.pk]), grid({zhang: [70] * 5, li: [80] * 5}))
    assert ContestScore.objects.count() == 20
    page = admin.get(contest.get_absolute_url()).content.decode()
    assert "80.00" in page and "赵评委" in page
    results = services.contest_results(contest, period.dimension_weights())
    assert [(p.secretary.name, shown(total), rank) for p, total, rank in results] == [
        ("张伟", "80.00", 1), ("李娜", "80.00", 1)]  # (90 + 70) / 2 and (80 + 80) / 2: a tie

    services.save_grid(period, "org", {zhang: five(90), li: five(60)}, user=world.users.admin)
    services.period_compute(period)
    zhang.refresh_from_db()
    li.refresh_from_db()
    assert shown(zhang.score_contest) == "80.00" and shown(li.score_contest) == "80.00"
    assert shown(zhang.composite) == "86.00"  # 0.6 × 90 + 0.4 × 80
    assert shown(li.composite) == "68.00"
    page = admin.get(period.get_absolute_url()).content.decode()
    assert "一季度擂台比武" in page


def test_contest_pages_refuse_who_may_not_use_them(world, contest_period, login, client):
    period = contest_period
    contest = services.contest_create(period, user=world.users.admin, kind="report", name="述职评议",
                                      date=datetime.date(2024, 3, 25), speakers=period.participants.all(),
                                      judges=["评委甲"])
    judge = contest.judges.get()
    assert client.get(contest.get_absolute_url()).status_code == 302
    assert login(world.users.town_a).get(reverse("evaluations:contest_grid", args=[contest.pk, judge.pk])) \
        .status_code == 403
    assert login(world.users.admin_ls).get(contest.get_absolute_url()).status_code == 404
    assert login(world.users.town_a).get(reverse("evaluations:contest_create", args=[period.pk])).status_code == 403
    page = login(world.users.town_a).get(contest.get_absolute_url()).content.decode()
    assert "录入评分" not in page and "结果发布后可查看" in page


def test_a_contest_needs_speakers_and_judges(world, contest_period, login):
    page = login(world.users.admin).post(reverse("evaluations:contest_create", args=[contest_period.pk]), {
        "kind": "arena", "name": "比武", "date": "2024-03-20", "speakers": [], "judges": ""}).content.decode()
    assert "请勾选上台人员" in page and "请填写评委" in page and not Contest.objects.exists()
