import datetime

import pytest
from django.urls import reverse

from alliances import reports, services
from alliances.models import Activity, CoBuild, Need, Supervision

from .conftest import TODAY, need, resource

PAGES = ["alliances:alliance_list", "alliances:need_list", "alliances:resource_list", "alliances:cobuild_list",
         "alliances:supervision_list", "alliances:calendar"]


def fill(world, league, n):
    for i in range(n):
        wanted = need(world, league.sub_a if i % 2 else league.sub_b, world.village_a if i % 2 else world.village_b)
        r = resource(world, wanted.alliance, secretary=world.sec_a, expert=None)
        item = services.dispatch(user=world.users.admin, need=wanted, resources=[r], content=f"共建{i}",
                                 deadline=TODAY, responsible="张伟", expert_group=league.group, today=TODAY)
        Supervision.objects.create(alliance=wanted.alliance, cobuild=item, date=TODAY, inspector="x", finding="y")
        Activity.objects.create(alliance=wanted.alliance, date=TODAY, topic=f"例会{i}").attendees.add(world.sec_a)


@pytest.mark.parametrize("name", PAGES)
def test_pages_fixed_queries(world, league, login, django_assert_max_num_queries, name):
    client = login(world.users.admin)
    fill(world, league, 2)
    with django_assert_max_num_queries(25) as first:
        assert client.get(reverse(name)).status_code == 200
    fill(world, league, 6)
    with django_assert_max_num_queries(len(first.captured_queries)):
        assert client.get(reverse(name)).status_code == 200


