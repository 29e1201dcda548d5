"""通知公告: county staff publish to townships, units or all secretaries; recipients read and acknowledge (回执);
the publisher sees who has and who has not, and exports it."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from notifications.models import Announcement, Kind, Message, Receipt

pytestmark = pytest.mark.django_db


def publish(client, **data):
    return client.post(reverse("notifications:announcement_create"), {"title": "关于报送2025年半年工作总结的通知",
                                                                       "body": "请于7月5日前报送。", **data})


def test_an_announcement_to_a_township_reaches_its_officials_and_secretaries(world, login):
    client = login(world.users.admin)
    attachment = SimpleUploadedFile("半年总结模板.docx", b"PK fake docx", content_type="application/octet-stream")
    response = publish(client, townships=[world.town_a.pk], files=[attachment])
    announcement = Announcement.objects.get()
    assert response.url == announcement.get_absolute_url()
    people = set(Receipt.objects.values_list("user__username", flat=True))
    assert people == {"town_a", "sec_a"}
    assert Message.objects.filter(kind=Kind.ANNOUNCEMENT, recipient__username="sec_a").count() == 1
    secretary = login(world.users.secretary)
    listed = secretary.get(reverse("notifications:announcement_list")).content.decode()
    assert "关于报送2025年半年工作总结的通知" in listed
    page = secretary.get(announcement.get_absolute_url()).content.decode()
    assert "请于7月5日前报送" in page and "半年总结模板.docx" in page and "回执" in page
    download = secretary.get(reverse("notifications:attachment_download",
                                     args=[announcement.attachments.get().pk]))
    assert b"".join(download.streaming_content) == b"PK fake docx"


def test_units_and_all_secretaries_as_audiences(world, login):
    publish(login(world.users.admin), units=[str(world.unit_b.pk)])
    assert set(Receipt.objects.values_list("user__username", flat=True)) == {"contact_b"}
    Announcement.objects.all().delete()
    publish(login(world.users.admin), to_all_secretaries="on")
    assert set(Receipt.objects.values_list("user__username", flat=True)) == {"sec_a"}


def test_an_announcement_needs_an_audience(world, login):
    response = publish(login(world.users.admin))
    assert "请选择发送对象" in response.content.decode() and not Announcement.objects.exists()


def test_the_publisher_sees_who_has_read_and_acknowledged_and_exports_it(world, login):
    publish(login(world.users.admin), townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    secretary = login(world.users.secretary)
    secretary.get(announcement.get_absolute_url())
    secretary.post(reverse("notifications:announcement_acknowledge", args=[announcement.pk]), {"note": "已收到"})
    again = secretary.post(reverse("notifications:announcement_acknowledge", args=[announcement.pk]), follow=True)
    assert "已回执，无需重复提交" in again.content.decode()
    admin = login(world.users.admin)
    page = admin.get(announcement.get_absolute_url()).content.decode()
    assert "共 2 人，已读 1（未读 1），已回执 1" in page
    book = openpyxl.load_workbook(io.BytesIO(admin.get(reverse("notifications:announcement_export",
                                                               args=[announcement.pk])).getvalue()))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "角色", "所属区域", "阅读")
    by_name = {row[0]: row for row in rows[1:]}
    assert by_name["胡集镇干部"][3] == "未读" and by_name["胡集镇干部"][5] == "未回执"
    assert [row for row in rows[1:] if row[5] == "已回执"][0][7] == "已收到"


def test_announcements_are_scoped(world, login):
    publish(login(world.users.admin), townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    for user in (world.users.admin_ls, world.users.town_b, world.users.contact):
        assert login(user).get(announcement.get_absolute_url()).status_code == 404
    assert login(world.users.leader).get(announcement.get_absolute_url()).status_code == 200
    assert login(world.users.secretary).get(reverse("notifications:announcement_export",
                                                    args=[announcement.pk])).status_code == 403
    assert login(world.users.town_b).post(reverse("notifications:announcement_acknowledge",
                                                  args=[announcement.pk])).status_code == 404


def test_only_county_staff_publish(world, client, login):
    assert client.get(reverse("notifications:announcement_create")).status_code == 302
    for user in (world.users.town_a, world.users.secretary, world.users.leader):
        assert login(user).get(reverse("notifications:announcement_create")).status_code == 403
    assert publish(login(world.users.town_a), townships=[world.town_a.pk]).status_code == 403
    form = login(world.users.admin).get(reverse("notifications:announcement_create")).content.decode()
    assert "胡集镇" in form and "馆驿镇" not in form and "梁山县水务局" not in form


def test_a_full_disk_refuses_the_announcement_and_leaves_nothing(world, login, monkeypatch):
    from django.core.files.storage import FileSystemStorage

    def full(self, name, content, max_length=None):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "save", full)
    attachment = SimpleUploadedFile("模板.docx", b"PK", content_type="application/octet-stream")
    response = publish(login(world.users.admin), townships=[world.town_a.pk], files=[attachment])
    assert response.status_code == 200 and "附件保存失败" in response.content.decode()
    assert not Announcement.objects.exists() and not Receipt.objects.exists() and not Message.objects.exists()
