"""An alliance set-up in 金乡县: a 总盟, 分盟 A covering 胡集镇 (convener 张伟) and 分盟 B covering 鸡黍镇."""

import datetime
from types import SimpleNamespace

import pytest

from alliances import services
from alliances.models import Alliance, Expert, ExpertGroup, Member, Need, Resource

TODAY = datetime.date(2025, 6, 18)


@pytest.fixture
def league(world):
    admin = world.users.admin
    master = services.alliance_save(user=admin, alliance=Alliance(kind="master", name="金乡县第一书记联盟",
                                                                  region=world.county), townships=[])
    sub_a = services.alliance_save(user=admin, townships=[world.town_a], alliance=Alliance(
        kind="sub", name="第一分盟", parent=master, region=world.county, convener=world.sec_a,
        founded=datetime.date(2024, 1, 1)))
    sub_b = services.alliance_save(user=admin, townships=[world.town_b], alliance=Alliance(
        kind="sub", name="第二分盟", parent=master, region=world.county, convener=world.sec_b,
        founded=datetime.date(2024, 1, 1)))
    Member.objects.create(alliance=sub_a, kind="secretary", secretary=world.sec_a)
    Member.objects.create(alliance=sub_b, kind="secretary", secretary=world.sec_b)
    Member.objects.create(alliance=sub_b, kind="unit", unit=world.unit_b)
    group = ExpertGroup.objects.create(alliance=master, name="种植养殖技术服务", category="technical")
    expert = Expert.objects.create(group=group, name="孙教授", field="设施蔬菜", unit="县农业农村局",
                                   phone="13905371234")
    return SimpleNamespace(master=master, sub_a=sub_a, sub_b=sub_b, group=group, expert=expert)


def need(world, alliance, village=None, category="technical", description="大棚香瓜病虫害防治指导"):
    return services.need_create(user=world.users.admin, need=Need(
        alliance=alliance, category=category, description=description, village=village or world.village_a,
        raised_by="村民王某", raised_on=TODAY))


def resource(world, alliance, *, category="technical", secretary=None, expert=None, valid_until=None, capacity=1,
             description="农技培训"):
    return services.resource_create(user=world.users.admin, resource=Resource(
        alliance=alliance, category=category, description=description, provider_secretary=secretary,
        provider_expert=expert, valid_until=valid_until, capacity=capacity))