def test_detail_and_match_fixed_queries(world, league, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    fill(world, league, 2)
    target = need(world, league.sub_a)
    for url in (reverse("alliances:alliance_detail", args=[league.sub_a.pk]),
                reverse("alliances:need_match", args=[target.pk])):
        with django_assert_max_num_queries(40) as first:
            assert client.get(url).status_code == 200
        fill(world, league, 5)
        with django_assert_max_num_queries(len(first.captured_queries)):
            page = client.get(url)
            assert page.status_code == 200


def test_scoping(world, league, login):
    own, other = need(world, league.sub_a), need(world, league.sub_b, world.village_b)
    # township A sees its own township's need and the alliances covering it, not 鸡黍镇's.
    client = login(world.users.town_a)
    page = client.get(reverse("alliances:need_list")).content.decode()
    assert own.description in page and client.get(reverse("alliances:need_match", args=[other.pk])).status_code == 404
    assert client.get(reverse("alliances:alliance_detail", args=[league.sub_b.pk])).status_code == 404
    assert client.get(reverse("alliances:alliance_detail", args=[league.sub_a.pk])).status_code == 200
    # the secretary of 分盟 A (its convener and member) sees its lists only.
    client = login(world.users.secretary)
    assert client.get(reverse("alliances:need_match", args=[own.pk])).status_code == 200
    assert client.get(reverse("alliances:need_match", args=[other.pk])).status_code == 404
    # another county's admin sees nothing.
    client = login(world.users.admin_ls)
    assert client.get(reverse("alliances:alliance_detail", args=[league.master.pk])).status_code == 404
    assert client.get(reverse("alliances:need_match", args=[own.pk])).status_code == 404
    assert "第一分盟" not in client.get(reverse("alliances:alliance_list")).content.decode()


def test_dispatch_accept_complete_in_browser(world, league, login):
    wanted = need(world, league.sub_a)
    r = resource(world, league.sub_a, expert=league.expert)
    client = login(world.users.admin)
    page = client.get(reverse("alliances:need_match", args=[wanted.pk])).content.decode()
    assert "同属 技术服务" in page
    response = client.post(reverse("alliances:need_match", args=[wanted.pk]), {
        "resources": [r.pk], "content": "病虫害防治", "deadline": "2099-01-01", "responsible": "孙教授",
        "expert_group": league.group.pk})
    assert response.status_code == 302
    item = CoBuild.objects.get()
    client.post(reverse("alliances:cobuild_accept", args=[item.pk]))
    client.post(reverse("alliances:cobuild_complete", args=[item.pk]), {"outcome": "挽回损失"})
    assert Need.objects.get(pk=wanted.pk).status == "solved"
    # a township official may not dispatch
    other = need(world, league.sub_a)
    response = login(world.users.town_a).post(reverse("alliances:need_match", args=[other.pk]), {"content": "x"})
    assert response.status_code == 403


def test_need_create_by_township(world, league, login):
    client = login(world.users.town_a)
    response = client.post(reverse("alliances:need_create"), {
        "alliance": league.sub_a.pk, "category": "medical", "village": world.village_a.pk, "description": "巡回义诊",
        "raised_by": "村委会", "raised_on": "2025-06-01", "urgency": "normal"})
    assert response.status_code == 302 and Need.objects.get().description == "巡回义诊"


def test_reports(world, league, django_assert_num_queries):
    wanted = need(world, league.sub_a)
    r = resource(world, league.sub_a, secretary=world.sec_a)
    item = services.dispatch(user=world.users.admin, need=wanted, resources=[r], content="x", deadline=TODAY,
                             responsible="x", today=TODAY)
    services.complete(user=world.users.admin, item=item, outcome="好", today=TODAY)
    Activity.objects.create(alliance=league.sub_a, date=datetime.date(2025, 5, 3), topic="例会")
    with django_assert_num_queries(6):
        figures = reports.county_figures(world.users.admin, TODAY)
    assert figures == {"resources": 1, "cobuilds": 1, "needs_solved": 1, "meetings": 1, "missed_meetings": 1,
                       "alliance_projects": 0, "alliance_funds": 0}
    assert reports.sub_alliance_of([world.sec_a.pk, world.sec_b.pk, world.sec_idle.pk]) == {
        world.sec_a.pk: (league.sub_a.pk, "第一分盟"), world.sec_b.pk: (league.sub_b.pk, "第二分盟")}


def test_setup_in_browser(world, league, login):
    client = login(world.users.admin)
    url = lambda part: reverse("alliances:alliance_add", args=[league.sub_a.pk, part])  # noqa: E731
    assert client.post(url("member"), {"kind": "unit", "unit": world.unit.pk}).status_code == 302
    assert client.post(url("group"), {"name": "产业强村共富", "category": "industry"}).status_code == 302
    group = league.sub_a.expert_groups.get()
    response = client.post(url("expert"), {"group": group.pk, "name": "周工", "field": "农经", "unit": "县农业农村局",
                                           "phone": "12345"})
    assert response.status_code == 200 and "手机号" in response.content.decode()
    assert client.post(url("activity"), {"kind": "meeting", "date": "2025-05-10", "topic": "5月例会",
                                         "attendees": [world.sec_a.pk]}).status_code == 302
    assert Activity.objects.get().attendees.get() == world.sec_a
    r = resource(world, league.sub_a, secretary=world.sec_a)
    assert client.post(url("supervision"), {"resource": r.pk, "date": "2025-06-01", "inspector": "督导组",
                                            "finding": "台账不全", "deadline": "2025-06-10"}).status_code == 302
    check = Supervision.objects.get()
    assert check.alliance == league.sub_a
    client.post(reverse("alliances:supervision_close", args=[check.pk]))
    assert Supervision.objects.get().closed
    # the convener runs the lists but does not set the alliance up; a township official does neither.
    assert login(world.users.secretary).get(url("member")).status_code == 403
    assert login(world.users.secretary).get(url("activity")).status_code == 200
    assert login(world.users.town_a).get(url("activity")).status_code == 403
    assert login(world.users.town_a).get(url("nonsense")).status_code == 404


def test_alliance_create(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("alliances:alliance_create"), {
        "kind": "master", "name": "金乡县第一书记联盟", "townships": [world.town_a.pk], "founded": "2024-03-01"})
    assert response.status_code == 302
    assert login(world.users.town_a).get(reverse("alliances:alliance_create")).status_code == 403
