import datetime

import pytest
from django.core.exceptions import ValidationError

from alliances import services
from alliances.models import Activity, Alliance, CoBuild, Need, Resource, Supervision

from .conftest import TODAY, need, resource


def test_flow_and_need_closes_when_item_completes(world, league):
    wanted = need(world, league.sub_a)
    flow = lambda: Need.objects.with_flow().get(pk=wanted.pk).flow  # noqa: E731
    assert flow() == "ordered"
    r = resource(world, league.sub_a, expert=league.expert)
    item = services.dispatch(user=world.users.admin, need=wanted, resources=[r], content="病虫害防治",
                             deadline=TODAY, responsible="孙教授", expert_group=league.group, today=TODAY)
    assert flow() == "dispatched"
    assert CoBuild.objects.with_state(TODAY).get(pk=item.pk).state == "waiting"
    with pytest.raises(ValidationError):
        services.complete(user=world.users.admin, item=item, outcome="完成", today=TODAY)
    services.accept(user=world.users.admin, item=item, today=TODAY)
    assert flow() == "accepted"
    assert CoBuild.objects.with_state(TODAY + datetime.timedelta(1)).get(pk=item.pk).state == "overdue"
    services.complete(user=world.users.admin, item=item, outcome="挽回损失3万元", today=TODAY)
    wanted.refresh_from_db()
    assert (wanted.status, wanted.solved_on, flow()) == ("solved", TODAY, "solved")
    with pytest.raises(ValidationError):
        services.dispatch(user=world.users.admin, need=wanted, resources=[r], content="x", deadline=TODAY,
                          responsible="x")


def test_overdue_supervision_listed(world, league):
    r = resource(world, league.sub_a, secretary=world.sec_a)
    late = services.supervision_create(user=world.users.admin, check=Supervision(
        resource=r, date=TODAY, inspector="县委组织部", finding="资源台账未更新", deadline=TODAY))
    Supervision.objects.create(alliance=league.sub_a, resource=r, date=TODAY, inspector="x", finding="ok",
                               deadline=TODAY, closed=True)
    states = dict(Supervision.objects.with_state(TODAY + datetime.timedelta(1)).values_list("pk", "state"))
    assert states[late.pk] == "overdue" and sorted(states.values()) == ["closed", "overdue"]
    assert late.alliance == league.sub_a


def test_missed_meeting_warning(world, league):
    Activity.objects.create(alliance=league.sub_a, kind="meeting", date=datetime.date(2025, 5, 20), topic="5月例会")
    Activity.objects.create(alliance=league.sub_b, kind="theme", date=datetime.date(2025, 5, 20), topic="主题活动")
    missed = dict(Alliance.objects.with_meeting_check(TODAY).values_list("name", "missed_meeting"))
    assert missed == {"金乡县第一书记联盟": False, "第一分盟": False, "第二分盟": True}


def test_resource_needs_one_provider(world, league):
    with pytest.raises(ValidationError):
        services.resource_create(user=world.users.admin, resource=Resource(
            alliance=league.sub_a, category="technical", description="x"))


def test_figures_count_children(world, league):
    wanted = need(world, league.sub_a)
    r = resource(world, league.sub_a, secretary=world.sec_a)
    item = services.dispatch(user=world.users.admin, need=wanted, resources=[r], content="x", deadline=TODAY,
                             responsible="x", today=TODAY)
    services.complete(user=world.users.admin, item=item, outcome="好", today=TODAY)
    rows = {a.name: a for a in Alliance.objects.with_figures()}
    assert (rows["第一分盟"].n_resources, rows["第一分盟"].n_cobuilds, rows["第一分盟"].n_solved) == (1, 1, 1)
    assert (rows["金乡县第一书记联盟"].n_resources, rows["第二分盟"].n_resources) == (1, 0)
