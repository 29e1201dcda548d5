"""Hardening after review of alliances/: each test pins one fixed finding."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.roles import Role
from alliances import services
from alliances.importers import NeedImporter
from alliances.models import Activity, Alliance, CoBuild, ExpertGroup, Need, Resource, Supervision
from tests import factories as f

from .conftest import TODAY, need, resource


def _master_need_of_town_b(world, league):
    """A 鸡黍镇 need kept in the 总盟 (which every township official of the county sees), dispatched and checked."""
    wanted = need(world, league.master, world.village_b, description="前进村危桥改造急需资金")
    item = services.dispatch(user=world.users.admin, need=wanted, content=wanted.description, deadline=TODAY,
                             responsible="李娜", today=TODAY,
                             resources=[resource(world, league.master, secretary=world.sec_b)])
    services.supervision_create(user=world.users.admin, check=Supervision(
        need=wanted, date=TODAY, inspector="督导组", finding="前进村危桥进度滞后"))
    return wanted, item


def test_township_official_does_not_see_another_townships_need_through_cobuilds(world, league, login):
    _master_need_of_town_b(world, league)
    client = login(world.users.town_a)
    assert "前进村危桥" not in client.get(reverse("alliances:need_list")).content.decode()  # the need list hides it
    assert "前进村危桥" not in client.get(reverse("alliances:cobuild_list")).content.decode()


def test_township_official_does_not_see_another_townships_need_through_supervision(world, league, login):
    _master_need_of_town_b(world, league)
    client = login(world.users.town_a)
    assert "前进村" not in client.get(reverse("alliances:supervision_list")).content.decode()


def test_township_official_does_not_see_another_townships_need_on_the_master_page(world, league, login):
    _master_need_of_town_b(world, league)
    page = login(world.users.town_a).get(reverse("alliances:alliance_detail", args=[league.master.pk]))
    assert page.status_code == 200 and "前进村危桥" not in page.content.decode()


@pytest.mark.parametrize("query", ["year=9999&month=12", "year=1&month=1", "year=99999999999999999999&month=1"])
def test_calendar_at_the_end_of_the_date_range_is_not_a_500(world, league, login, query):
    assert login(world.users.admin).get(reverse("alliances:calendar") + "?" + query).status_code == 200


def _need_checks(world, league, n):
    for i in range(n):
        target = need(world, league.sub_a, world.village_a if i % 2 else world.village_a2, description=f"需求{i}")
        services.supervision_create(user=world.users.admin, check=Supervision(
            need=target, date=TODAY, inspector="督导组", finding=f"发现{i}", deadline=TODAY))


def test_supervision_list_queries_do_not_grow_with_need_checks(world, league, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    _need_checks(world, league, 2)
    with django_assert_max_num_queries(30) as first:
        assert client.get(reverse("alliances:supervision_list")).status_code == 200
    _need_checks(world, league, 6)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse("alliances:supervision_list")).status_code == 200


def test_alliance_page_queries_do_not_grow_with_need_checks(world, league, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    url = reverse("alliances:alliance_detail", args=[league.sub_a.pk])
    _need_checks(world, league, 2)
    with django_assert_max_num_queries(40) as first:
        assert client.get(url).status_code == 200
    _need_checks(world, league, 6)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


def test_match_page_queries_do_not_grow_with_available_resources(world, league, login,
                                                                 django_assert_max_num_queries):
    client = login(world.users.admin)
    target = need(world, league.sub_a)
    url = reverse("alliances:need_match", args=[target.pk])
    for _ in range(2):
        resource(world, league.sub_a, secretary=world.sec_a)
    with django_assert_max_num_queries(40) as first:
        assert client.get(url).status_code == 200
    for _ in range(6):
        resource(world, league.sub_a, secretary=world.sec_b)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(url).status_code == 200


def test_used_up_resources_do_not_crowd_an_available_one_out_of_dispatch(world, league, login):
    """Availability ranks last and only the top 20 are offered, so 20 used-up 同村 resources hide the one left."""
    for i in range(20):
        spent = resource(world, league.sub_a, secretary=world.sec_a, description=f"已用资源{i}")
        other = need(world, league.sub_a, description=f"旧需求{i}")
        services.dispatch(user=world.users.admin, need=other, resources=[spent], content="x", deadline=TODAY,
                          responsible="x", today=TODAY)
    left = resource(world, league.sub_a, expert=league.expert, description="仍可用的专家指导")
    target = need(world, league.sub_a)
    client = login(world.users.admin)
    response = client.post(reverse("alliances:need_match", args=[target.pk]), {
        "resources": [left.pk], "content": "防治指导", "deadline": "2099-01-01", "responsible": "孙教授"})
    assert response.status_code == 302, "the only available resource cannot be chosen"


def test_need_village_must_lie_in_the_sub_alliances_townships(world, league, login):
    """第一分盟 covers 胡集镇 only; a 鸡黍镇 need filed there is seen by neither township's official."""
    response = login(world.users.admin).post(reverse("alliances:need_create"), {
        "alliance": league.sub_a.pk, "category": "medical", "village": world.village_b.pk, "description": "巡回义诊",
        "raised_by": "村委会", "raised_on": "2025-06-01", "urgency": "normal"})
    assert response.status_code == 200 and not Need.objects.exists()


