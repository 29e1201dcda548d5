"""The issue's "done when" for tasks and projects, in the browser: a county common list issued to chosen
secretaries, worked and closed by a secretary, confirmed by the township; reminders list what is due; the project
list shows which projects are late and the funds summary where the money went; the dashboard has the figures."""

import datetime

import pytest
from django.utils import timezone

from tasks.models import CommonTask, TaskItem
from tests.projects.conftest import make_project
from tests.tasks.conftest import make_task

from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_out(page):
    page.click("button:has-text('退出')")


def messages_text(page):
    return page.locator(".messages").inner_text()


def test_a_common_list_is_issued_worked_confirmed_and_the_projects_show_where_the_money_went(
        world, page, live_server, screenshots):
    today = timezone.localdate()
    deadline = today + datetime.timedelta(days=60)
    # An own item of 张伟 whose 80 % point has passed (40 of 45 days used) and one long overdue.
    make_task(world.sec_a, title="村集体增收项目谋划", created_on=today - datetime.timedelta(days=40),
                    deadline=today + datetime.timedelta(days=5))
    make_task(world.sec_a, title="党员活动室改造", created_on=today - datetime.timedelta(days=60),
              deadline=today - datetime.timedelta(days=3), status=TaskItem.Status.IN_PROGRESS, progress=30)

    # The county writes a common list of two items and issues it to 胡集镇's secretaries only.
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.click("nav >> text=任务")
    page.click(".subnav >> text=县统一任务清单")
    page.click("text=新建清单")
    page.fill("input[name=year]", str(today.year))
    page.fill("input[name=title]", "梳理重点工作任务")
    page.fill("textarea[name=note]", "各第一书记按时限推进，办结后申请销号。")
    page.click("button:has-text('保存')")
    assert "清单已建立" in messages_text(page)
    for dimension, title in (("party", "规范村党组织“三会一课”"), ("development", "发展壮大村集体经济")):
        page.select_option("select[name=dimension]", dimension)
        page.fill("input[name=title]", title)
        page.fill("input[name=deadline]", f"{deadline:%Y-%m-%d}")
        page.click("button:has-text('添加')")
        assert "已添加第" in messages_text(page)
    page.check(f"input[name=townships][value='{world.town_a.pk}']")
    page.click("button:has-text('下发清单')")
    assert "已下发给 1 名第一书记，新增任务 2 条" in messages_text(page)
    page.screenshot(path=screenshots / "tasks-common-list.png", full_page=True)
    common = CommonTask.objects.get()
    assert TaskItem.objects.filter(common_item__common=common, secretary=world.sec_a).count() == 2
    assert not TaskItem.objects.filter(common_item__common=common).exclude(secretary=world.sec_a).exists()
    log_out(page)

    # 张伟 sees his board with the reminder, works a common item and closes it with an evidence note.
    log_in(page, live_server, "sec_a")
    page.goto(f"{live_server.url}/tasks/")
    assert "张伟" in page.locator("h1").inner_text()
    assert "村集体增收项目谋划" in page.locator("main").inner_text()
    assert page.locator("main h2:has-text('催办提醒')").count() == 1
    page.screenshot(path=screenshots / "tasks-secretary-board.png", full_page=True)
    page.click(".board >> text=发展壮大村集体经济")
    page.fill("input[name=progress]", "60")
    page.fill("form[action$='/progress/'] textarea[name=evidence]", "村合作社已注册，正在选址建设冷库。")
    page.click("button:has-text('保存进度')")
    assert "进度已更新" in messages_text(page)
    page.fill("form[action$='/close/'] textarea[name=evidence]", "冷库建成投用，村集体年增收8万元，验收单已上传。")
    page.click("button:has-text('申请办结')")
    assert "已申请办结" in messages_text(page)
    assert "待确认" in page.locator("h1").inner_text()
    closed = TaskItem.objects.get(title="发展壮大村集体经济")
    assert closed.status == TaskItem.Status.PENDING and closed.progress == 100
    page.click(".subnav >> text=待办提醒")
    assert "村集体增收项目谋划" in page.locator("main").inner_text()
    log_out(page)

    # The 胡集镇 official sees what is due and what awaits confirmation, and confirms the close-out.
    log_in(page, live_server, "town_a")
    page.goto(f"{live_server.url}/tasks/reminders/")
    body = page.locator("main").inner_text()
    assert "村集体增收项目谋划" in body and "党员活动室改造" in body  # the due item and the overdue one
    assert "待确认办结（1）" in body
    page.screenshot(path=screenshots / "tasks-reminders-township.png", full_page=True)
    page.click(f"a[href='{closed.get_absolute_url()}']")
    page.click("button:has-text('确认办结')")
    assert "已确认办结" in messages_text(page)
    assert "已办结" in page.locator("h1").inner_text()
    closed.refresh_from_db()
    assert closed.status == TaskItem.Status.DONE and closed.confirmed_by == world.users.town_a
    log_out(page)

    # Projects: one on schedule, one 10 days late, one joint (飞地抱团) project 45 days late.
    make_project(world, name="王庄村光伏电站", today=today, done=2, late=0, funds={"county": (80, 80)}, total=100)
    make_project(world, name="李楼村道路硬化", villages=[world.village_a2], today=today, done=1, late=10,
                 kind="infrastructure", funds={"province": (50, 20), "county": (30, 10)}, total=90)
    make_project(world, name="飞地抱团冷链仓储", villages=[world.village_a, world.village_b], shares=[60, 40],
                 secretary=world.sec_b, today=today, done=2, late=45, funds={"city": (200, 100), "unit": (20, 20)},
                 total=250)
    # Planned 380 万元, disbursed 230 万元 in all: the joint project's money counted once.

    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.click("nav >> text=项目")
    page.wait_for_url(f"{live_server.url}/projects/")
    rows = page.locator("table.list tbody tr")
    rows.first.wait_for()
    assert rows.count() == 3
    assert "飞地抱团冷链仓储" in rows.nth(0).inner_text() and rows.nth(0).locator(".colour-red").count() == 1
    assert "45" in rows.nth(0).inner_text()
    assert "李楼村道路硬化" in rows.nth(1).inner_text() and rows.nth(1).locator(".colour-yellow").count() == 1
    assert "王庄村光伏电站" in rows.nth(2).inner_text() and rows.nth(2).locator(".colour-blue").count() == 1
    red = page.locator(".colour-red").first
    assert red.evaluate("e => getComputedStyle(e).backgroundColor") != red.evaluate(
        "e => getComputedStyle(document.body).backgroundColor")
    page.screenshot(path=screenshots / "projects-list.png", full_page=True)

    page.click("text=资金汇总")
    page.wait_for_url(f"{live_server.url}/projects/funds/")
    sources = page.locator("table.list").nth(0)
    assert "380.00" in sources.locator("tfoot").inner_text() and "230.00" in sources.locator("tfoot").inner_text()
    areas = page.locator("table.list").nth(1).inner_text()
    # 胡集镇: 80 + 80 + 60 % of 220 = 292 planned; 鸡黍镇: 40 % of 220 = 88.
    assert "胡集镇" in areas and "292.00" in areas and "鸡黍镇" in areas and "88.00" in areas
    page.screenshot(path=screenshots / "projects-funds-summary.png", full_page=True)

    # The county dashboard tells the figures in the articles' style.
    page.click("nav >> text=总览")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    lead = page.locator("p.lead").inner_text()
    assert "任务清单 4 条" in lead and "已办结销号 1 条" in lead
    assert "帮扶项目 3 个" in lead and "计划帮扶资金 380 万元" in lead and "已拨付 230 万元" in lead
    assert page.locator(".card:has-text('红色项目') .figure").inner_text() == "1"
    assert page.locator(".card:has-text('黄色项目') .figure").inner_text() == "1"
    assert page.locator(".card:has-text('逾期任务') .figure").inner_text() == "1"
    assert page.locator(".card:has-text('待催办') .figure").inner_text() == "2"  # the due one and the overdue one
    page.screenshot(path=screenshots / "dashboard-tasks-projects.png", full_page=True)
    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen
