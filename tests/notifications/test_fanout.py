"""An announcement to more than NOTIFY_INLINE_MAX people is sent by the task worker: the request fixes the audience
(from what the publisher reaches), records the announcement with its audit row and queues one job; the job writes
each person's receipt and message in batches, once per person even when it runs again (a retry, a worker that died),
and the announcement's page says how far it is."""

import pytest
from django.urls import reverse

from accounts.models import AuditLog, User
from accounts.roles import Role
from jobs import services as job_services
from jobs.models import Job
from notifications import announcements
from notifications.models import Announcement, Message, Receipt
from tests import factories as f

from .test_announcements import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_inline(settings, monkeypatch):
    settings.NOTIFY_INLINE_MAX = 1  # the test world's audiences (a handful of people) count as large
    monkeypatch.setattr(announcements, "NOTIFY_BATCH", 2)


@pytest.fixture
def more_secretaries(world):
    """Four more secretaries with accounts in 金乡县, so the job has three batches of two."""
    return [f.user(f"sec_extra_{n}", Role.SECRETARY, world.county, name=f"书记{n}") for n in range(4)]


def key(announcement):
    return f"announcement:{announcement.pk}"


def test_a_large_audience_gets_its_receipts_and_messages_from_the_worker_not_the_request(
        world, login, run_tasks, small_inline, more_secretaries):
    client = login(world.users.admin)
    response = publish(client, to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    expected = {world.users.secretary.pk, world.users.town_a.pk, *(u.pk for u in more_secretaries)}
    assert announcement.audience_size == len(expected) == 6
    # Nothing per person is written in the request: no receipt, no message.
    assert not Receipt.objects.exists() and not Message.objects.exists()
    job = Job.objects.get(key=key(announcement))
    assert announcement.send_job == job and job.state == Job.State.QUEUED
    assert job.created_by == world.users.admin and job.rerun_if_lost and set(job.args["user_ids"]) == expected
    audit = AuditLog.objects.get(action=AuditLog.Action.CREATE, object_id=str(announcement.pk))
    assert audit.username == "admin_jx" and audit.changes["接收人数"] == 6

    page = client.get(response.url).content.decode()
    assert "6 人将收到" in page and "站内消息正在后台发送" in page
    assert "正在发送给 6 人……已送达 0 人" in page and "回执情况（发送中）" in page

    # Before the job: the secretary has nothing, and the announcement is not theirs to open yet.
    secretary = login(world.users.secretary)
    assert "关于报送2025年半年工作总结的通知" not in secretary.get(
        reverse("notifications:announcement_list")).content.decode()
    assert secretary.get(announcement.get_absolute_url()).status_code == 404

    assert run_tasks() >= 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.progress == 100 and "已向 6 人发送" in job.message
    assert set(Receipt.objects.filter(announcement=announcement).values_list("user_id", flat=True)) == expected
    messages = Message.objects.filter(dedupe_key=key(announcement))
    assert set(messages.values_list("recipient_id", flat=True)) == expected and messages.count() == 6

    inbox = secretary.get(reverse("notifications:inbox")).content.decode()
    assert "关于报送2025年半年工作总结的通知" in inbox
    listed = secretary.get(reverse("notifications:announcement_list")).content.decode()
    assert "关于报送2025年半年工作总结的通知" in listed and "待回执" in listed
    assert "已阅，回执" in secretary.get(announcement.get_absolute_url()).content.decode()

    page = login(world.users.admin).get(announcement.get_absolute_url()).content.decode()
    assert "已发送完毕，共送达 6 人。" in page and "回执情况：共 6 人，已读 1（未读 5）" in page
    assert "正在发送" not in page


def test_while_the_job_runs_the_page_counts_the_people_reached(world, login, small_inline, more_secretaries):
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    job = announcement.send_job
    # The worker is between batches: two people have their receipt, four are still to come.
    first = sorted(job.args["user_ids"])[:2]
    announcements.announcement_notify(announcement.pk, user_ids=first)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, progress=33)
    page = login(world.users.admin).get(announcement.get_absolute_url()).content.decode()
    assert "正在发送给 6 人……已送达 2 人（33%）" in page and job.get_absolute_url() in page
    assert "回执情况（发送中）：已送达 2 人" in page and "共 2 人" not in page
    # The leader reads the same truth, without the job's page (it is the publisher's).
    page = login(world.users.leader).get(announcement.get_absolute_url()).content.decode()
    assert "正在发送给 6 人……已送达 2 人" in page and "刷新本页查看进度" in page
    assert job.get_absolute_url() not in page


