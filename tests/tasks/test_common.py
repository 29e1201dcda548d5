"""A county common list: issued in one step, every chosen secretary gets each item exactly once, and each item's
progress is aggregated over everyone who received it."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks import reports, services
from tasks.models import CommonTask, TaskItem
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def common(world):
    common = services.common_create(user=world.users.admin, region=world.county, year=timezone.localdate().year,
                                    title="梳理25项重点工作任务")
    deadline = timezone.localdate() + datetime.timedelta(days=90)
    for number in range(1, 26):
        services.common_item_add(common, user=world.users.admin, dimension="party", title=f"重点工作{number}",
                                 deadline=deadline)
    return common


def received(common):
    return sorted(set(TaskItem.objects.filter(common_item__common=common).values_list("secretary__name", flat=True)))


def test_issuing_reaches_every_active_first_secretary_once(world, common, login):
    response = login(world.users.admin).post(reverse("tasks:common_issue", args=[common.pk]), follow=True)
    assert "已下发给 2 名第一书记，新增任务 50 条" in response.content.decode()
    assert received(common) == ["张伟", "李娜"]  # not 赵敏 (no post), not 王强 (another county)
    assert TaskItem.objects.filter(secretary=world.sec_a, source="county").count() == 25


def test_issuing_again_does_not_duplicate(world, common):
    assert services.common_issue(common, user=world.users.admin) == (2, 50)
    assert services.common_issue(common, user=world.users.admin) == (2, 0)
    assert TaskItem.objects.count() == 50
    # A secretary posted since, and an item added since, are all that the next issue adds.
    newcomer = f.secretary(world.county, world.unit, "刘洋")
    f.assign(newcomer, world.village_a2, world.batch)
    services.common_item_add(common, user=world.users.admin, dimension="service", title="走访慰问",
                             deadline=timezone.localdate() + datetime.timedelta(days=30))
    assert services.common_issue(common, user=world.users.admin) == (3, 26 + 2)
    assert TaskItem.objects.count() == 78
    pairs = list(TaskItem.objects.values_list("secretary_id", "common_item_id"))
    assert len(pairs) == len(set(pairs))


def test_issuing_to_chosen_townships(world, common, login):
    login(world.users.admin).post(reverse("tasks:common_issue", args=[common.pk]), {"townships": [world.town_b.pk]})
    assert received(common) == ["李娜"]


def test_only_county_staff_issue(world, common, login):
    url = reverse("tasks:common_issue", args=[common.pk])
    assert login(world.users.town_a).post(url).status_code == 403
    assert login(world.users.secretary).post(url).status_code == 403
    assert login(world.users.admin_ls).post(url).status_code == 404
    assert not TaskItem.objects.exists()


def test_a_past_deadline_stops_the_issue(world, common):
    common.items.filter(position=3).update(deadline=timezone.localdate() - datetime.timedelta(days=1))
    with pytest.raises(Exception, match="第3项“重点工作3”的完成时限已过"):
        services.common_issue(common, user=world.users.admin)
    assert not TaskItem.objects.exists()


def test_progress_is_aggregated_over_everyone_who_received_it(world, common, login):
    services.common_issue(common, user=world.users.admin)
    first = common.items.get(position=1)
    TaskItem.objects.filter(common_item=first, secretary=world.sec_a).update(progress=100, status="done")
    TaskItem.objects.filter(common_item=first, secretary=world.sec_b).update(progress=40, status="in_progress")
    rows = reports.common_progress(world.users.admin, common, timezone.localdate())
    assert (rows[0]["total"], rows[0]["done"], rows[0]["rate"], rows[0]["progress"]) == (2, 1, 50.0, 70.0)
    # The township sees the same item over its own secretaries only.
    rows = reports.common_progress(world.users.town_b, common, timezone.localdate())
    assert (rows[0]["total"], rows[0]["done"], rows[0]["progress"]) == (1, 0, 40.0)
    page = login(world.users.town_b).get(common.get_absolute_url()).content.decode()
    assert "重点工作25" in page and "下发清单" not in page


def test_the_common_pages(world, common, login, django_assert_max_num_queries):
    services.common_issue(common, user=world.users.admin)
    client = login(world.users.admin)
    assert "梳理25项重点工作任务" in client.get(reverse("tasks:common_list")).content.decode()
    with django_assert_max_num_queries(14):
        page = client.get(common.get_absolute_url()).content.decode()
    assert "下发清单" in page and "重点工作1" in page
    assert login(world.users.admin_ls).get(common.get_absolute_url()).status_code == 404
    assert client.get(reverse("tasks:common_list")).status_code == 200


def test_creating_a_list_in_the_browser(world, login):
    client = login(world.users.admin)
    response = client.post(reverse("tasks:common_create"), {"year": 2025, "title": "2025年度重点工作", "note": ""})
    common = CommonTask.objects.get()
    assert response.url == common.get_absolute_url()
    client.post(reverse("tasks:common_item_add", args=[common.pk]),
                {"dimension": "development", "title": "发展村集体经济", "description": "",
                 "deadline": (timezone.localdate() + datetime.timedelta(days=60)).isoformat()})
    assert common.items.get().position == 1
    assert login(world.users.town_a).get(reverse("tasks:common_create")).status_code == 403
