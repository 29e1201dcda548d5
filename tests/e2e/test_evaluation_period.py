"""The issue's "done when": a whole period run in the browser, from opening to the published ranking."""

import pytest

from evaluations.models import Participant, Period, SurveyCode

from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def fill_row(page, person, values):
    for position, value in enumerate(values, start=1):
        page.fill(f"input[name=s{person.pk}_{position}]", str(value))


def log_out(page):
    page.click("button:has-text('退出')")


def test_a_county_runs_a_whole_period(world, scheme, extra_secretaries, page, live_server, screenshots):
    page.on("dialog", lambda dialog: dialog.accept())
    log_in(page, live_server, "admin_jx")
    page.click("nav >> text=考评")
    page.click("text=新建考评周期")
    page.select_option("select[name=scheme]", str(scheme.pk))
    page.select_option("select[name=kind]", "quarter")
    page.fill("input[name=year]", "2024")
    page.select_option("select[name=number]", label="第一季度")
    page.click("button:has-text('新建')")
    page.click("button:has-text('开启评分')")
    assert "评分中" in page.locator("h1").inner_text()
    period = Period.objects.get()
    people = {p.secretary.name: p for p in Participant.objects.filter(period=period).select_related("secretary")}

    # 组织考评 for 胡集镇: 张伟 best, the other five a little lower.
    page.click("table.list tr:has-text('胡集镇') a:has-text('组织考评')")
    fill_row(page, people["张伟"], [95, 94, 96, 95, 95])
    for name in ("刘洋", "陈静", "杨帆", "黄磊", "周敏"):
        fill_row(page, people[name], [80, 80, 80, 80, 80])
    page.click("button:has-text('保存分数')")
    assert "已保存：6 人的分数有变化" in page.locator(".messages").inner_text()
    page.screenshot(path=screenshots / "evaluation-org-grid.png", full_page=True)

    # An observation meeting for 胡集镇 (six secretaries).
    page.goto(f"{live_server.url}{period.get_absolute_url()}")
    page.click("text=新建观摩互评会")
    page.fill("input[name=name]", "胡集镇第一季度观摩互评会")
    page.fill("input[name=date]", "2024-03-20")
    page.select_option("select[name=township]", str(world.town_a.pk))
    page.click("button:has-text('建立')")
    meeting_url = page.url

    # Survey codes: two per person, printed; one answered below without logging in.
    page.goto(f"{live_server.url}{period.get_absolute_url()}")
    page.click("text=生成和打印测评码")
    page.fill("input[name=per_person]", "2")
    page.click("button:has-text('生成并打印')")
    page.locator("svg.qr").nth(13).wait_for()  # 7 people × 2 codes, each card with its QR code
    page.screenshot(path=screenshots / "evaluation-survey-codes.png", full_page=True)
    log_out(page)

    # The 胡集镇 official enters 镇街点评 and does not see 鸡黍镇's secretary.
    log_in(page, live_server, "town_a")
    page.goto(f"{live_server.url}{period.get_absolute_url()}")
    page.click("table.list a:has-text('镇街点评')")
    assert "李娜" not in page.locator("main").inner_text()
    fill_row(page, people["张伟"], [90, 90, 90, 90, 90])
    page.click("button:has-text('保存分数')")
    assert "已保存" in page.locator(".messages").inner_text()
    log_out(page)

    # 张伟 scores the other five at the meeting.
    log_in(page, live_server, "sec_a")
    page.goto(meeting_url)
    page.click("table.list tr:has-text('张伟') >> text=评分")
    assert page.locator(f"input[name=s{people['张伟'].pk}_1]").count() == 0  # never himself
    for name in ("刘洋", "陈静", "杨帆", "黄磊", "周敏"):
        fill_row(page, people[name], [85, 85, 85, 85, 85])
    page.click("button:has-text('保存分数')")
    assert "已保存：5 人" in page.locator(".messages").inner_text()
    log_out(page)

    # A villager answers for 张伟 with a code from the slips.
    code = SurveyCode.objects.filter(participant=people["张伟"]).first()
    page.goto(f"{live_server.url}/survey/#{code.code}")  # what the QR code on the slip opens
    page.click("button:has-text('开始测评')")
    assert "张伟" in page.locator("main").inner_text()
    for position in range(1, 6):
        page.check(f"input[name=d{position}][value=satisfied]")
    page.click("button:has-text('提交评价')")
    assert "感谢" in page.locator("main").inner_text()

    # The county locks and publishes; the ranking is right.
    log_in(page, live_server, "admin_jx")
    page.goto(f"{live_server.url}{period.get_absolute_url()}")
    page.click("a:has-text('锁定并计算')")
    # Locking shows the gaps: each needs a choice (李娜 has no score at all: only 补录 or 免评 will do).
    page.click("button:has-text('按以上选择锁定并计算')")
    assert "还有缺项未作选择" in page.locator(".messages").inner_text()
    page.select_option(f"select[name=township-{world.town_a.pk}]", "accept")
    page.select_option(f"select[name=gap-{people['李娜'].pk}]", "excuse")
    page.fill(f"input[name=reason-{people['李娜'].pk}]", "本季度借调市里工作")
    page.click("button:has-text('按以上选择锁定并计算')")
    assert "已锁定" in page.locator("h1").inner_text()
    # The rules nominated the 三争 and 季度之星; the county confirms them before publishing.
    assert "季度之星" in page.locator("main").inner_text()
    page.click("button:has-text('确认荣誉名单')")
    assert "已确认三争荣誉" in page.locator(".messages").inner_text()
    page.click("button:has-text('发布结果')")
    assert "已发布" in page.locator("h1").inner_text()
    page.click("text=考评排名")
    first = page.locator("#ranking tbody tr").nth(0).inner_text()
    # 张伟: org 95, township 90, survey 100, no peer score → (0.4×95 + 0.3×90 + 0.15×100) / 0.85 = 94.12
    assert "张伟" in first and "94.12" in first and "渠道缺失" in first
    assert "季度之星" in first  # top 10 % of 6 ranked rounds to the one flag
    assert page.locator("#ranking tbody tr").nth(0).locator("svg.icon-flag").count() == 1
    second = page.locator("#ranking tbody tr").nth(1).inner_text()
    # The other five: org 80 and peer 85 from one rater → (0.4×80 + 0.15×85) / 0.55 = 81.36, tied at rank 2.
    assert "81.36" in second and page.locator("#ranking tbody tr").nth(1).locator("td").nth(2).inner_text() == "2"
    assert page.locator("#ranking tbody tr:has-text('81.36')").count() == 5
    page.screenshot(path=screenshots / "evaluation-ranking.png", full_page=True)
    page.click("#ranking >> text=张伟")
    assert page.locator("svg.radar").count() == 1
    page.screenshot(path=screenshots / "evaluation-result.png", full_page=True)
    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen
