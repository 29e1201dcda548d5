"""Home pages by role: what waits for each person, and the township's batch actions (all or nothing)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from notifications.announcements import announcement_publish
from presence.models import Leave
from tasks.models import TaskItem
from tests import factories as f
from tests.tasks.conftest import make_plan, make_task

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
        assert response.status_code == 200
    return len(captured)


def pending_closeouts(world, n, secretary=None):
    return [make_task(secretary or world.sec_a, title=f"办结任务{i}", status=TaskItem.Status.PENDING,
                      evidence="已完成", closed_at=timezone.now()) for i in range(n)]


def leave(world, secretary=None, village=None, days=(3, 4)):
    secretary = secretary or world.sec_a
    return Leave.objects.create(secretary=secretary, village=village or world.village_a, kind=Leave.Kind.PERSONAL,
                                start_date=TODAY + datetime.timedelta(days=days[0]),
                                end_date=TODAY + datetime.timedelta(days=days[1]), reason="家中有事")


# --- The secretary ----------------------------------------------------------------------------------------------

def test_a_secretary_lands_on_what_waits_for_them(world, login):
    make_task(world.sec_a, title="党支部晋星", created_on=TODAY - datetime.timedelta(days=20),
              deadline=TODAY + datetime.timedelta(days=2))
    make_task(world.sec_a, title="香瓜大棚", created_on=TODAY - datetime.timedelta(days=40),
              deadline=TODAY - datetime.timedelta(days=1), status=TaskItem.Status.IN_PROGRESS)
    make_task(world.sec_a, title="还早", deadline=TODAY + datetime.timedelta(days=300))
    make_task(world.sec_a, title="村史馆", status=TaskItem.Status.IN_PROGRESS, return_reason="缺少照片")
    make_plan(world.village_a, status="returned")
    leave(world)
    announcement_publish(user=world.users.admin, region=world.county, title="关于报送半年总结的通知", body="请报送。",
                         to_all_secretaries=True)
    page = login(world.users.secretary).get(reverse("dashboards:home")).content.decode()
    assert "张伟，您好" in page
    assert "党支部晋星" in page and "香瓜大棚" in page and "已逾期" in page and "还早" not in page
    assert "被退回" in page and "缺少照片" in page
    assert "已退回" in page and "请修改后重新提交" in page
    assert "关于报送半年总结的通知" in page and "请回执" in page
    assert "待审批" in page  # the leave
    assert "本周民情日记" in page
    assert "全部任务</a>：今年 4 项，已办结 0 项" in page


def test_the_secretary_home_runs_a_fixed_number_of_queries(world, login):
    client = login(world.users.secretary)
    make_task(world.sec_a, title="一", deadline=TODAY - datetime.timedelta(days=1))
    client.get(reverse("dashboards:home"))
    few = queries(client, reverse("dashboards:home"))
    for n in range(8):
        make_task(world.sec_a, title=f"任务{n}", deadline=TODAY - datetime.timedelta(days=1))
        leave(world, days=(n * 3 + 10, n * 3 + 11))
    announcement_publish(user=world.users.admin, region=world.county, title="通知", body="内容",
                         to_all_secretaries=True)
    assert queries(client, reverse("dashboards:home")) == few <= 20


def test_a_unit_contact_sees_the_people_their_unit_sent(world, login):
    make_task(world.sec_b, title="逾期", deadline=TODAY - datetime.timedelta(days=1))
    client = login(world.users.contact)
    page = client.get(reverse("dashboards:home")).content.decode()
    assert "县农业农村局 · 派出的第一书记" in page and "李娜" in page and "张伟" not in page
    few = queries(client, reverse("dashboards:home"))
    for _ in range(4):
        person = f.secretary(world.county, world.unit_b)
        f.assign(person, f.village(world.town_b), world.batch)
    assert queries(client, reverse("dashboards:home")) == few <= 14


def test_the_offices_land_on_the_dashboard_with_their_counts(world, login):
    pending_closeouts(world, 2)
    leave(world)
    response = login(world.users.town_a).get(reverse("dashboards:home"), follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("dashboards:county")
    assert "待确认办结 <strong>2</strong>" in page and "待审批请假 <strong>1</strong>" in page
    page = login(world.users.town_b).get(reverse("dashboards:county")).content.decode()
    assert "待确认办结 <strong>0</strong>" in page
    admin = login(world.users.admin).get(reverse("dashboards:county")).content.decode()
    assert "全县待确认办结 <strong>2</strong>" in admin and "待处理申诉" in admin


# --- The township's batch actions ---------------------------------------------------------------------------

def test_a_township_official_confirms_twenty_close_outs_in_one_action(world, login):
    tasks = pending_closeouts(world, 20)
    client = login(world.users.town_a)
    page = client.get(reverse("dashboards:todo")).content.decode()
    assert "待确认办结（20）" in page and "办结任务19" in page
    response = client.post(reverse("dashboards:closeouts_batch"), {"ids": [t.pk for t in tasks], "action": "confirm"},
                           follow=True)
    assert "已确认办结 20 项任务" in response.content.decode()
    assert TaskItem.objects.filter(status=TaskItem.Status.DONE, confirmed_by=world.users.town_a).count() == 20
    assert AuditLog.objects.filter(object_id__in=[str(t.pk) for t in tasks], content_type__model="taskitem").count() \
        == 20


def test_a_batch_with_one_item_no_longer_pending_does_nothing(world, login):
    tasks = pending_closeouts(world, 3)
    TaskItem.objects.filter(pk=tasks[1].pk).update(status=TaskItem.Status.DONE)
    response = login(world.users.town_a).post(reverse("dashboards:closeouts_batch"),
                                              {"ids": [t.pk for t in tasks], "action": "confirm"}, follow=True)
    assert "未作任何处理" in response.content.decode()
    assert TaskItem.objects.filter(status=TaskItem.Status.PENDING).count() == 2


def test_another_townships_item_in_the_batch_does_nothing(world, login):
    mine = pending_closeouts(world, 2)
    theirs = pending_closeouts(world, 1, secretary=world.sec_b)
    response = login(world.users.town_a).post(reverse("dashboards:closeouts_batch"),
                                              {"ids": [t.pk for t in mine + theirs], "action": "confirm"}, follow=True)
    assert "不在您的管辖范围内" in response.content.decode()
    assert not TaskItem.objects.filter(status=TaskItem.Status.DONE).exists()


def test_returning_many_close_outs_needs_a_reason(world, login):
    tasks = pending_closeouts(world, 2)
    client = login(world.users.town_a)
    response = client.post(reverse("dashboards:closeouts_batch"), {"ids": [t.pk for t in tasks], "action": "reject"},
                           follow=True)
    assert "须填写退回理由" in response.content.decode()
    client.post(reverse("dashboards:closeouts_batch"), {"ids": [t.pk for t in tasks], "action": "reject",
                                                        "reason": "缺少佐证照片"})
    assert set(TaskItem.objects.values_list("status", "return_reason")) == {("in_progress", "缺少佐证照片")}


def test_many_leave_requests_approved_or_rejected_at_once(world, login):
    requests = [leave(world, days=(n * 3, n * 3 + 1)) for n in range(1, 5)]
    client = login(world.users.town_a)
    response = client.post(reverse("dashboards:leave_batch"), {"ids": [r.pk for r in requests[:2]],
                                                                "action": "reject"}, follow=True)
    assert "驳回时请填写理由" in response.content.decode()
    assert not Leave.objects.exclude(status=Leave.Status.PENDING).exists()
    client.post(reverse("dashboards:leave_batch"), {"ids": [r.pk for r in requests[:2]], "action": "reject",
                                                    "reason": "村里有检查"})
    client.post(reverse("dashboards:leave_batch"), {"ids": [r.pk for r in requests[2:]], "action": "approve"})
    assert sorted(Leave.objects.values_list("status", flat=True)) == ["approved"] * 2 + ["rejected"] * 2


def test_batch_pages_are_for_the_offices(world, client, login):
    assert client.get(reverse("dashboards:todo")).status_code == 302
    for user in (world.users.secretary, world.users.contact, world.users.leader):
        assert login(user).get(reverse("dashboards:todo")).status_code == 403
        assert login(user).post(reverse("dashboards:closeouts_batch"), {"ids": [1]}).status_code == 403
    assert login(world.users.town_a).get(reverse("dashboards:closeouts_batch")).status_code == 405
    response = login(world.users.town_a).post(reverse("dashboards:leave_batch"), {"action": "approve"}, follow=True)
    assert "请先勾选" in response.content.decode()


def test_the_todo_page_runs_a_fixed_number_of_queries(world, login):
    client = login(world.users.town_a)
    pending_closeouts(world, 1)
    client.get(reverse("dashboards:todo"))
    few = queries(client, reverse("dashboards:todo"))
    pending_closeouts(world, 10)
    for n in range(5):
        leave(world, days=(n * 3 + 1, n * 3 + 2))
    assert queries(client, reverse("dashboards:todo")) == few <= 14


def test_a_secretary_sees_the_peer_ratings_they_still_owe(world, scheme, login):
    from evaluations import services as evaluation_services
    from evaluations.models import Channel
    from tests.evaluations.conftest import five, open_period

    period = open_period(world, scheme)
    people = list(period.participants.order_by("pk"))
    meeting = evaluation_services.meeting_create(period, user=world.users.admin, name="第一季度观摩互评会",
                                                 date=period.end_date, participants=people)
    page = login(world.users.secretary).get(reverse("dashboards:home")).content.decode()
    assert "待完成的观摩互评（1）" in page and "第一季度观摩互评会" in page
    me = period.participants.get(secretary=world.sec_a)
    other = period.participants.exclude(pk=me.pk).first()
    evaluation_services.save_grid(period, Channel.PEER, {other: five(90)}, user=world.users.secretary,
                                  meeting=meeting, rater=me)
    assert "待完成的观摩互评" not in login(world.users.secretary).get(reverse("dashboards:home")).content.decode()
