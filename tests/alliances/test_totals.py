"""联盟项目: an alliance's page totals its projects and money the way the articles do; a 总盟 counts its 分盟's
projects once; the dashboard sentence counts every alliance project once."""

import pytest
from django.urls import reverse

from alliances import totals
from alliances.models import Alliance
from alliances.services import alliance_save
from tests.projects.conftest import make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def melon(world, league):
    industry = alliance_save(user=world.users.admin, townships=[], alliance=Alliance(
        kind="industry", name="第一书记香瓜联盟", region=world.county, convener=world.sec_a))
    first = make_project(world, name="香瓜大棚", total=2400, funds={"county": (1500, 500), "unit": (700, 100)})
    second = make_project(world, name="香瓜冷库", villages=[world.village_b], secretary=world.sec_b, total=1200,
                          funds={"province": (1000, 0)})
    return industry, first, second


def test_an_industry_alliances_page_totals_its_projects_and_funds(world, league, login, melon):
    industry, first, second = melon
    client = login(world.users.admin)
    response = client.post(reverse("alliances:alliance_projects", args=[industry.pk]),
                           {"projects": [first.pk, second.pk]})
    assert response.status_code == 302
    page = client.get(reverse("alliances:alliance_detail", args=[industry.pk])).content.decode()
    assert "整合资金<b>3200</b>万元，实施项目<b>2</b>个" in page
    assert "香瓜大棚" in page and "香瓜冷库" in page
    assert totals.totals(industry)["jobs"] == 16


def test_a_master_alliance_counts_a_project_of_two_of_its_alliances_once(world, league, melon):
    _, first, second = melon
    league.sub_a.projects.add(first)
    league.sub_b.projects.add(first, second)
    league.master.projects.add(second)
    figures = totals.totals(league.master)
    assert figures["projects"] == 2 and figures["funds"] == 3200
    listed = {a.pk: a for a in totals.with_project_totals(Alliance.objects.all())}
    assert listed[league.master.pk].n_projects == 2 and listed[league.master.pk].project_funds == 3200
    assert listed[league.sub_a.pk].n_projects == 1


def test_the_dashboard_sentence_counts_alliance_projects_once(world, league, login, melon):
    industry, first, second = melon
    industry.projects.add(first, second)
    league.sub_a.projects.add(first)
    page = login(world.users.admin).get(reverse("dashboards:county")).content.decode()
    assert "实施帮扶项目 <strong>2</strong> 个" in page
    assert "整合资金 3200 万元、实施联盟项目 2 个（已计入上述帮扶项目）" in page


def test_only_county_staff_choose_an_alliances_projects(world, league, login, melon):
    industry = melon[0]
    for user in (world.users.secretary, world.users.town_a, world.users.leader):
        response = login(user).post(reverse("alliances:alliance_projects", args=[industry.pk]), {"projects": []})
        assert response.status_code in (403, 404)
    assert login(world.users.admin_ls).get(reverse("alliances:alliance_projects", args=[industry.pk])).status_code \
        == 404
    assert login(world.users.admin).put(reverse("alliances:alliance_projects", args=[industry.pk])).status_code == 405


def test_a_projects_page_names_its_alliance_and_the_unit_behind_its_unit_money(world, league, login, melon):
    industry, first, _ = melon
    industry.projects.add(first)
    page = login(world.users.admin).get(reverse("projects:project_detail", args=[first.pk])).content.decode()
    assert "第一书记香瓜联盟" in page and "派出单位（<a" in page and "县财政局" in page


def test_the_alliance_list_shows_project_totals_in_fixed_queries(world, league, login, melon,
                                                                 django_assert_max_num_queries):
    industry, first, second = melon
    industry.projects.add(first, second)
    client = login(world.users.admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("alliances:alliance_list")).content.decode()
    assert "3200" in page


def test_the_alliance_page_runs_a_fixed_number_of_queries(world, league, login, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.users.admin)
    url = reverse("alliances:alliance_detail", args=[league.master.pk])
    league.sub_a.projects.add(make_project(world, name="项目0"))
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for n in range(1, 6):
        league.sub_b.projects.add(make_project(world, name=f"项目{n}", villages=[world.village_b],
                                               secretary=world.sec_b))
    with django_assert_max_num_queries(len(small)):
        page = client.get(url).content.decode()
    assert "实施项目<b>6</b>个" in page
