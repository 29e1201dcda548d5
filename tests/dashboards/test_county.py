import datetime

import pytest
from django.urls import reverse

from dashboards import reports
from secretaries.models import Assignment

pytestmark = pytest.mark.django_db


def test_the_county_dashboard_counts_villages_tags_and_vacancies(world, login):
    figures = reports.village_totals(reports.areas(world.users.admin))
    # 金乡县: 王庄村 (staffed, weak branch), 李楼村 (needs one, vacant), 前进村 (staffed).
    assert (figures["villages"], figures["staffed"], figures["missing"]) == (3, 2, 1)
    assert figures["is_weak_branch"] == 1 and figures["needs_secretary"] == 3
    page = login(world.users.admin).get(reverse("dashboards:county")).content.decode()
    assert "李楼村" in page and "后营村" not in page  # 后营村 is vacant too, but in 梁山县


def test_a_township_dashboard_counts_only_its_township(world):
    figures = reports.village_totals(reports.areas(world.users.town_a))
    assert (figures["villages"], figures["staffed"], figures["missing"]) == (2, 1, 1)
    assert [row["name"] for row in reports.areas(world.users.town_a)] == ["胡集镇"]


def test_a_city_dashboard_breaks_down_by_county(world):
    from tests import factories as f

    city_admin = f.user("city", "county_admin", world.city)
    rows = {row["name"]: (row["villages"], row["missing"]) for row in reports.areas(city_admin)}
    assert rows == {"金乡县": (3, 1), "梁山县": (1, 0)}


def test_secretaries_are_counted_by_dispatch_level_and_unit(world):
    assert reports.secretaries_by_dispatch_level(world.users.admin) == [("县派", 2)]
    units = {row["name"]: row["count"] for row in reports.secretaries_by_unit(world.users.admin)}
    assert units == {"县财政局": 1, "县农业农村局": 1}


def test_assignments_ending_within_sixty_days_are_listed(world, login):
    soon = datetime.date.today() + datetime.timedelta(days=20)
    Assignment.objects.filter(pk=world.asg_b.pk).update(end_date=soon)
    Assignment.objects.filter(pk=world.asg_a.pk).update(end_date=datetime.date.today() + datetime.timedelta(days=90))
    figures = reports.deadlines(world.users.admin)
    assert (figures["days"], figures["ending"], [a.secretary.name for a in figures["rows"]]) == (60, 1, ["李娜"])
    assert reports.deadlines(world.users.town_a)["ending"] == 0
    page = login(world.users.admin).get(reverse("dashboards:county")).content.decode()
    assert soon.strftime("%Y-%m-%d") in page


def test_the_vacancy_filter_on_the_village_list_matches_the_dashboard(world, login):
    page = login(world.users.admin).get(reverse("villages:village_list"), {"staffed": "missing"}).content.decode()
    assert "李楼村" in page and "王庄村" not in page and "前进村" not in page


def test_the_dashboard_is_get_only(world, login):
    assert login(world.users.leader).post(reverse("dashboards:county")).status_code == 405


def test_assignments_past_their_end_date_but_still_active_are_counted_as_overdue(world, login):
    Assignment.objects.filter(pk=world.asg_a.pk).update(end_date=datetime.date.today() - datetime.timedelta(days=1))
    Assignment.objects.filter(pk=world.asg_b.pk).update(end_date=datetime.date.today() + datetime.timedelta(days=1))
    assert reports.deadlines(world.users.admin)["overdue"] == 1
    assert reports.deadlines(world.users.town_b)["overdue"] == 0
    page = login(world.users.admin).get(reverse("secretaries:assignment_list"), {"overdue": "1"}).content.decode()
    assert "张伟" in page and "李娜" not in page


def test_dashboard_tells_the_programmes_figures(world, login):
    from projects.reports import county_figures as project_figures
    from tasks.reports import county_figures as task_figures

    client = login(world.users.admin)
    page = client.get(reverse("dashboards:county")).content.decode()
    tasks, projects = task_figures(world.users.admin), project_figures(world.users.admin)
    assert "驻村帮扶成效" in page
    assert f"重点帮扶任务清单 <strong>{tasks['tasks']}</strong> 条" in page
    assert f"实施帮扶项目 <strong>{projects['projects']}</strong> 个" in page
    assert "红色项目" in page and "逾期任务" in page
