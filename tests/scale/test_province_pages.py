"""Pages whose cost would grow with the province: the dashboard's cached totals, choice lists that follow the
user's level, and the work-log board that asks a city or province user for an area first."""

from django.core.cache import cache

from accounts.roles import Role
from presence.forms import DrawForm
from reports.forms import ReportForm
from tests import factories as f
from tests.evaluations.conftest import open_period


def village_count(response):
    return response.context["villages"]["villages"]


def test_the_dashboard_totals_are_cached_for_a_minute_and_say_so(world, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    first = client.get("/dashboard/")
    assert village_count(first) == 3
    assert "数据每分钟更新" in first.content.decode()

    f.village(world.town_a, "新建村")
    with django_assert_max_num_queries(20):
        again = client.get("/dashboard/")
    assert village_count(again) == 3  # within the minute: the cached totals

    cache.clear()  # the minute has passed
    assert village_count(client.get("/dashboard/")) == 4


def test_the_dashboard_cache_is_kept_apart_by_region_and_role(world, login):
    assert village_count(login(world.users.admin).get("/dashboard/")) == 3
    assert village_count(login(world.users.admin_ls).get("/dashboard/")) == 1
    assert village_count(login(world.users.town_a).get("/dashboard/")) == 2
    assert village_count(login(world.users.leader).get("/dashboard/")) == 3


def test_without_a_cache_timeout_the_dashboard_counts_afresh(world, login, settings):
    settings.DASHBOARD_CACHE_SECONDS = 0
    client = login(world.users.admin)
    client.get("/dashboard/")
    f.village(world.town_b, "新建村")
    response = client.get("/dashboard/")
    assert village_count(response) == 4
    assert "数据每分钟更新" not in response.content.decode()


def test_draw_and_report_forms_offer_a_city_user_counties_and_a_county_user_its_townships(world):
    city_admin = f.user("city_admin", Role.COUNTY_ADMIN, world.city)
    for form_class in (DrawForm, ReportForm):
        assert set(form_class(user=city_admin).fields["region"].queryset) == {world.county, world.other_county}
        assert set(form_class(user=world.users.admin).fields["region"].queryset) == {
            world.county, world.town_a, world.town_b}


def test_the_work_log_board_asks_a_city_user_for_a_county_first(world, login):
    city_admin = f.user("city_admin", Role.COUNTY_ADMIN, world.city)
    client = login(city_admin)
    page = client.get("/worklogs/board/").content.decode()
    assert "请先选择县（市、区）" in page
    assert "张伟" not in page
    page = client.get(f"/worklogs/board/?township={world.county.pk}").content.decode()
    assert "请先选择" not in page
    assert "张伟" in page and "李娜" in page and "王强" not in page


def test_county_staff_see_their_whole_board_at_once(world, login):
    page = login(world.users.admin).get("/worklogs/board/").content.decode()
    assert "请先选择" not in page
    assert "张伟" in page and "李娜" in page


def test_the_ranking_filter_offers_the_users_townships_and_filters_by_them(world, scheme, login):
    from django.urls import reverse

    from evaluations import services
    from evaluations.models import Channel
    from tests.evaluations.conftest import five, participant

    period = open_period(world, scheme)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    services.save_grid(period, Channel.ORG, {zhang: five(90), li: five(80)}, user=world.users.admin)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    client = login(world.users.admin)
    ranking = reverse("evaluations:ranking", args=[period.pk])
    response = client.get(ranking)
    assert set(response.context["filter"].form.fields["township"].queryset) == {world.town_a, world.town_b}
    page = client.get(f"{ranking}?township={world.town_a.pk}").content.decode()
    assert "张伟" in page and "李娜" not in page
