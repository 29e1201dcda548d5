"""办结销号: the secretary closes with an evidence note, the township confirms; rejecting and reopening need a
reason, and reopening is audited."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog
from tasks.models import TaskItem

pytestmark = pytest.mark.django_db


def post(client, name, task, data=None):
    return client.post(reverse(f"tasks:{name}", args=[task.pk]), data or {}, follow=True)


def test_secretary_updates_progress_then_closes_with_evidence(world, login, task_a):
    client = login(world.users.secretary)
    post(client, "task_progress", task_a, {"progress": "40", "evidence": "已召开支委会"})
    task_a.refresh_from_db()
    assert (task_a.status, task_a.progress) == (TaskItem.Status.IN_PROGRESS, 40)
    page = post(client, "task_close", task_a, {"evidence": ""}).content.decode()
    assert "这个字段是必填项" in page or "申请办结须填写" in page
    task_a.refresh_from_db()
    assert task_a.status == TaskItem.Status.IN_PROGRESS
    post(client, "task_close", task_a, {"evidence": "党支部已评为四星，附评定文件"})
    task_a.refresh_from_db()
    assert (task_a.status, task_a.progress) == (TaskItem.Status.PENDING, 100)
    assert task_a.closed_at is not None


def test_close_out_needs_the_townships_confirmation(world, login, task_a):
    task_a.status = TaskItem.Status.PENDING
    task_a.save()
    assert post(login(world.users.secretary), "task_confirm", task_a).status_code == 403
    assert post(login(world.users.town_b), "task_confirm", task_a).status_code == 404
    assert post(login(world.users.leader), "task_confirm", task_a).status_code == 403
    task_a.refresh_from_db()
    assert task_a.status == TaskItem.Status.PENDING
    page = post(login(world.users.town_a), "task_confirm", task_a).content.decode()
    assert "已确认办结" in page
    task_a.refresh_from_db()
    assert (task_a.status, task_a.confirmed_by) == (TaskItem.Status.DONE, world.users.town_a)


def test_the_township_rejects_a_close_out_with_a_reason(world, login, task_a):
    task_a.status = TaskItem.Status.PENDING
    task_a.save()
    client = login(world.users.town_a)
    post(client, "task_reject", task_a, {"reason": ""})
    task_a.refresh_from_db()
    assert task_a.status == TaskItem.Status.PENDING
    post(client, "task_reject", task_a, {"reason": "缺少评定文件"})
    task_a.refresh_from_db()
    assert (task_a.status, task_a.return_reason) == (TaskItem.Status.IN_PROGRESS, "缺少评定文件")
    page = login(world.users.secretary).get(reverse("tasks:reminders")).content.decode()
    assert "缺少评定文件" in page


def test_only_a_pending_item_can_be_confirmed(world, login, task_a):
    page = post(login(world.users.town_a), "task_confirm", task_a).content.decode()
    assert "只有待确认的任务可以确认办结" in page
    task_a.refresh_from_db()
    assert task_a.status == TaskItem.Status.NOT_STARTED


def test_reopening_needs_a_reason_and_is_audited(world, login, task_a):
    task_a.status = TaskItem.Status.DONE
    task_a.save()
    client = login(world.users.town_a)
    post(client, "task_reopen", task_a, {"reason": "  "})
    task_a.refresh_from_db()
    assert task_a.status == TaskItem.Status.DONE
    assert post(login(world.users.secretary), "task_reopen", task_a, {"reason": "想再改"}).status_code == 403
    post(login(world.users.town_a), "task_reopen", task_a, {"reason": "复查发现台账不全"})
    task_a.refresh_from_db()
    assert task_a.status == TaskItem.Status.IN_PROGRESS
    entry = AuditLog.objects.filter(object_id=str(task_a.pk), action=AuditLog.Action.UPDATE).latest("pk")
    assert entry.user == world.users.town_a
    assert entry.changes["重新打开理由"] == "复查发现台账不全"
    assert entry.changes["status"] == ["done", "in_progress"]


def test_a_secretary_edits_only_their_own_items(world, login, task_a, task_b):
    client = login(world.users.secretary)
    assert post(client, "task_progress", task_b, {"progress": "50", "evidence": ""}).status_code == 404
    assert client.get(reverse("tasks:task_update", args=[task_b.pk])).status_code == 404
    # A township official may see an item but not work on it.
    town = login(world.users.town_a)
    assert post(town, "task_progress", task_a, {"progress": "50", "evidence": ""}).status_code == 403
    assert post(town, "task_close", task_a, {"evidence": "代办"}).status_code == 403


def test_a_county_issued_item_keeps_the_countys_wording(world, login, task_a):
    task_a.source = TaskItem.Source.COUNTY
    task_a.save()
    client = login(world.users.secretary)
    response = client.post(reverse("tasks:task_update", args=[task_a.pk]),
                           {"dimension": "party", "title": "改名", "description": "", "deadline": task_a.deadline})
    assert "县统一下发的任务由县委组织部确定" in response.content.decode()
    task_a.refresh_from_db()
    assert task_a.title == "王庄村党支部晋星"


def test_a_closed_item_cannot_be_updated(world, login, task_a):
    task_a.status = TaskItem.Status.PENDING
    task_a.save()
    page = post(login(world.users.secretary), "task_progress", task_a, {"progress": "10", "evidence": ""})
    assert "不能更新进度" in page.content.decode()
