from django.urls import reverse

from alliances.importers import NeedImporter, ResourceImporter
from alliances.models import Need, Resource

from .conftest import need, resource


def run(importer, world, text, commit=True):
    return importer(world.users.admin).run(text.encode("utf-8"), "清单.csv", commit=commit)


def test_import_needs_all_or_nothing(world, league):
    bad = ("联盟,镇（街道）,村,类别,需求内容,提出人,提出日期,紧急程度\n"
           "第一分盟,胡集镇,王庄村,医疗,巡回义诊,村委会,2025-06-01,紧急\n"
           "第一分盟,胡集镇,不存在村,医疗,修路,村委会,2025-06-01,\n")
    plan = run(NeedImporter, world, bad)
    assert not plan.written and Need.objects.count() == 0 and plan.problems[0].row == 3
    plan = run(NeedImporter, world, bad.rsplit("\n", 2)[0] + "\n")
    assert plan.written and Need.objects.get().urgency == "critical"


def test_import_resources(world, league):
    text = ("联盟,类别,资源内容,数量或价值,计量单位,提供人,有效期至,可承接次数\n"
            "第一分盟,技术服务,大棚种植培训,20,人次,孙教授,2026-12-31,3\n"
            "第二分盟,产业发展,帮扶资金,5,万元,李娜,,\n")
    plan = run(ResourceImporter, world, text)
    assert plan.written, plan.problems
    assert {(r.description, r.capacity) for r in Resource.objects.all()} == {("大棚种植培训", 3), ("帮扶资金", 1)}


def test_exports(world, league, login):
    need(world, league.sub_a)
    resource(world, league.sub_a, secretary=world.sec_a)
    client = login(world.users.admin)
    for name in ("alliances:need_export", "alliances:resource_export"):
        response = client.get(reverse(name) + "?category=technical")
        assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    assert client.get(reverse("alliances:need_export") + "?flow=nonsense").status_code == 400
    assert client.get(reverse("excel:import_start", args=["alliance_needs"])).status_code == 200


def test_templates(world, league, login):
    client = login(world.users.admin)
    for kind in ("alliance_needs", "alliance_resources"):
        assert client.get(reverse("excel:import_template", args=[kind])).status_code == 200
