"""Messages leave the site through the county's channels: 企业微信 and 钉钉 robots (payloads and signature checked by a
local server), e-mail, SMS; failures are retried with growing delays; quiet hours hold them until morning."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from notifications import channels, notify
from notifications.models import ChannelSettings, Delivery, Kind, Message, Preference
from tasks.models import TaskItem
from tests.tasks.conftest import make_task

from .conftest import DINGTALK_SECRET

pytestmark = pytest.mark.django_db
NO_QUIET = datetime.time(0, 0)


def county_channels(world, robot, **fields):
    defaults = {"quiet_start": NO_QUIET, "quiet_end": NO_QUIET}
    return ChannelSettings.objects.create(region=world.county, **{**defaults, **fields})


def due_next(run_tasks):
    """Run what is queued, then bring any deferred retry forward and run again (the clock moves on)."""
    ran = run_tasks()
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))
    return ran


def test_a_reminder_due_today_reaches_the_wecom_robot_and_the_message_centre_once(world, robot, run_tasks):
    county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom")
    today = timezone.localdate()
    make_task(world.sec_a, title="党支部晋星", created_on=today - datetime.timedelta(days=8),
              deadline=today + datetime.timedelta(days=2))
    for _ in range(2):  # the daily job run twice the same day
        call_command("send_reminders", stdout=io.StringIO())
        run_tasks()
    secretary = world.users.secretary
    assert Message.objects.filter(recipient=secretary, kind=Kind.REMINDER).count() == 1
    posts = robot.on("/wecom")
    assert len(posts) == 2  # the secretary and the official of 胡集镇, once each
    body = next(p["body"] for p in posts if "sec_a" in p["body"]["markdown"]["content"]
                or secretary.name in p["body"]["markdown"]["content"])
    assert body["msgtype"] == "markdown" and "任务催办" in body["markdown"]["content"]
    assert "党支部晋星" in body["markdown"]["content"]
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_wecom_text_messages_mention_the_recipients_phone(world, robot, run_tasks):
    county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom", wecom_format="text")
    Preference.objects.create(user=world.users.secretary, phone="13912345678")
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="关于报送半年总结的通知", url="/notifications/")
    run_tasks()
    (post,) = robot.on("/wecom")
    assert post["body"]["msgtype"] == "text"
    assert post["body"]["text"]["mentioned_mobile_list"] == ["13912345678"]
    assert "关于报送半年总结的通知" in post["body"]["text"]["content"]
    assert "http://127.0.0.1:8000/notifications/" in post["body"]["text"]["content"]


def test_dingtalk_messages_are_signed_and_mention_the_roster_phone(world, robot, run_tasks):
    county_channels(world, robot, dingtalk_webhook=f"{robot.base}/dingtalk?access_token=abc",
                    dingtalk_secret=DINGTALK_SECRET)
    notify([world.users.secretary], kind=Kind.LEAVE_DECIDED, title="请假已批准：06-03至06-05")
    run_tasks()
    (post,) = robot.on("/dingtalk")
    assert post["signed"] and post["query"]["access_token"] == ["abc"]
    assert abs(int(post["query"]["timestamp"][0]) / 1000 - timezone.now().timestamp()) < 60
    assert post["body"]["msgtype"] == "markdown" and post["body"]["markdown"]["title"] == "请假已批准：06-03至06-05"
    assert post["body"]["at"] == {"atMobiles": [world.sec_a.phone], "isAtAll": False}
    assert Delivery.objects.get().state == Delivery.State.SENT


def test_a_wrong_dingtalk_secret_is_logged_as_failed(world, robot, run_tasks, settings):
    settings.NOTIFY_RETRIES = 0
    county_channels(world, robot, dingtalk_webhook=f"{robot.base}/dingtalk", dingtalk_secret="SECwrong")
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="测试")
    run_tasks()
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.FAILED and "310000" in delivery.error


def test_failures_are_retried_with_doubling_delays_until_sent(world, robot, run_tasks, settings):
    settings.NOTIFY_BACKOFF_SECONDS = 60
    county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom")
    robot.failures = 2
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="测试重试")
    delays = []
    for _ in range(3):
        run_tasks()
        delivery = Delivery.objects.get()
        if delivery.state == Delivery.State.RETRYING:
            delays.append(round((delivery.next_try_at - timezone.now()).total_seconds()))
        DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - datetime.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, len(robot.on("/wecom"))) == (Delivery.State.SENT, 3, 3)
    assert 55 <= delays[0] <= 60 and 115 <= delays[1] <= 120


def test_a_delivery_that_keeps_failing_stops_after_the_retries(world, robot, run_tasks, settings):
    settings.NOTIFY_RETRIES = 2
    county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom")
    robot.failures = 10
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="测试失败")
    for _ in range(5):
        due_next(run_tasks)
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == (Delivery.State.FAILED, 3) and "HTTP 500" in delivery.error
    assert len(robot.on("/wecom")) == 3


def test_quiet_hours_hold_external_delivery_until_they_end(world, robot, run_tasks):
    now = timezone.localtime()
    start = (now - datetime.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + datetime.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    county = county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom", quiet_start=start, quiet_end=end)
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="夜间通知")
    assert run_tasks() == 0 and robot.requests == []
    delivery = Delivery.objects.get()
    assert delivery.state == Delivery.State.HELD
    assert abs((delivery.next_try_at - county.quiet_ends_after(now)).total_seconds()) < 1
    assert Message.objects.filter(recipient=world.users.secretary).count() == 1  # the site gets it at once
    # Morning: the quiet hours are over and the task comes due.
    ChannelSettings.objects.filter(pk=county.pk).update(quiet_start=NO_QUIET, quiet_end=NO_QUIET)
    due_next(run_tasks)
    run_tasks()
    assert len(robot.on("/wecom")) == 1 and Delivery.objects.get().state == Delivery.State.SENT


def test_quiet_hours_may_span_midnight(world):
    county = ChannelSettings(region=world.county, quiet_start=datetime.time(22), quiet_end=datetime.time(7, 30))
    at = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    assert county.in_quiet_hours(at) and county.in_quiet_hours(at.replace(hour=3))
    assert not county.in_quiet_hours(at.replace(hour=12))
    assert county.quiet_ends_after(at) == (at + datetime.timedelta(days=1)).replace(hour=7, minute=30)


def test_email_goes_through_djangos_mail_backend(world, run_tasks):
    ChannelSettings.objects.create(region=world.county, email_enabled=True, quiet_start=NO_QUIET, quiet_end=NO_QUIET)
    world.users.secretary.email = "zhangwei@example.gov.cn"
    world.users.secretary.save()
    notify([world.users.secretary, world.users.leader], kind=Kind.PERIOD_PUBLISHED, title="2025年度考评结果已发布")
    run_tasks()
    assert [m.to for m in mail.outbox] == [["zhangwei@example.gov.cn"]]
    assert mail.outbox[0].subject == "【考评结果发布】2025年度考评结果已发布"
    failed = Delivery.objects.get(message__recipient=world.users.leader)
    assert failed.state == Delivery.State.FAILED and failed.error == "接收人未填写电子邮箱"


def test_sms_goes_to_the_providers_http_api_from_the_template(world, robot, run_tasks):
    ChannelSettings.objects.create(region=world.county, sms_url=f"{robot.base}/sms", sms_token="Bearer t0k3n",
                                   quiet_start=NO_QUIET, quiet_end=NO_QUIET,
                                   sms_template='{"to": "{phone}", "text": "【{kind}】{title}", "sign": "金乡组工"}')
    Preference.objects.create(user=world.users.secretary, sms=True, phone="13812345678")
    Preference.objects.create(user=world.users.town_a, sms=False)
    notify([world.users.secretary, world.users.town_a], kind=Kind.TASK_RETURNED, title="任务被退回：\"村史馆\"")
    run_tasks()
    (post,) = robot.on("/sms")
    assert post["body"] == {"to": "13812345678", "text": "【任务退回】任务被退回：\"村史馆\"", "sign": "金乡组工"}
    assert post["headers"]["Authorization"] == "Bearer t0k3n"


def test_a_person_may_turn_a_channel_off(world, robot, run_tasks):
    county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom")
    Preference.objects.create(user=world.users.secretary, wecom=False)
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="测试")
    run_tasks()
    assert robot.requests == [] and not Delivery.objects.exists() and Message.objects.count() == 1


def test_nothing_leaves_the_site_without_county_channels(world, run_tasks):
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="测试")
    assert not Delivery.objects.exists() and run_tasks() == 0


def test_a_dedupe_key_sends_once(world):
    for _ in range(3):
        notify([world.users.secretary, world.users.town_a], kind=Kind.REMINDER, title="催办", dedupe_key="r:1")
    assert Message.objects.count() == 2


def test_the_dingtalk_signature_follows_the_documented_example():
    # base64(HMAC-SHA256("1577262236757\nSEC..."), key=secret), URL-encoded
    import base64
    import hashlib
    import hmac
    import urllib.parse

    expected = urllib.parse.quote_plus(base64.b64encode(hmac.new(b"SECabc", b"1577262236757\nSECabc",
                                                                 hashlib.sha256).digest()))
    assert channels.dingtalk_sign("SECabc", 1577262236757) == expected
    url = channels.dingtalk_url("https://oapi.dingtalk.com/robot/send?access_token=x", "SECabc", 1577262236757)
    assert url.endswith(f"&timestamp=1577262236757&sign={expected}")


def test_the_delivery_log_is_for_county_staff(world, robot, run_tasks, login):
    county_channels(world, robot, wecom_webhook=f"{robot.base}/wecom")
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="记录测试")
    run_tasks()
    page = login(world.users.admin).get(reverse("notifications:delivery_log")).content.decode()
    assert "记录测试" in page and "已发送" in page
    assert "记录测试" not in login(world.users.admin_ls).get(reverse("notifications:delivery_log")).content.decode()
    assert login(world.users.town_a).get(reverse("notifications:delivery_log")).status_code == 403


def test_the_task_confirmation_flow_sends_its_messages(world):
    from tasks import services as task_services

    task = make_task(world.sec_a, title="村史馆", status=TaskItem.Status.IN_PROGRESS)
    task_services.task_close(task, user=world.users.secretary, evidence="已建成并开放")
    assert Message.objects.filter(recipient=world.users.town_a, kind=Kind.CLOSEOUT).count() == 1
    assert not Message.objects.filter(recipient=world.users.town_b).exists()
    task_services.task_reject(task, user=world.users.town_a, reason="缺少照片")
    returned = Message.objects.get(recipient=world.users.secretary, kind=Kind.TASK_RETURNED)
    assert "缺少照片" in returned.body and returned.url == task.get_absolute_url()
