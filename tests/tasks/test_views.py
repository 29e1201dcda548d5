"""Every task page: the normal case, anonymous → login, another region → 404, wrong method → 405; and the
boards and lists run a fixed number of queries however many items there are."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tasks.models import Plan, TaskItem
from tests import factories as f

from .conftest import make_plan, make_task, queries

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def grow(world, n):
    """n more secretaries in 胡集镇, each with items in every state, a plan and (for some) a due reminder."""
    for _ in range(n):
        village = f.village(world.town_a)
        person = f.secretary(world.county, world.unit)
        f.assign(person, village, world.batch)
        make_plan(village, status=Plan.Status.SUBMITTED)
        for status in TaskItem.Status.values:
            make_task(person, title=f"任务{status}", status=status, progress=50)
        make_task(person, title="逾期", deadline=TODAY() - datetime.timedelta(days=1),
                  created_on=TODAY() - datetime.timedelta(days=40))
        make_task(world.sec_a, title=f"张伟的任务{person.pk}", deadline=TODAY() + datetime.timedelta(days=1))


LIST_PAGES = ["tasks:progress", "tasks:reminders", "tasks:task_list", "tasks:plan_list", "tasks:common_list"]


@pytest.mark.parametrize("name", LIST_PAGES + ["tasks:board"])
@pytest.mark.parametrize("role", ["admin", "town_a", "secretary", "contact", "leader"])
def test_pages_run_a_fixed_number_of_queries(world, login, task_a, task_b, name, role):
    make_plan(world.village_a)
    make_plan(world.village_b)
    client = login(getattr(world.users, role))
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    url = response.redirect_chain[-1][0] if response.redirect_chain else reverse(name)
    before = queries(client, url)
    assert before <= 16
    grow(world, 3)
    assert queries(client, url) == before


@pytest.mark.parametrize("role", ["admin", "town_a", "contact"])
def test_a_secretary_board_runs_a_fixed_number_of_queries(world, login, role):
    secretary = world.sec_b if role != "town_a" else world.sec_a
    make_task(secretary)
    client = login(getattr(world.users, role))
    url = reverse("tasks:secretary_board", args=[secretary.pk])
    client.get(url)
    before = queries(client, url)
    for status in TaskItem.Status.values * 3:
        make_task(secretary, status=status, title=f"更多{status}")
    assert queries(client, url) == before


@pytest.mark.parametrize("name", LIST_PAGES + ["tasks:board", "tasks:task_create", "tasks:plan_create"])
def test_anonymous_users_are_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


OBJECT_PAGES = ["tasks:task_detail", "tasks:task_update"]
ACTIONS = ["tasks:task_progress", "tasks:task_close", "tasks:task_confirm", "tasks:task_reject", "tasks:task_reopen",
           "tasks:task_attach"]


@pytest.mark.parametrize("name", OBJECT_PAGES + ACTIONS)
@pytest.mark.parametrize("role", ["town_b", "admin_ls", "contact"])
def test_another_regions_item_is_404(world, login, task_a, name, role):
    client = login(getattr(world.users, role))
    url = reverse(name, args=[task_a.pk])
    response = client.post(url) if name in ACTIONS else client.get(url)
    assert response.status_code == 404


@pytest.mark.parametrize("name", ACTIONS)
def test_actions_take_only_post(world, login, task_a, name):
    assert login(world.users.admin).get(reverse(name, args=[task_a.pk])).status_code == 405


@pytest.mark.parametrize("name", LIST_PAGES + ["tasks:board"])
def test_list_pages_take_only_get(world, login, name):
    assert login(world.users.admin).post(reverse(name)).status_code == 405


def test_a_secretary_sees_only_their_own_items(world, login, task_a, task_b, task_c):
    client = login(world.users.secretary)
    page = client.get(reverse("tasks:task_list")).content.decode()
    assert "王庄村党支部晋星" in page and "前进村香瓜大棚" not in page and "后营村道路硬化" not in page
    assert client.get(task_b.get_absolute_url()).status_code == 404
    assert client.get(reverse("tasks:secretary_board", args=[world.sec_b.pk])).status_code == 404


def test_a_unit_contact_reads_their_units_secretaries_items(world, login, task_a, task_b):
    client = login(world.users.contact)
    page = client.get(reverse("tasks:task_list")).content.decode()
    assert "前进村香瓜大棚" in page and "王庄村党支部晋星" not in page
    detail = client.get(task_b.get_absolute_url()).content.decode()
    assert "申请办结" not in detail and "确认办结" not in detail
    assert client.post(reverse("tasks:task_progress", args=[task_b.pk]), {"progress": 10}).status_code == 403


def test_a_township_sees_its_own_townships_items(world, login, task_a, task_b):
    page = login(world.users.town_a).get(reverse("tasks:progress")).content.decode()
    listed = login(world.users.town_a).get(reverse("tasks:task_list")).content.decode()
    assert "王庄村党支部晋星" in listed and "前进村香瓜大棚" not in listed
    assert "按五看维度" in page


def test_the_board_shows_states_and_reminders(world, login):
    make_task(world.sec_a, title="临期任务", created_on=TODAY() - datetime.timedelta(days=9),
              deadline=TODAY() + datetime.timedelta(days=1))
    make_task(world.sec_a, title="逾期任务", created_on=TODAY() - datetime.timedelta(days=20),
              deadline=TODAY() - datetime.timedelta(days=1), status=TaskItem.Status.IN_PROGRESS)
    make_task(world.sec_a, title="从容任务", created_on=TODAY(), deadline=TODAY() + datetime.timedelta(days=100))
    page = login(world.users.secretary).get(reverse("tasks:board")).content.decode()
    reminders = page.split("催办提醒")[1].split("按五看维度")[0]
    assert "临期任务" in reminders and "逾期任务" in reminders and "从容任务" not in reminders
    assert "已逾期" in page


def test_the_reminder_list_is_scoped_per_user(world, login):
    due = {"created_on": TODAY() - datetime.timedelta(days=9), "deadline": TODAY() + datetime.timedelta(days=1)}
    make_task(world.sec_a, title="张伟临期", **due)
    make_task(world.sec_b, title="李娜临期", **due)
    make_task(world.sec_c, title="王强临期", **due)
    seen = {role: login(getattr(world.users, role)).get(reverse("tasks:reminders")).content.decode()
            for role in ("secretary", "town_a", "town_b", "admin")}
    assert "张伟临期" in seen["secretary"] and "李娜临期" not in seen["secretary"]
    assert "张伟临期" in seen["town_a"] and "李娜临期" not in seen["town_a"]
    assert "李娜临期" in seen["town_b"] and "张伟临期" not in seen["town_b"]
    assert "张伟临期" in seen["admin"] and "李娜临期" in seen["admin"] and "王强临期" not in seen["admin"]


def test_secretary_adds_an_item(world, login):
    client = login(world.users.secretary)
    deadline = TODAY() + datetime.timedelta(days=60)
    response = client.post(reverse("tasks:task_create"), {"dimension": "development", "title": "引进香瓜种植",
                                                          "description": "", "deadline": deadline.isoformat()})
    task = TaskItem.objects.get()
    assert response.url == task.get_absolute_url()
    assert (task.secretary, task.village, task.source, task.created_on) == (world.sec_a, world.village_a, "own",
                                                                            TODAY())
    past = client.post(reverse("tasks:task_create"), {"dimension": "party", "title": "补报", "description": "",
                                                      "deadline": "2020-01-01"})
    assert "完成时限不能早于今天" in past.content.decode()
    assert login(world.users.town_a).get(reverse("tasks:task_create")).status_code == 403


def test_county_admin_adds_an_item_for_a_serving_secretary(world, login):
    client = login(world.users.admin)
    deadline = (TODAY() + datetime.timedelta(days=30)).isoformat()
    client.post(reverse("tasks:task_create"), {"secretary": world.sec_b.pk, "dimension": "service", "title": "义诊",
                                               "description": "", "deadline": deadline})
    assert TaskItem.objects.get().secretary == world.sec_b
    idle = client.post(reverse("tasks:task_create"), {"secretary": world.sec_idle.pk, "dimension": "service",
                                                      "title": "义诊", "description": "", "deadline": deadline})
    assert "选择一个有效的选项" in idle.content.decode()


def test_the_list_filters_by_state(world, login, task_a):
    make_task(world.sec_a, title="逾期任务", created_on=TODAY() - datetime.timedelta(days=20),
              deadline=TODAY() - datetime.timedelta(days=1))
    client = login(world.users.admin)
    page = client.get(reverse("tasks:task_list"), {"state": "overdue"}).content.decode()
    assert "逾期任务" in page and "王庄村党支部晋星" not in page
    page = client.get(reverse("tasks:task_list"), {"state": "not_started"}).content.decode()
    assert "逾期任务" not in page and "王庄村党支部晋星" in page
    assert client.get(reverse("tasks:task_list"), {"township": "99999"}).status_code == 200
