"""A city or province dashboard reads its totals from a maintained row (dashboards.AreaFigures) refreshed on the
task engine, never scanning its villages in the request once the row exists; after writes and a refresh, its
totals equal direct counts."""

import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.roles import Role
from dashboards.models import AreaFigures
from secretaries.models import Assignment
from tasks.models import TaskItem
from tests import factories as f
from villages.models import Village

pytestmark = pytest.mark.django_db


@pytest.fixture
def city_admin(world):
    return f.user("city_admin", Role.COUNTY_ADMIN, world.city, name="市委组织部")


def direct_counts(region):
    """What the dashboard should say, counted straight from the tables."""
    villages = Village.objects.filter(region__path__startswith=region.path)
    active = Assignment.objects.filter(status="active", village__region__path__startswith=region.path)
    staffed = villages.filter(pk__in=active.values("village"))
    return {
        "villages": villages.count(), "staffed": staffed.count(),
        "missing": villages.filter(needs_secretary=True).exclude(pk__in=staffed.values("pk")).count(),
        "is_weak_branch": villages.filter(is_weak_branch=True).count(),
        "people": active.values("secretary").distinct().count(),
        "tasks": TaskItem.objects.filter(village__region__path__startswith=region.path,
                                         year=timezone.localdate().year).count(),
    }


def shown(response):
    context = response.context
    return {
        "villages": context["villages"]["villages"], "staffed": context["villages"]["staffed"],
        "missing": context["villages"]["missing"], "is_weak_branch": context["villages"]["is_weak_branch"],
        "people": sum(count for _, count in context["by_level"]), "tasks": context["tasks"]["tasks"],
    }


def age(row, seconds):
    AreaFigures.objects.filter(pk=row.pk).update(computed_at=timezone.now() - datetime.timedelta(seconds=seconds))


def write_more(world):
    """A new staffed village with a task item, a vacant weak one, and a rotation away from 前进村."""
    village = f.village(world.town_b, "新建村", needs_secretary=True, is_weak_branch=True)
    f.village(world.town_c, "空缺村", needs_secretary=True, is_weak_branch=True)
    person = f.secretary(world.county, world.unit, "新书记")
    f.assign(person, village, world.batch)
    TaskItem.objects.create(secretary=person, village=village, year=timezone.localdate().year, dimension="party",
                            title="发展党员 2 名", deadline=timezone.localdate() + datetime.timedelta(days=30))
    Assignment.objects.filter(pk=world.asg_b.pk).update(status="rotated", end_date=timezone.localdate())


def test_the_first_view_stores_the_citys_totals_and_they_equal_direct_counts(world, login, city_admin):
    response = login(city_admin).get(reverse("dashboards:county"))
    assert shown(response) == direct_counts(world.city)
    row = AreaFigures.objects.get(region=world.city, role=Role.COUNTY_ADMIN)
    assert row.figures["villages"]["villages"] == 4
    assert "后台每分钟更新" in response.content.decode()


def test_after_writes_and_a_refresh_the_totals_equal_direct_counts_again(world, login, city_admin, run_tasks):
    client = login(city_admin)
    before = shown(client.get(reverse("dashboards:county")))
    write_more(world)
    # Within the minute the row stands: the page says when it was computed, and nothing is queued.
    assert shown(client.get(reverse("dashboards:county"))) == before
    assert not DBTaskResult.objects.exists()

    age(AreaFigures.objects.get(), 90)
    stale = client.get(reverse("dashboards:county"))
    assert shown(stale) == before  # shown while the refresh runs in the background
    client.get(reverse("dashboards:county"))
    assert DBTaskResult.objects.count() == 1  # one refresh queued, however many views
    assert run_tasks() == 1

    fresh = shown(client.get(reverse("dashboards:county")))
    assert fresh == direct_counts(world.city) != before
    assert fresh["villages"] == 6 and fresh["missing"] == 3 and fresh["tasks"] == 1


def test_a_row_past_the_stale_limit_is_computed_in_the_request(world, login, city_admin, settings):
    client = login(city_admin)
    client.get(reverse("dashboards:county"))
    write_more(world)
    age(AreaFigures.objects.get(), settings.DASHBOARD_STALE_SECONDS + 1)
    assert shown(client.get(reverse("dashboards:county"))) == direct_counts(world.city)
    assert not DBTaskResult.objects.exists()


def test_the_command_refreshes_every_stored_row(world, login, city_admin):
    leader = f.user("city_leader", Role.LEADER, world.city)
    login(city_admin).get(reverse("dashboards:county"))
    login(leader).get(reverse("dashboards:county"))
    write_more(world)
    call_command("refresh_dashboards", stdout=open("/dev/null", "w"))
    for row in AreaFigures.objects.all():
        assert row.figures["villages"]["villages"] == direct_counts(world.city)["villages"] == 6
    assert AreaFigures.objects.count() == 2


def test_rows_are_kept_apart_by_region_and_role_and_county_users_keep_the_cache(world, login, city_admin):
    login(city_admin).get(reverse("dashboards:county"))
    assert shown(login(world.users.admin).get(reverse("dashboards:county")))["villages"] == 3
    assert shown(login(world.users.town_a).get(reverse("dashboards:county")))["villages"] == 2
    assert list(AreaFigures.objects.values_list("region__name", flat=True)) == ["济宁市"]


def test_the_lists_on_a_stored_dashboard_are_read_again_through_the_scope(world, login, city_admin):
    page = login(city_admin).get(reverse("dashboards:county"))
    assert [str(v) for v in page.context["missing"]] == ["李楼村"]  # 后营村 is staffed by 王强
    world.village_a2.region.__class__.objects.filter(pk=world.village_a2.region_id).update(name="李楼新村")
    again = login(city_admin).get(reverse("dashboards:county")).content.decode()
    assert "李楼新村" in again


def test_a_stored_dashboard_runs_a_fixed_number_of_queries(world, login, city_admin):
    client = login(city_admin)
    client.get(reverse("dashboards:county"))
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("dashboards:county"))
    write_more(world)
    for _ in range(5):
        f.assign(f.secretary(world.county, world.unit), f.village(world.town_a, needs_secretary=True), world.batch)
        f.village(world.town_c, needs_secretary=True)
    age(AreaFigures.objects.get(), 0)
    call_command("refresh_dashboards", stdout=open("/dev/null", "w"))
    with CaptureQueriesContext(connection) as large:
        client.get(reverse("dashboards:county"))
    assert len(large) == len(small) <= 20