def test_a_job_killed_between_batches_is_completed_by_its_retry_once_per_person(
        world, login, run_tasks, small_inline, more_secretaries, monkeypatch):
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    job = announcement.send_job
    calls = []
    real_notify = announcements.notify

    def dies_in_the_second_batch(users, **kwargs):
        calls.append(list(users))
        if len(calls) == 2:
            raise ConnectionError("server closed the connection unexpectedly")
        return real_notify(users, **kwargs)

    monkeypatch.setattr(announcements, "notify", dies_in_the_second_batch)
    run_tasks()
    job.refresh_from_db()
    assert job.state == Job.State.QUEUED and "自动重试" in job.message
    # The first batch is whole, the second left nothing (its receipts went with its messages).
    assert set(Receipt.objects.values_list("user_id", flat=True)) == set(calls[0])
    assert set(Message.objects.values_list("recipient_id", flat=True)) == set(calls[0])
    page = login(world.users.admin).get(announcement.get_absolute_url()).content.decode()
    assert "正在发送给 6 人……已送达 2 人" in page

    # One of the first batch acknowledges before the retry; the retry must not touch that.
    acknowledged = User.objects.get(pk=calls[0][0])
    announcements.acknowledge(announcement, user=acknowledged, note="已收到")
    monkeypatch.setattr(announcements, "notify", real_notify)
    job_services.job_run(job.pk)  # the retry (its queue entry is due in 10 s)
    job.refresh_from_db()
    assert job.state == Job.State.DONE and "已向 6 人发送" in job.message and "本次新发 4 条" in job.message
    assert Receipt.objects.count() == 6 and Message.objects.filter(dedupe_key=key(announcement)).count() == 6
    assert Receipt.objects.get(user=acknowledged).note == "已收到"


def test_a_job_whose_worker_died_is_queued_again_and_finishes_the_rest(world, login, run_tasks, small_inline,
                                                                       more_secretaries):
    import datetime

    from django.utils import timezone

    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    job = announcement.send_job
    # The worker wrote the first batch, then was killed (SIGKILL: no heartbeat since, nothing more committed).
    announcements.announcement_notify(announcement.pk, user_ids=sorted(job.args["user_ids"])[:2])
    long_ago = timezone.now() - datetime.timedelta(minutes=10)
    Job.objects.filter(pk=job.pk).update(state=Job.State.RUNNING, attempts=1, started_at=long_ago,
                                         heartbeat_at=long_ago)
    assert (job.pk, "requeued") in job_services.recover_lost()
    run_tasks()
    job.refresh_from_db()
    assert job.state == Job.State.DONE and "已向 6 人发送" in job.message and "本次新发 4 条" in job.message
    assert Receipt.objects.count() == 6 and Message.objects.filter(dedupe_key=key(announcement)).count() == 6


def test_running_the_job_twice_writes_each_receipt_and_message_once(world, login, run_tasks, small_inline,
                                                                      more_secretaries):
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    run_tasks()
    again = announcements.announcement_notify(announcement.pk, user_ids=announcement.send_job.args["user_ids"])
    assert again.endswith("本次新发 0 条）。")
    assert Receipt.objects.count() == 6 and Message.objects.filter(dedupe_key=key(announcement)).count() == 6


def test_the_audience_is_the_one_fixed_when_publishing(world, login, run_tasks, small_inline, more_secretaries):
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    # After publishing and before the job: a new secretary account, one closed.
    newcomer = f.user("sec_new", Role.SECRETARY, world.county)
    closed = more_secretaries[0]
    closed.is_active = False
    closed.save(update_fields=["is_active"])
    run_tasks()
    people = set(Receipt.objects.values_list("user_id", flat=True))
    assert newcomer.pk not in people and closed.pk not in people and len(people) == 5
    assert not Message.objects.filter(recipient__in=[newcomer, closed]).exists()
    page = login(world.users.admin).get(announcement.get_absolute_url()).content.decode()
    assert "已发送完毕，共送达 5 人（发布时 6 人，其余账号已停用）。" in page


def test_the_audience_stays_within_the_publishers_county(world, login, run_tasks, small_inline):
    other = f.user("sec_ls", Role.SECRETARY, world.other_county)
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    run_tasks()
    people = set(Receipt.objects.values_list("user_id", flat=True))
    assert people == {world.users.secretary.pk, world.users.town_a.pk} and other.pk not in people
    assert login(other).get(Announcement.objects.get().get_absolute_url()).status_code == 404


def test_a_failed_job_says_so_on_the_page(world, login, small_inline, more_secretaries):
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    announcements.announcement_notify(announcement.pk, user_ids=sorted(announcement.send_job.args["user_ids"])[:2])
    Job.objects.filter(pk=announcement.send_job_id).update(
        state=Job.State.FAILED, error="后台处理出错，已重试 3 次仍未成功，请稍后重新发起或联系管理员。")
    page = login(world.users.admin).get(announcement.get_absolute_url()).content.decode()
    assert "发送未完成：6 人中已送达 2 人。后台处理出错" in page and "正在发送" not in page


def test_a_small_audience_is_still_written_in_the_request(world, login):
    publish(login(world.users.admin), townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    assert announcement.audience_size == announcement.receipts.count() == 2
    assert Message.objects.filter(dedupe_key=key(announcement)).count() == 2
    assert not Job.objects.exists() and announcement.send_job is None
    page = login(world.users.admin).get(announcement.get_absolute_url()).content.decode()
    assert "回执情况：共 2 人" in page and "正在发送" not in page and "已发送完毕" not in page
