"""The message centre: the unread count in the header, opening a message, marking all read, preferences and the
county's channel settings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import notify
from notifications.models import ChannelSettings, Kind, Message, Preference

pytestmark = pytest.mark.django_db


def test_the_header_shows_the_unread_count_and_the_inbox_lists_the_messages(world, login):
    notify([world.users.secretary], kind=Kind.TASK_RETURNED, title="任务被退回：村史馆", url="/tasks/items/1/")
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="关于报送半年总结的通知")
    notify([world.users.town_a], kind=Kind.CLOSEOUT, title="不是给书记的")
    page = login(world.users.secretary).get(reverse("notifications:inbox")).content.decode()
    assert 'unread-count">2<' in page
    assert "任务被退回：村史馆" in page and "关于报送半年总结的通知" in page and "不是给书记的" not in page


def test_opening_a_message_marks_it_read_and_follows_its_link(world, login):
    (message,) = notify([world.users.secretary], kind=Kind.TASK_RETURNED, title="退回", url="/tasks/items/1/")
    client = login(world.users.secretary)
    response = client.post(reverse("notifications:message_open", args=[message.pk]))
    assert response.status_code == 302 and response.url == "/tasks/items/1/"
    message.refresh_from_db()
    assert message.read_at is not None
    assert "unread-count" not in client.get(reverse("notifications:inbox")).content.decode()


def test_a_message_linking_elsewhere_is_not_followed(world, login):
    (message,) = notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="外链", url="https://evil.example/")
    response = login(world.users.secretary).post(reverse("notifications:message_open", args=[message.pk]))
    assert response.url == reverse("notifications:inbox")


def test_mark_all_read(world, login):
    for n in range(3):
        notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title=f"通知{n}")
    client = login(world.users.secretary)
    response = client.post(reverse("notifications:read_all"), follow=True)
    assert "已将 3 条消息标为已读" in response.content.decode()
    assert not Message.objects.filter(read_at__isnull=True).exists()
    assert "还没有消息" not in client.get(reverse("notifications:inbox")).content.decode()
    assert "没有未读消息" in client.get(reverse("notifications:inbox") + "?unread=1").content.decode()


def test_someone_elses_message_cannot_be_opened(world, login):
    (message,) = notify([world.users.town_a], kind=Kind.CLOSEOUT, title="待确认")
    assert login(world.users.secretary).post(reverse("notifications:message_open", args=[message.pk])).status_code \
        == 404
    message.refresh_from_db()
    assert message.read_at is None


def test_message_pages_need_a_login_and_the_right_method(world, client, login):
    assert client.get(reverse("notifications:inbox")).status_code == 302
    assert client.post(reverse("notifications:read_all")).status_code == 302
    user = login(world.users.secretary)
    assert user.get(reverse("notifications:read_all")).status_code == 405
    assert user.get(reverse("notifications:message_open", args=[1])).status_code == 405


def count(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("url_name", ["notifications:inbox", "notifications:delivery_log",
                                      "notifications:announcement_list"])
def test_message_pages_run_a_fixed_number_of_queries(world, login, url_name):
    ChannelSettings.objects.create(region=world.county, email_enabled=True)
    client = login(world.users.admin)
    notify([world.users.admin], kind=Kind.ANNOUNCEMENT, title="一")
    count(client, reverse(url_name))
    few = count(client, reverse(url_name))
    for n in range(12):
        notify([world.users.admin, world.users.secretary], kind=Kind.ANNOUNCEMENT, title=f"通知{n}")
    assert count(client, reverse(url_name)) == few <= 10


def test_the_unread_count_costs_no_query_on_an_ordinary_page(world, login):
    notify([world.users.secretary], kind=Kind.ANNOUNCEMENT, title="一")
    client = login(world.users.secretary)  # counted at login
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("notifications:preferences")).content.decode()
    assert 'unread-count">1<' in page
    assert not [q for q in captured if "notifications_message" in q["sql"]]


def test_a_person_chooses_their_channels(world, login):
    ChannelSettings.objects.create(region=world.county, wecom_webhook="http://127.0.0.1:18599/x")
    client = login(world.users.secretary)
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "本县已开通：企业微信群机器人" in page
    response = client.post(reverse("notifications:preferences"), {"email": "on", "phone": "13912345678"})
    assert response.status_code == 302
    preference = Preference.objects.get(user=world.users.secretary)
    assert (preference.email, preference.wecom, preference.phone) == (True, False, "13912345678")
    bad = client.post(reverse("notifications:preferences"), {"phone": "12345"})
    assert "手机号应为 11 位数字" in bad.content.decode()


def test_county_staff_set_the_countys_channels(world, login):
    client = login(world.users.admin)
    assert client.get(reverse("notifications:channel_settings")).status_code == 200
    response = client.post(reverse("notifications:channel_settings"), {
        "wecom_webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc", "wecom_format": "markdown",
        "dingtalk_webhook": "", "dingtalk_secret": "", "sms_url": "", "sms_token": "", "sms_template": "",
        "quiet_start": "22:00", "quiet_end": "07:00"})
    assert response.status_code == 302
    saved = ChannelSettings.objects.get(region=world.county)
    assert saved.enabled()["wecom"] and not saved.enabled()["dingtalk"]
    bad = client.post(reverse("notifications:channel_settings"), {
        "wecom_format": "markdown", "sms_template": "{not json", "quiet_start": "22:00", "quiet_end": "07:00"})
    assert "请求模板应为 JSON" in bad.content.decode()


def test_channel_settings_are_for_county_staff_at_county_level(world, login):
    from tests import factories as f

    assert login(world.users.town_a).get(reverse("notifications:channel_settings")).status_code == 403
    assert login(world.users.leader).get(reverse("notifications:channel_settings")).status_code == 403
    city = f.user("city_admin", "county_admin", world.city)
    assert login(city).get(reverse("notifications:channel_settings")).status_code == 403
