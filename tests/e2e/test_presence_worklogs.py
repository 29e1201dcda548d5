"""The issue's "done when" for presence and the three records, in the browser: the township office draws this
week's sample and records 张伟 不在岗 for the third time running, the draft notice that follows is issued by the
county, and 张伟's calendar, his archive and the dashboard show it; 张伟 writes a day's 民情日记, registers a
义诊 from it without typing the day again, and sees both in his weekly summary and in the county's 为民服务."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from presence import services as presence_services
from presence.models import Method, Notice, Result, SpotCheck
from worklogs.models import ServiceRecord, WorkLog

from .test_tasks_projects import log_out, messages_text
from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NOTICE_TITLE = "关于张伟同志连续3次抽查不在岗的通报"


def earlier_absence(world, day):
    """A round for 胡集镇 on `day` (张伟 is its only first secretary) with 张伟 found 不在岗."""
    round_ = presence_services.round_draw(user=world.users.admin, region=world.town_a, rate=Decimal("1"),
                                          today=day)
    check = round_.checks.get()
    presence_services.check_record(user=world.users.admin, check=check, result=Result.ABSENT,
                                   method=Method.VIDEO, inspector="下派办 刘军", note="视频连线未接通",
                                   now=timezone.make_aware(datetime.datetime.combine(day, datetime.time(10))))


def card(page, label):
    return page.locator(f".card:has-text('{label}') .figure").inner_text()


def test_a_third_absence_is_noticed_and_a_days_log_rolls_up(world, page, live_server, screenshots, settings,
                                                            tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRESENCE_RECHECK_DAYS = 3  # the re-checks of the two earlier absences fall before today
    today = timezone.localdate()
    for days_ago in (14, 7):  # two earlier draws on other days, each finding 张伟 away
        earlier_absence(world, today - datetime.timedelta(days=days_ago))
    assert not Notice.objects.exists()  # two absences are not yet a notice

    # 胡集镇's office draws this week's sample on the board and records the result in the grid.
    log_in(page, live_server, "town_a")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.click("nav >> text=在岗督查")
    page.wait_for_url(f"{live_server.url}{reverse('presence:board')}")
    assert page.locator("select[name=region] option").all_inner_texts() == ["胡集镇"]
    page.fill("input[name=rate]", "0.2")
    page.click("button:has-text('抽取本次名单')")
    assert "已抽取 1 名第一书记" in messages_text(page)
    check = SpotCheck.objects.get(date=today)
    assert check.secretary == world.sec_a and check.result == Result.PENDING
    row = page.locator("table.presence-grid tbody tr")
    assert row.count() == 1 and "张伟" in row.inner_text()
    page.select_option(f"select[name=c{check.pk}_result]", Result.ABSENT)
    page.select_option(f"select[name=c{check.pk}_method]", Method.UNANNOUNCED)
    page.fill(f"input[name=c{check.pk}_inspector]", "胡集镇 王强")
    page.fill(f"input[name=c{check.pk}_note]", "到村未见本人，村干部称已三天未到村")
    page.screenshot(path=screenshots / "presence-board-grid.png", full_page=True)
    page.click("button:has-text('保存结果')")
    assert "已保存 1 条抽查结果" in messages_text(page)
    check.refresh_from_db()
    assert check.result == Result.ABSENT and check.method == Method.UNANNOUNCED
    assert check.recorded_by == world.users.town_a

    # The third consecutive absence put 张伟 on one draft notice, shown on the board.
    notice = Notice.objects.get()
    assert notice.status == Notice.Status.DRAFT and notice.secretary == world.sec_a
    assert notice.checks.count() == 3 and notice.title == NOTICE_TITLE
    assert "县财政局分管领导" in notice.body
    assert page.locator(f".presence-drafts a:has-text('{NOTICE_TITLE}')").count() == 1
    page.screenshot(path=screenshots / "presence-board-draft.png", full_page=True)
    log_out(page)

    # The county admin sees the draft on the dashboard and issues it.
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert card(page, "待发通报") == "1"
    page.click("nav >> text=在岗督查")
    page.click(f".presence-drafts >> text={NOTICE_TITLE}")
    page.wait_for_url(f"{live_server.url}{notice.get_absolute_url()}")
    assert "草稿" in page.locator("h1").inner_text()
    page.click("button:has-text('发布通报')")
    assert "通报已发布" in messages_text(page)
    assert "已发布" in page.locator("h1").inner_text()
    page.screenshot(path=screenshots / "presence-notice-issued.png", full_page=True)
    notice.refresh_from_db()
    assert notice.is_issued and notice.issued_by == world.users.admin

    page.click("nav >> text=总览")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert card(page, "待发通报") == "0"
    assert card(page, "本月抽查在岗率") == "0.0%"  # every recorded check was an absence of 张伟
    page.goto(f"{live_server.url}{reverse('reports:archive', args=[world.sec_a.pk])}")
    assert NOTICE_TITLE in page.locator("main").inner_text()
    log_out(page)

    # 张伟 finds the notice on his own presence calendar.
    log_in(page, live_server, "sec_a")
    page.wait_for_url(lambda url: "/login/" not in url)
    page.click("nav >> text=在岗督查")
    page.wait_for_url(f"{live_server.url}{reverse('presence:calendar', args=[world.sec_a.pk])}")
    assert f"已通报：{NOTICE_TITLE}" in page.locator("main").inner_text()
    assert page.locator(".presence-calendar .result-absent").count() >= 1
    page.screenshot(path=screenshots / "presence-secretary-calendar.png", full_page=True)

    # He writes today's 民情日记 ...
    page.click("nav >> text=民情日记")
    page.wait_for_url(f"{live_server.url}{reverse('worklogs:log_list')}")
    page.click("text=写民情日记")
    assert page.input_value("input[name=date]") == f"{today:%Y-%m-%d}"
    page.fill("textarea[name=text]", "走访脱贫户12户，收集饮水、道路问题3个，协调解决2个；组织县医院专家义诊。")
    page.fill("input[name=households_visited]", "12")
    page.fill("input[name=problems_raised]", "3")
    page.fill("input[name=problems_solved]", "2")
    page.check("input[name=tags][value=visit]")
    page.check("input[name=tags][value=service]")
    page.click("button:has-text('保存')")
    assert "民情日记已保存" in messages_text(page)
    log = WorkLog.objects.get()
    assert (log.secretary, log.village, log.date, log.households_visited) == (world.sec_a, world.village_a, today, 12)

    # ... and registers the 义诊 from it: the day, the village and the link come from the log.
    page.click("text=由此登记办实事")
    assert page.input_value("input[name=date]") == f"{today:%Y-%m-%d}"
    assert page.input_value("select[name=village]") == str(world.village_a.pk)
    assert page.input_value("select[name=work_log]") == str(log.pk)
    page.select_option("select[name=kind]", "clinic")
    page.fill("input[name=title]", "县医院专家进村义诊")
    page.fill("input[name=people_served]", "45")
    page.click("button:has-text('保存')")
    assert "办实事记录已保存" in messages_text(page)
    record = ServiceRecord.objects.get()
    assert (record.work_log, record.date, record.village) == (log, today, world.village_a)

    # The week rolls up from what he entered once.
    page.click(".wl-tabs >> text=周总结")
    sentence = page.locator(".wl-sentence").inner_text()
    assert "本周记民情日记1天，走访农户12户，收集问题3个、解决2个。" in sentence
    assert "本周开展义诊活动1场。" in sentence
    assert "县医院专家进村义诊" in page.locator("main").inner_text()
    page.fill("textarea[name=text]", "群众最盼的是饮水安全，下周协调水务部门现场查看。")
    page.click("button:has-text('保存体会')")
    assert "体会与打算已保存" in messages_text(page)
    page.screenshot(path=screenshots / "worklogs-weekly-summary.png", full_page=True)
    log_out(page)

    # The county's 为民服务 page and the dashboard tell it in the articles' words.
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert "累计开展义诊活动1场。" in page.locator("p.lead").inner_text()
    page.click("nav >> text=民情日记")
    page.click(".wl-tabs >> text=为民服务")
    page.wait_for_url(f"{live_server.url}{reverse('worklogs:service_overview')}")
    assert page.locator(".wl-sentence").inner_text() == "累计开展义诊活动1场。"
    assert "胡集镇" in page.locator("main table").first.inner_text()
    page.screenshot(path=screenshots / "worklogs-service-overview.png", full_page=True)

    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen
