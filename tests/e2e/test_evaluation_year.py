"""The issue's "done when": after a year's periods, a county admin confirms the honours (changing one with a reason),
publishes, settles 张伟's appeal, prints his 个人实绩档案 and exports the yearly report, whose figures trace back to
the scores."""

import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import Appeal, Channel, Grade, Honour, Participant, Period, Score

from ..evaluations.conftest import five, open_period
from .test_evaluation_period import log_out
from .test_township_official import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# 组织考评 only, the same in every dimension: the composite is that score. 张伟 leads the first two quarters
# (two red flags → one star), 李娜 the last two and the year.
QUARTERS = [
    {"张伟": 90, "李娜": 85},
    {"张伟": 91, "李娜": 86},
    {"张伟": 80, "李娜": 92},
    {"张伟": 80, "李娜": 93},
]
YEAR = {"李娜": 88, "张伟": 86, "刘洋": 84, "陈静": 80, "杨帆": 72, "黄磊": 65, "周敏": 55}
OTHERS = 70  # the five extra 胡集镇 secretaries in the quarters


def people(period):
    return {p.secretary.name: p for p in period.participants.select_related("secretary")}


def scored(world, period, scores):
    crowd = people(period)
    rows = {person: five(scores.get(name, OTHERS)) for name, person in crowd.items()}
    services.save_grid(period, Channel.ORG, rows, user=world.users.admin)
    services.lock_accepting_every_gap(period, user=world.users.admin)
    return crowd


def build_year(world, scheme):
    """Four published quarters, and the year period locked with its nominations waiting for the county."""
    for number, scores in enumerate(QUARTERS, start=1):
        quarter = open_period(world, scheme, number=number)
        scored(world, quarter, scores)
        services.honours_confirm(quarter, user=world.users.admin)
        services.period_publish(quarter, user=world.users.admin)
    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    return year, scored(world, year, YEAR)


