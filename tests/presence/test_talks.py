"""约谈: the talk a notice calls for is recorded, and that closes the notice."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from presence import services
from presence.models import Notice, Result

from .conftest import record

TODAY = timezone.localdate()


@pytest.fixture
def issued(world):
    for back in (12, 8, 4):
        record(world.users.admin, world.asg_a, TODAY - datetime.timedelta(days=back), Result.ABSENT)
    return services.notice_issue(user=world.users.admin, notice=Notice.objects.get(secretary=world.sec_a))


def form(**changes):
    return {"talk_on": TODAY.isoformat(), "talk_by": "县委组织部副部长 王强",
            "talk_with": "县财政局分管领导 李明、第一书记张伟",
            "talk_outcome": "已当面约谈，本人作出书面检讨，承诺吃住在村。",
            **changes}


def test_the_county_records_the_talk_and_the_notice_is_closed(world, issued, login):
    client = login(world.users.admin)
    page = client.get(reverse("presence:notice_talk", args=[issued.pk])).content.decode()
    assert "县财政局分管领导" in page and "第一书记张伟" in page  # prefilled with whom the notice names
    response = client.post(reverse("presence:notice_talk", args=[issued.pk]), form())
    assert response.status_code == 302
    issued.refresh_from_db()
    assert issued.status == Notice.Status.CLOSED and issued.talk_on == TODAY and issued.closed_by == world.users.admin
    assert "书面检讨" in issued.talk_outcome
    row = AuditLog.objects.filter(object_id=str(issued.pk), content_type__model="notice").latest("pk")
    assert row.changes["约谈人"] == "县委组织部副部长 王强"
    detail = client.get(reverse("presence:notice_detail", args=[issued.pk])).content.decode()
    assert "已约谈销号" in detail and "书面检讨" in detail
    # A closed notice still counts as issued: the secretary's record and the evaluation keep it.
    assert issued.is_issued


def test_a_talk_in_the_future_or_without_an_outcome_is_refused(world, issued, login):
    client = login(world.users.admin)
    tomorrow = (TODAY + datetime.timedelta(days=1)).isoformat()
    page = client.post(reverse("presence:notice_talk", args=[issued.pk]), form(talk_on=tomorrow)).content.decode()
    assert "不能晚于今天" in page
    page = client.post(reverse("presence:notice_talk", args=[issued.pk]), form(talk_outcome="")).content.decode()
    assert "必填" in page or "请填写" in page
    issued.refresh_from_db()
    assert issued.status == Notice.Status.ISSUED


def test_a_draft_cannot_be_closed_and_a_closed_notice_not_twice(world, issued):
    args = {"talk_on": TODAY, "talk_by": "王强", "talk_with": "张伟", "talk_outcome": "已约谈"}
    services.notice_close(user=world.users.admin, notice=issued, **args)
    with pytest.raises(ValidationError, match="已登记约谈"):
        services.notice_close(user=world.users.admin, notice=issued, **args)
    Notice.objects.filter(pk=issued.pk).update(status=Notice.Status.DRAFT)
    with pytest.raises(ValidationError, match="尚未发布"):
        services.notice_close(user=world.users.admin, notice=issued, **args)


def test_only_county_staff_record_talks(world, issued, login, client):
    url = reverse("presence:notice_talk", args=[issued.pk])
    assert client.get(url).status_code == 302 and "login" in client.get(url)["Location"]
    assert login(world.users.town_a).post(url, form()).status_code == 403
    assert login(world.users.admin_ls).get(url).status_code == 404
    assert login(world.users.secretary).get(url).status_code == 403
    assert login(world.users.admin).put(url).status_code == 405


def test_the_notice_export_carries_the_talk(world, issued, login):
    services.notice_close(user=world.users.admin, notice=issued, talk_on=TODAY, talk_by="王强", talk_with="张伟",
                          talk_outcome="已约谈")
    from presence.exports import notice_rows
    [row] = list(notice_rows(Notice.objects.all()))
    assert row[4] == "已约谈销号" and row[-1] == "已约谈" and row[-4] == TODAY