def test_a_resource_provider_must_belong_to_the_alliances_county(world, league, login):
    """A city-level administrator may pick 梁山县's 王强 as provider of a 金乡县 resource; the match then suggests
    another county's person and calls him 同县."""
    city_admin = f.user("admin_city", Role.COUNTY_ADMIN, world.city)
    response = login(city_admin).post(reverse("alliances:resource_create"), {
        "alliance": league.sub_a.pk, "category": "technical", "description": "跨县资源",
        "provider_secretary": world.sec_c.pk, "capacity": 1})
    assert response.status_code == 200 and not Resource.objects.exists()


def test_one_click_dispatch_works_for_a_long_need(world, league, login):
    """The form starts with the need's description (up to 300 characters) as content, which allows 200."""
    target = need(world, league.sub_a, description="香" * 250)
    r = resource(world, league.sub_a, expert=league.expert)
    client = login(world.users.admin)
    page = client.get(reverse("alliances:need_match", args=[target.pk]))
    content = page.context["form"]["content"].value()
    response = client.post(reverse("alliances:need_match", args=[target.pk]), {
        "resources": [r.pk], "content": content, "deadline": "2099-01-01", "responsible": "孙教授"})
    assert response.status_code == 302 and CoBuild.objects.count() == 1


def test_missed_meeting_warns_a_sub_alliance_founded_on_the_first_of_last_month(world, league):
    """Founded on 1 May, it existed all of May and held no 例会: the June warning should name it."""
    league.sub_a.founded = datetime.date(2025, 5, 1)
    league.sub_a.save(update_fields=["founded"])
    Activity.objects.create(alliance=league.sub_b, date=datetime.date(2025, 5, 10), topic="5月例会")
    missed = Alliance.objects.with_meeting_check(TODAY).filter(missed_meeting=True)
    assert list(missed) == [league.sub_a]


def test_a_township_is_covered_by_one_sub_alliance_only(world, league):
    """胡集镇 in two 分盟 makes 同分盟 and the evaluation's ranking group ambiguous."""
    try:
        services.alliance_save(user=world.users.admin, townships=[world.town_a], alliance=Alliance(
            kind="sub", name="第三分盟", parent=league.master, region=world.county))
    except Exception as error:  # noqa: BLE001 - any refusal will do
        assert "胡集镇" in str(error) or "分盟" in str(error)
    else:
        raise AssertionError("胡集镇 is now covered by two 分盟")


def test_township_officials_do_not_register_resources(world, league, login):
    """access.py: township officials enter needs; resources come from secretaries' units and experts."""
    response = login(world.users.town_a).post(reverse("alliances:resource_create"), {
        "alliance": league.sub_a.pk, "category": "technical", "description": "镇里登记的资源",
        "provider_secretary": world.sec_a.pk, "capacity": 1})
    assert response.status_code == 403 and not Resource.objects.exists()


def test_dispatch_refuses_a_used_up_resource(world, league):
    """Capacity is enforced only by the page's choice list: the service (and two conveners at once) overbook it."""
    spent = resource(world, league.sub_a, secretary=world.sec_a)
    for description in ("甲", "乙"):
        wanted = need(world, league.sub_a, description=description)
        try:
            services.dispatch(user=world.users.admin, need=wanted, resources=[spent], content="x", deadline=TODAY,
                              responsible="x", today=TODAY)
        except Exception:  # noqa: BLE001 - any refusal will do
            break
    assert CoBuild.objects.filter(resources=spent).count() == 1


def test_dispatch_offers_only_the_alliances_own_and_its_masters_expert_groups(world, league, login):
    other = ExpertGroup.objects.create(alliance=league.sub_b, name="第二分盟专家组", category="technical")
    target = need(world, league.sub_a)
    page = login(world.users.admin).get(reverse("alliances:need_match", args=[target.pk]))
    assert set(page.context["form"].fields["expert_group"].queryset) == {league.group}
    with pytest.raises(ValidationError):
        services.dispatch(user=world.users.admin, need=target, content="x", deadline=TODAY, responsible="x",
                          today=TODAY, expert_group=other,
                          resources=[resource(world, league.sub_a, expert=league.expert)])


def test_a_stale_copy_cannot_complete_or_close_twice(world, league):
    """accept/complete/close re-read the locked row: two clicks at once act only once."""
    target = need(world, league.sub_a)
    item = services.dispatch(user=world.users.admin, need=target, content="x", deadline=TODAY, responsible="x",
                             today=TODAY, resources=[resource(world, league.sub_a, secretary=world.sec_a)])
    first, second = CoBuild.objects.get(pk=item.pk), CoBuild.objects.get(pk=item.pk)
    services.complete(user=world.users.admin, item=first, outcome="已完成", today=TODAY)
    with pytest.raises(ValidationError):
        services.complete(user=world.users.admin, item=second, outcome="又完成", today=TODAY)
    check = services.supervision_create(user=world.users.admin, check=Supervision(
        need=target, date=TODAY, inspector="督导组", finding="进度"))
    first, second = Supervision.objects.get(pk=check.pk), Supervision.objects.get(pk=check.pk)
    services.supervision_close(user=world.users.admin, check=first)
    with pytest.raises(ValidationError):
        services.supervision_close(user=world.users.admin, check=second)


def test_import_refuses_a_need_outside_the_sub_alliances_townships(world, league):
    text = ("联盟,镇（街道）,村,类别,需求内容,提出人,提出日期,紧急程度\n"
            "第一分盟,鸡黍镇,前进村,医疗,巡回义诊,村委会,2025-06-01,紧急\n")
    plan = NeedImporter(world.users.admin).run(text.encode("utf-8"), "清单.csv", commit=True)
    assert not plan.written and not Need.objects.exists() and "覆盖" in plan.problems[0].reason