def test_a_county_settles_a_year(world, scheme, extra_secretaries, page, live_server, screenshots):
    page.on("dialog", lambda dialog: dialog.accept())
    year, crowd = build_year(world, scheme)
    assert year.end_date.year == 2024  # the whole year lies in the past

    # The county confirms the rule's nominations, giving one 工作作风 honour to 陈静 instead of 刘洋.
    log_in(page, live_server, "admin_jx")
    page.goto(f"{live_server.url}{year.get_absolute_url()}")
    conduct = Honour.objects.get(period=year, kind=Honour.Kind.CONDUCT, participant=crowd["刘洋"])
    change = page.locator(f"form[action$='/honours/{conduct.pk}/change/']")
    change.locator("select[name=participant]").select_option(str(crowd["陈静"].pk))
    change.locator("input[name=reason]").fill("刘洋同志年内受到通报批评，改由陈静同志获得")
    change.locator("button").click()
    assert "已将“工作作风争先进”调整为陈静" in page.locator(".messages").inner_text()
    honours = page.locator("main").inner_text()
    assert "调整：刘洋同志年内受到通报批评" in honours
    page.click("button:has-text('确认荣誉名单')")
    assert "已确认" in page.locator(".messages").inner_text()
    page.screenshot(path=screenshots / "year-honours-confirmed.png", full_page=True)
    page.click("button:has-text('发布结果')")
    assert "已发布" in page.locator("h1").inner_text()
    page.click("text=考评排名")
    first = page.locator("#ranking tbody tr").nth(0).inner_text()
    assert "李娜" in first and "88.00" in first and "优秀" in first
    log_out(page)

    # 张伟 (second, 称职) appeals from his result page.
    log_in(page, live_server, "sec_a")
    page.goto(f"{live_server.url}{crowd['张伟'].get_absolute_url()}")
    page.click("text=对结果有异议？申诉")
    page.fill("textarea[name=reason]", "组织考评党建一项漏记了年内新发展的三名党员和两名入党积极分子，请核实。")
    page.click("button:has-text('提交申诉')")
    assert "申诉已提交" in page.locator(".messages").inner_text()
    page.screenshot(path=screenshots / "year-appeal-filed.png", full_page=True)
    log_out(page)

    # The county accepts it: 党建 86 → 98, so 张伟's composite is 88.40 and he passes 李娜.
    log_in(page, live_server, "admin_jx")
    page.goto(f"{live_server.url}/evaluations/appeals/")
    page.click("table.list tr:has-text('张伟') a")
    page.fill("input[name=org_1]", "98")
    page.fill("textarea[name=note]", "经核实，党建一项应加计新发展党员，改为 98 分")
    page.click("button:has-text('采纳并重新计算')")
    assert "已采纳申诉并重新计算" in page.locator(".messages").inner_text()
    page.screenshot(path=screenshots / "year-appeal-accepted.png", full_page=True)
    appeal = Appeal.objects.get()
    assert appeal.status == Appeal.Status.ACCEPTED
    zhang = Participant.objects.get(pk=crowd["张伟"].pk)
    assert (zhang.rank_county, zhang.composite.quantize(Decimal("0.01")), zhang.grade) == (1, Decimal("88.40"),
                                                                                           Grade.EXCELLENT)
    page.goto(f"{live_server.url}{year.get_absolute_url()}")
    page.click("text=考评排名")
    rows = page.locator("#ranking tbody tr")
    assert "张伟" in rows.nth(0).inner_text() and "88.40" in rows.nth(0).inner_text()
    assert "李娜" in rows.nth(1).inner_text() and "称职" in rows.nth(1).inner_text()
    # The honours stay as confirmed: 陈静 keeps the changed one.
    assert Honour.objects.filter(period=year, kind=Honour.Kind.CONDUCT, participant=crowd["陈静"],
                                 by_rule=False).exists()
    page.screenshot(path=screenshots / "year-ranking-after-appeal.png", full_page=True)

    # 张伟's 个人实绩档案: every period, the appeal and its score change; printed on A4.
    page.goto(f"{live_server.url}{zhang.get_absolute_url()}")
    page.click("text=个人实绩档案")
    page.wait_for_url(f"{live_server.url}/archive/{world.sec_a.pk}/")
    archive = page.locator("main").inner_text()
    assert "个人实绩档案" in archive and "88.40" in archive and "86.00 → 98.00" in archive
    assert world.sec_a.id_number not in page.content()
    page.emulate_media(media="print")
    assert page.locator(".sign-line").is_visible()
    assert not page.locator("button[data-print]").is_visible()
    css = page.evaluate("""() => [...document.styleSheets].flatMap(sheet => {
        try { return [...sheet.cssRules].map(rule => rule.cssText); } catch (e) { return []; } }).join("\\n")""")
    assert "table-header-group" in css and "counter(page)" in css
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.screenshot(path=screenshots / "year-archive-print.png", full_page=True)
    page.emulate_media(media="screen")

    # The yearly report: on the page, and the workbook from its button.
    page.goto(f"{live_server.url}/report/?year=2024")
    report = page.locator("main").inner_text()
    assert "2024年度第一书记考评报告" in report and "88.40" in report
    page.screenshot(path=screenshots / "year-report.png", full_page=True)
    with page.expect_download() as download:
        page.click("button:has-text('导出 Excel')")
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()), read_only=True)
    ranking = list(workbook["排名"].iter_rows(values_only=True))
    header, top = ranking[0], dict(zip(ranking[0], ranking[1], strict=True))
    assert header[:5] == ("姓名", "派出单位", "镇街", "村", "派驻层级")
    # 张伟's figures trace to his year scores: 组织考评 = the mean of 98, 86, 86, 86, 86 = 综合得分.
    year_scores = Score.objects.filter(period=year, participant=zhang).values_list("value", flat=True)
    assert sorted(year_scores) == [86, 86, 86, 86, 98]
    assert top["姓名"] == "张伟" and top["县排名"] == 1 and top["等次"] == "优秀"
    assert Decimal(str(top["组织考评"])) == Decimal(str(top["综合得分"])) == sum(year_scores) / 5
    assert Decimal(str(top["党建"])) == 98
    assert top["红旗（面）"] == 3 and top["星级"] == 1  # Q1, Q2 and the year; two quarterly flags make a star
    details = [row for row in workbook["明细"].iter_rows(values_only=True)
               if row[1] == "张伟" and row[6] == "党建" and row[0] == year.label]
    assert [Decimal(str(row[7])) for row in details] == [98]
    summary = {row[0]: row for row in workbook["汇总"].iter_rows(values_only=True) if row}
    assert summary["合计"][1] == 7
    assert all(url.startswith(live_server.url) for url in page.requests_seen), page.requests_seen
