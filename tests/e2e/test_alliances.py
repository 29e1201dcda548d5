"""The alliance issue's "done when" in the browser: the county sets up a 分盟 with an expert group, a village's
need and the units' resources are entered, the match page ranks and explains the suggestions, one click sends a
co-build item to the experts, who accept it; completing it solves the need; another township cannot open it."""

import datetime

import pytest
from django.utils import timezone

from alliances.models import Alliance, CoBuild, Expert, Need

from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def log_out(page):
    page.click("button:has-text('退出')")


def messages_text(page):
    return page.locator(".messages").inner_text()


def add_resource(page, live_server, alliance, category, description, *, secretary=None, expert=None):
    page.goto(f"{live_server.url}/alliances/resources/new/")
    page.select_option("select[name=alliance]", str(alliance.pk))
    page.select_option("select[name=category]", category)
    page.fill("input[name=description]", description)
    page.fill("input[name=amount]", "5")
    page.fill("input[name=amount_unit]", "万元")
    if secretary:
        page.select_option("select[name=provider_secretary]", str(secretary.pk))
    if expert:
        page.select_option("select[name=provider_expert]", str(expert.pk))
    page.click("button:has-text('保存')")
    assert "资源已登记" in messages_text(page)


def test_a_need_is_matched_dispatched_accepted_and_solved(world, page, live_server, screenshots):
    today = timezone.localdate()

    # The county sets up 第一分盟 covering 胡集镇 with 张伟 as convener, an expert group and an expert.
    log_in(page, live_server, "admin_jx")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    page.goto(f"{live_server.url}/alliances/")
    page.click("text=设立联盟")
    page.select_option("select[name=kind]", "sub")
    page.fill("input[name=name]", "金乡县第一书记联盟第一分盟")
    page.select_option("select[name=convener]", str(world.sec_a.pk))
    page.check(f"input[name=townships][value='{world.town_a.pk}']")
    page.fill("input[name=founded]", "2024-03-01")
    page.click("button:has-text('保存')")
    assert "已保存" in messages_text(page)
    alliance = Alliance.objects.get(name="金乡县第一书记联盟第一分盟")
    assert alliance.convener == world.sec_a and list(alliance.townships.all()) == [world.town_a]
    page.click("text=添加专家组")
    page.fill("input[name=name]", "种植养殖技术服务")
    page.select_option("select[name=category]", "technical")
    page.click("button:has-text('保存')")
    assert "专家组已登记" in messages_text(page)
    page.click("a:text-is('添加专家')")
    page.select_option("select[name=group]", label="种植养殖技术服务")
    page.fill("input[name=name]", "孙教授")
    page.fill("input[name=field]", "设施蔬菜")
    page.fill("input[name=unit]", "县农业农村局")
    page.fill("input[name=phone]", "13905371234")
    page.click("button:has-text('保存')")
    assert "专家已登记" in messages_text(page)
    assert "孙教授 · 设施蔬菜" in page.locator("main").inner_text()
    page.screenshot(path=screenshots / "alliances-detail-setup.png", full_page=True)
    expert = Expert.objects.get(name="孙教授")

    # 群众下单: 王庄村 asks for help against melon pests.
    page.goto(f"{live_server.url}/alliances/needs/new/")
    page.select_option("select[name=alliance]", str(alliance.pk))
    page.select_option("select[name=category]", "technical")
    page.select_option("select[name=village]", str(world.village_a.pk))
    page.fill("input[name=description]", "大棚香瓜病虫害防治指导")
    page.fill("input[name=raised_by]", "村民王某")
    page.fill("input[name=raised_on]", f"{today:%Y-%m-%d}")
    page.select_option("select[name=urgency]", "urgent")
    page.click("button:has-text('保存')")
    assert "需求已登记" in messages_text(page)
    need = Need.objects.get()

    # Resources: 张伟's unit offers training in his own village, the expert offers field guidance on pests, and a
    # medical resource of another category has nothing in common with the need.
    add_resource(page, live_server, alliance, "technical", "农技培训", secretary=world.sec_a)
    add_resource(page, live_server, alliance, "technical", "病虫害现场指导", expert=expert)
    add_resource(page, live_server, alliance, "medical", "巡回义诊", secretary=world.sec_a)

    # The match page ranks the suggestions and says why.
    page.goto(f"{live_server.url}/alliances/needs/{need.pk}/")
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 2  # 巡回义诊 shares nothing with the need: not suggested
    assert "病虫害现场指导" in rows.nth(0).inner_text()
    assert "同属 技术服务；都提到 病虫害；同分盟；同县" in rows.nth(0).inner_text()
    assert "农技培训" in rows.nth(1).inner_text()
    assert "同属 技术服务；同分盟；同村" in rows.nth(1).inner_text()
    assert page.locator(".flow .on").all_inner_texts() == ["群众下单"]
    page.screenshot(path=screenshots / "alliances-match.png", full_page=True)

    # 联盟派单: one click sends a co-build item with the expert's resource to the expert group.
    page.get_by_label("选用 病虫害现场指导").check()
    page.fill("input[name=responsible]", "孙教授")
    page.select_option("select[name=expert_group]", label="种植养殖技术服务")
    page.click("button:has-text('派单，生成共建项目')")
    assert "已派单" in messages_text(page)
    item = CoBuild.objects.get()
    assert [r.description for r in item.resources.all()] == ["病虫害现场指导"]
    assert item.deadline == today + datetime.timedelta(days=30)
    assert "待接单" in page.locator("main").inner_text()
    assert page.locator(".flow .on").all_inner_texts() == ["群众下单", "联盟派单"]

    # 专家接单, then the item is completed and the need closes.
    page.goto(f"{live_server.url}/alliances/cobuilds/")
    page.click("button:has-text('专家接单')")
    assert "种植养殖技术服务已接单" in messages_text(page)
    assert "推进中" in page.locator("table.list").inner_text()
    page.fill("input[name=outcome]", "指导防治 3 次，挽回损失约 2 万元")
    page.click("button:has-text('办结')")
    assert "共建项目已办结" in messages_text(page)
    assert "已完成" in page.locator("table.list").inner_text()
    page.screenshot(path=screenshots / "alliances-cobuilds.png", full_page=True)
    page.goto(f"{live_server.url}/alliances/needs/{need.pk}/")
    assert page.locator(".flow .on").all_inner_texts() == ["群众下单", "联盟派单", "专家接单", "已解决"]
    assert "挽回损失约 2 万元" in page.locator("main").inner_text()
    assert page.locator("text=推荐资源").count() == 0
    need.refresh_from_db()
    assert need.status == Need.Status.SOLVED and need.solved_on == today
    page.screenshot(path=screenshots / "alliances-need-solved.png", full_page=True)

    # The alliance page shows the figures.
    page.goto(f"{live_server.url}/alliances/{alliance.pk}/")
    figures = page.locator(".figures").inner_text()
    assert "汇总优势资源3项" in figures.replace("\n", "") and "开展共建项目1次" in figures.replace("\n", "")
    assert "解决群众问题1个" in figures.replace("\n", "")
    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen
    log_out(page)

    # 鸡黍镇's official cannot open 胡集镇's need or its 分盟.
    log_in(page, live_server, "town_b")
    page.wait_for_url(f"{live_server.url}/dashboard/")
    assert page.goto(f"{live_server.url}/alliances/needs/{need.pk}/").status == 404
    assert page.goto(f"{live_server.url}/alliances/{alliance.pk}/").status == 404
    page.goto(f"{live_server.url}/alliances/needs/")
    assert "大棚香瓜" not in page.locator("main").inner_text()
    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen
