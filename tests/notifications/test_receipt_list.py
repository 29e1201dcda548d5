"""The publisher's page of an announcement: the read / unread / 回执 counts, the recipients 50 a page (those who have
not read first), a filter to chase who has not read, and the export of that list; only for whoever may see it."""

import io
import re

import openpyxl
import pytest
from django.urls import reverse

from accounts.roles import Role
from notifications import announcements, views
from notifications.models import Announcement
from tests import factories as f

from .test_announcements import publish

pytestmark = pytest.mark.django_db


@pytest.fixture
def announced(world, login):
    """An announcement to all secretaries and 胡集镇: sec_a and 书记1..书记5 in 金乡县, 胡集镇干部 in 胡集镇. sec_a read
    it and acknowledged (回执 "已收到"), 书记5 only read it; the other five have not read it."""
    extra = {n: f.user(f"sec_extra_{n}", Role.SECRETARY, world.county, name=f"书记{n}") for n in range(1, 6)}
    publish(login(world.users.admin), to_all_secretaries="on", townships=[world.town_a.pk])
    announcement = Announcement.objects.get()
    announcements.acknowledge(announcement, user=world.users.secretary, note="已收到")
    announcements.mark_read(announcement, extra[5])
    return announcement


def names(page):
    """The names in the recipient table, top to bottom."""
    return re.findall(r"<tr><td>([^<]*)</td>", page.split("<tbody>")[-1].split("</tbody>")[0])


def test_the_counts_and_the_list_those_who_have_not_read_first(world, login, announced):
    page = login(world.users.admin).get(announced.get_absolute_url()).content.decode()
    assert "回执情况：共 7 人，已读 2（未读 5），已回执 1" in page
    assert "未读 5</a>" in page and "已读 2</a>" in page and "已回执 1</a>" in page and "未回执 6</a>" in page
    # The five who have not read, by region and name; then who read without 回执; the acknowledged last.
    assert names(page) == ["书记1", "书记2", "书记3", "书记4", "胡集镇干部", "书记5", "sec_a"]
    assert "已收到" in page


def test_the_unread_filter_and_its_second_page(world, login, announced, monkeypatch):
    monkeypatch.setattr(views, "RECEIPT_PAGE_SIZE", 2)
    client = login(world.users.admin)
    first = client.get(announced.get_absolute_url(), {"state": "unread"}).content.decode()
    assert names(first) == ["书记1", "书记2"]
    assert "共 5 条，第 1 / 3 页" in first and "?state=unread&page=2" in first
    assert '<strong aria-current="page">未读 5</strong>' in first
    # The counts above stay those of everyone, whatever the filter.
    assert "回执情况：共 7 人，已读 2（未读 5），已回执 1" in first
    second = client.get(announced.get_absolute_url(), {"state": "unread", "page": 2}).content.decode()
    assert names(second) == ["书记3", "书记4"]
    last = client.get(announced.get_absolute_url(), {"state": "unread", "page": 3}).content.decode()
    assert names(last) == ["胡集镇干部"] and "下一页" not in last


def test_the_read_and_acknowledged_filters(world, login, announced):
    client = login(world.users.admin)
    read = client.get(announced.get_absolute_url(), {"state": "read"}).content.decode()
    assert names(read) == ["书记5", "sec_a"]
    acknowledged = client.get(announced.get_absolute_url(), {"state": "acknowledged"}).content.decode()
    assert names(acknowledged) == ["sec_a"] and "已收到" in acknowledged
    pending = client.get(announced.get_absolute_url(), {"state": "unacknowledged"}).content.decode()
    assert "sec_a" not in names(pending) and len(names(pending)) == 6


def test_an_empty_filter_says_so_and_odd_parameters_are_no_error(world, login, announced):
    client = login(world.users.admin)
    for receipt in announced.receipts.all():
        announcements.mark_read(announced, receipt.user)
    page = client.get(announced.get_absolute_url(), {"state": "unread"}).content.decode()
    assert "没有未读的接收人。" in page and names(page) == []
    odd = client.get(announced.get_absolute_url(), {"state": "<script>", "page": "999"})
    assert odd.status_code == 200 and len(names(odd.content.decode())) == 7


def test_the_export_of_who_has_not_read(world, login, announced):
    client = login(world.users.admin)
    page = client.get(announced.get_absolute_url(), {"state": "unread"}).content.decode()
    url = reverse("notifications:announcement_export", args=[announced.pk]) + "?state=unread"
    assert f'href="{url}"' in page and "导出未读名单" in page
    response = client.get(url)
    assert response.streaming and "%E6%9C%AA%E8%AF%BB" in response["Content-Disposition"]  # …-回执情况-未读.xlsx
    rows = list(openpyxl.load_workbook(io.BytesIO(response.getvalue())).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == ["书记1", "书记2", "书记3", "书记4", "胡集镇干部"]
    assert {row[3] for row in rows[1:]} == {"未读"}
    everyone = openpyxl.load_workbook(io.BytesIO(client.get(
        reverse("notifications:announcement_export", args=[announced.pk])).getvalue())).active
    assert everyone.max_row == 8


def test_the_list_is_for_the_publishers_only(world, login, announced):
    for user in (world.users.admin_ls, world.users.town_b, world.users.contact):
        client = login(user)
        assert client.get(announced.get_absolute_url(), {"state": "unread", "page": 2}).status_code == 404
        assert client.get(reverse("notifications:announcement_export", args=[announced.pk]),
                          {"state": "unread"}).status_code == 404
    # A recipient sees the announcement, not who else received it.
    page = login(world.users.town_a).get(announced.get_absolute_url(), {"state": "unread"}).content.decode()
    assert "回执情况" not in page and "书记1" not in page
    assert "回执情况：共 7 人" in login(world.users.leader).get(announced.get_absolute_url()).content.decode()
