"""An announcement to more than NOTIFY_INLINE_MAX people is sent by the task worker: the request records the
announcement and its receipts and queues one job; the job writes the messages in batches, once per person even when
it runs again (a retry, a worker that died)."""

import pytest
from django.urls import reverse

from jobs.models import Job
from notifications import announcements
from notifications.models import Announcement, Message

from .test_announcements import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def small_inline(settings, monkeypatch):
    settings.NOTIFY_INLINE_MAX = 1  # the test world's audiences (2–6 people) count as large
    monkeypatch.setattr(announcements, "NOTIFY_BATCH", 2)


def test_a_large_audience_is_notified_by_the_worker_not_in_the_request(world, login, run_tasks, small_inline):
    client = login(world.users.admin)
    response = publish(client, to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    people = set(announcement.receipts.values_list("user_id", flat=True))
    assert len(people) >= 2
    assert Message.objects.count() == 0  # nothing written in the request but the receipts
    job = Job.objects.get(key=f"announcement:{announcement.pk}")
    assert job.state == Job.State.QUEUED and job.created_by == world.users.admin and job.rerun_if_lost
    page = client.get(response.url).content.decode()
    assert "站内消息正在后台发送" in page
    assert run_tasks() >= 1
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.progress == 100 and f"已向 {len(people)} 人发送" in job.message
    messages = Message.objects.filter(dedupe_key=f"announcement:{announcement.pk}")
    assert set(messages.values_list("recipient_id", flat=True)) == people and messages.count() == len(people)
    secretary = login(world.users.secretary)
    inbox = secretary.get(reverse("notifications:inbox")).content.decode()
    assert "关于报送2025年半年工作总结的通知" in inbox


def test_running_the_fan_out_again_adds_no_duplicate(world, login, run_tasks, small_inline):
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    # The worker died after the first batch: some people have their message, the rest do not.
    first = list(announcement.receipts.order_by("user_id").values_list("user_id", flat=True))[:1]
    from notifications.models import Kind
    from notifications.services import notify

    notify(first, kind=Kind.ANNOUNCEMENT, title=announcement.title, dedupe_key=f"announcement:{announcement.pk}")
    run_tasks()
    assert "本次新发" in Job.objects.get().message
    again = announcements.announcement_notify(announcement.pk)  # a retry after all were sent
    total = announcement.receipts.count()
    assert Message.objects.filter(dedupe_key=f"announcement:{announcement.pk}").count() == total
    assert again.endswith("本次新发 0 条）。")


def test_a_small_audience_is_still_notified_in_the_request(world, login):
    publish(login(world.users.admin), townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    assert Message.objects.filter(dedupe_key=f"announcement:{announcement.pk}").count() \
        == announcement.receipts.count() > 0
    assert not Job.objects.exists()
