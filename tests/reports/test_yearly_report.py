"""年度报告: the figures of a small year, who sees which rows, the page, the workbook and the command."""

import datetime
import io
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from evaluations import access, services
from evaluations.models import Channel, Participant, Period, Score, SurveyTally
from reports import yearly_report
from reports.management.commands.export_report import Command
from tests import factories as f
from tests.evaluations.conftest import five, open_period

pytestmark = pytest.mark.django_db

EXTRA = ("刘洋", "陈静", "杨帆", "黄磊", "周敏")  # in 胡集镇, with 张伟; 李娜 alone in 鸡黍镇


def people(period):
    return {p.secretary.name: p for p in period.participants.select_related("secretary")}


def publish(period, admin):
    services.lock_accepting_every_gap(period, user=admin)
    services.honours_confirm(period, user=admin)
    return services.period_publish(period, user=admin)


def build_year(world):
    """金乡县 2024: Q1 published (组织考评 and one peer rater), Q2 locked but not published, the year published
    (组织考评, 镇街点评 for 张伟 and 李娜, a survey for 李娜; 周敏 unscored)."""
    admin = world.users.admin
    for name in EXTRA:
        f.assign(f.secretary(world.county, world.unit, name), f.village(world.town_a), world.batch)
    scheme = services.scheme_create_default(world.county)

    q1 = open_period(world, scheme, number=1)
    crowd = people(q1)
    services.save_grid(q1, Channel.ORG, {crowd[n]: five(v) for n, v in zip(
        ("李娜", "张伟", *EXTRA), (95, 70, 65, 60, 55, 50, 45), strict=True)}, user=admin)
    meeting = services.meeting_create(q1, user=admin, name="一季度观摩会", date=datetime.date(2024, 3, 20),
                                      participants=[crowd["张伟"], crowd["李娜"]])
    services.save_grid(q1, Channel.PEER, {crowd["李娜"]: five(50)}, user=admin, rater=crowd["张伟"],
                       meeting=meeting)
    publish(q1, admin)

    q2 = open_period(world, scheme, number=2)
    crowd = people(q2)
    services.save_grid(q2, Channel.ORG, {crowd[n]: five(v) for n, v in zip(
        ("刘洋", "张伟", "李娜", "陈静", "杨帆", "黄磊", "周敏"), (99, 90, 80, 70, 60, 50, 40), strict=True)},
        user=admin)
    services.lock_accepting_every_gap(q2, user=admin)

    year = open_period(world, scheme, kind=Period.Kind.YEAR)
    crowd = people(year)
    services.save_grid(year, Channel.ORG, {crowd[n]: five(v) for n, v in zip(
        ("张伟", "李娜", "刘洋", "陈静", "杨帆", "黄磊"), (90, 70, 80, 75, 72, 50), strict=True)}, user=admin)
    services.save_grid(year, Channel.TOWNSHIP, {crowd["张伟"]: five(80), crowd["李娜"]: five(60)}, user=admin)
    SurveyTally.objects.bulk_create(
        SurveyTally(period=year, participant=crowd["李娜"], dimension=d, source=SurveyTally.Source.IMPORT,
                    satisfied=8, basic=2, unsatisfied=0) for d in range(1, 6))
    publish(year, admin)
    return SimpleNamespace(scheme=scheme, q1=q1, q2=q2, year=year)


@pytest.fixture
def year(world):
    return build_year(world)


def ranking(report):
    headers = report.ranking_headers()
    return {row[0]: dict(zip(headers, row, strict=True)) for row in report.ranking_rows()}


def test_the_ranking_rows_hold_the_year_results_and_the_honours_of_all_its_periods(world, year):
    rows = ranking(yearly_report.build(2024, user=world.users.admin))
    assert list(rows) == ["张伟", "刘洋", "陈静", "杨帆", "李娜", "黄磊"]  # 周敏 has no result: not ranked
    zhang = rows["张伟"]
    # (40 × 90 + 30 × 80) / 70: the two channels present, weights shared out; every dimension the same.
    assert zhang["综合得分"] == Decimal("85.71") and zhang["党建"] == zhang["村容"] == Decimal("85.71")
    assert (zhang["组织考评"], zhang["镇街点评"], zhang["观摩互评"], zhang["党员群众测评"]) == (
        Decimal("90.00"), Decimal("80.00"), None, None)
    assert (zhang["姓名"], zhang["派出单位"], zhang["镇街"], zhang["村"], zhang["派驻层级"]) == (
        "张伟", "县财政局", "胡集镇", "王庄村", "县派")
    assert (zhang["县排名"], zhang["镇排名"], zhang["位次进退"], zhang["等次"]) == (1, 1, "新", "优秀")
    # Q1: 作风, 实绩 and 季度之星 (second by composite); the year: 作风 and 实绩. Q2 is not published: the county
    # admin runs it, but its honours are not confirmed, so they do not count; its red flag (刘洋's) does.
    assert zhang["荣誉"] == "工作作风争先进×2、工作实绩争贡献×2、季度之星"
    assert (zhang["红旗（面）"], zhang["星级"]) == (1, None)
    li = rows["李娜"]
    # 组织 70, 镇街 60, survey (100 × 8 + 60 × 2) / 10 = 92: (40 × 70 + 30 × 60 + 15 × 92) / 85.
    assert li["综合得分"] == Decimal("70.35") and li["党员群众测评"] == Decimal("92.00")
    assert (li["县排名"], li["镇排名"], li["等次"]) == (5, 1, "称职")
    assert li["荣誉"] == "工作作风争先进、工作实绩争贡献、工作评价争口碑、季度之星"
    assert li["红旗（面）"] == 1  # Q1's
    assert rows["刘洋"]["红旗（面）"] == 1  # Q2's: unpublished, but the admin runs it
    assert rows["黄磊"]["等次"] == "不称职" and "周敏" not in rows


def test_the_ranking_rows_match_the_ranking_page(world, year, login):
    report = yearly_report.build(2024, user=world.users.admin)
    page = login(world.users.admin).get(reverse("evaluations:ranking", args=[year.year.pk])).context
    shown = [(p.secretary.name, p.rank_county, p.rank_township, yearly_report.rounded(p.composite),
              p.get_grade_display(), p.change_label) for p in page["object_list"] if p.composite is not None]
    mine = [(r["姓名"], r["县排名"], r["镇排名"], r["综合得分"], r["等次"], r["位次进退"])
            for r in ranking(report).values()]
    assert mine == shown


def test_the_summary_counts_grades_and_averages_the_dimensions_per_township(world, year):
    summary = yearly_report.build(2024, user=world.users.admin).summary()
    hu, ji = summary["rows"]
    assert (hu["name"], hu["people"], hu["ranked"], hu["pending"]) == ("胡集镇", 6, 5, 0)
    assert [hu[f"grade_{g}"] for g in ("excellent", "competent", "basic", "incompetent")] == [1, 3, 0, 1]
    # (85.714… + 80 + 75 + 72 + 50) / 5; each person's five dimensions are equal, so each average is the same.
    assert yearly_report.rounded(hu["average"]) == Decimal("72.54") and hu["dimensions"] == [Decimal("72.54")] * 5
    assert (ji["name"], ji["people"], ji["grade_competent"], ji["dimensions"][0]) == ("鸡黍镇", 1, 1, Decimal("70.35"))
    total = summary["total"]
    assert (total["people"], total["ranked"], yearly_report.rounded(total["average"])) == (7, 6, Decimal("72.18"))
    assert total["dimensions"] == [Decimal("72.18")] * 5


def test_the_details_hold_every_score_and_tally_of_the_years_periods(world, year):
    rows = list(yearly_report.build(2024, user=world.users.admin).detail_rows())
    scores = Score.objects.filter(period__year=2024).count()
    assert len(rows) == scores + 5 == 35 + 5 + 35 + 30 + 10 + 5  # Q1 org + peer, Q2 org, year org + 镇街, tallies
    peer = [r for r in rows if r[4] == "观摩互评"]
    assert peer[0][:8] == ["2024年第一季度", "李娜", "鸡黍镇", "前进村", "观摩互评", "张伟", "党建", Decimal("50.00")]
    survey = rows[-1]
    assert survey[:8] == ["2024年度", "李娜", "鸡黍镇", "前进村", "党员群众测评", "", "村容", Decimal("92.00")]
    assert survey[8] == "Excel 导入汇总：满意 8、基本满意 2、不满意 0"


def test_a_township_official_gets_their_township_and_published_periods_only(world, year):
    report = yearly_report.build(2024, user=world.users.town_a)
    assert [p.label for p in report.periods] == ["2024年第一季度", "2024年度"]  # Q2 is not published
    rows = ranking(report)
    assert set(rows) == {"张伟", "刘洋", "陈静", "杨帆", "黄磊"}
    assert rows["刘洋"]["红旗（面）"] is None  # Q2's flag is not theirs to see yet
    assert [row["name"] for row in report.summary()["rows"]] == ["胡集镇"]
    details = list(report.detail_rows())
    assert {r[2] for r in details} == {"胡集镇"} and len(details) == 30 + 25 + 5


def test_the_admin_narrows_to_a_township_and_cannot_reach_another_county(world, year):
    report = yearly_report.build(2024, user=world.users.admin, region=world.town_b)
    assert list(ranking(report)) == ["李娜"]
    with pytest.raises(yearly_report.ReportError, match="管辖范围"):
        yearly_report.build(2024, user=world.users.admin, region=world.town_c)
    with pytest.raises(yearly_report.ReportError, match="没有 2024 年的考评结果"):
        yearly_report.build(2024, user=world.users.admin_ls)


def test_no_report_for_a_year_without_a_published_year_period(world, year):
    with pytest.raises(yearly_report.ReportError, match="没有 2023 年"):
        yearly_report.build(2023, user=world.users.admin)
    Period.objects.filter(pk=year.year.pk).update(status=Period.Status.LOCKED)
    with pytest.raises(yearly_report.ReportError, match="年度考评尚未建立或尚未发布"):
        yearly_report.build(2024, user=world.users.leader)
    assert yearly_report.build(2024, user=world.users.admin).unpublished  # the admin runs it: marked in the notes


def test_the_periods_with_results_are_those_the_results_pages_show(world, year):
    city_admin = f.user("city_admin", "county_admin", world.city)
    for user in (*vars(world.users).values(), city_admin):
        for period in Period.objects.for_user(user):
            assert yearly_report.periods_with_results(user).filter(pk=period.pk).exists() == access.sees_results(
                user, period), (user.username, period.label)


def test_personal_roles_get_no_report(world, year):
    with pytest.raises(yearly_report.ReportError, match="仅供"):
        yearly_report.build(2024, user=world.users.secretary)


# The workbook -------------------------------------------------------------------------------------------------

def workbook(report):
    from excel.writer import write_workbook

    buffer = io.BytesIO()
    write_workbook(buffer, report.sheets())
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def test_the_workbook_has_the_three_sheets_with_the_same_rows(world, year):
    report = yearly_report.build(2024, user=world.users.admin)
    book = workbook(report)
    assert book.sheetnames == ["汇总", "排名", "明细", "派出单位考核"]
    ranked = list(book["排名"].iter_rows(values_only=True))
    assert ranked[0] == report.ranking_headers()
    assert ranked[1][:5] == ("张伟", "县财政局", "胡集镇", "王庄村", "县派") and ranked[1][14] == 85.71
    assert len(ranked) == 1 + 6
    summary = list(book["汇总"].iter_rows(values_only=True))
    assert summary[1][:8] == ("胡集镇", 6, 5, 1, 3, 0, 1, 0) and summary[3][0] == "合计"
    assert any("计入的考评周期" in (row[0] or "") for row in summary)
    assert book["明细"].max_row == 1 + 120


def test_the_workbook_neutralises_formulas_and_holds_no_id_numbers(world, year):
    Participant.objects.filter(period=year.year, secretary=world.sec_a).update(unit_name='=HYPERLINK("http://x")')
    book = workbook(yearly_report.build(2024, user=world.users.admin))
    cell = book["排名"]["B2"]
    assert cell.data_type == "s" and cell.value == "'=HYPERLINK(\"http://x\")"
    text = "".join(str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v)
    assert world.sec_a.id_number not in text and world.sec_a.masked_id_number not in text


def test_the_details_go_on_to_a_second_sheet_past_the_row_limit(world, year, monkeypatch):
    monkeypatch.setattr(yearly_report, "EXCEL_MAX_ROWS", 100)
    book = workbook(yearly_report.build(2024, user=world.users.admin))
    assert book.sheetnames == ["汇总", "排名", "明细", "明细2", "派出单位考核"]
    assert (book["明细"].max_row, book["明细2"].max_row) == (101, 21)


# The page and the download ------------------------------------------------------------------------------------

def test_the_report_page_shows_the_summary_and_the_ranking(world, year, login):
    response = login(world.users.admin).get(reverse("reports:report"), {"year": 2024})
    page = response.content.decode()
    assert response.status_code == 200 and "金乡县2024年度第一书记考评报告" in page
    assert "工作作风争先进×2、工作实绩争贡献×2、季度之星" in page and "85.71" in page
    assert "审核人签字" in page and "data-print" in page and "archive-print.css" in page


def test_the_report_page_runs_a_fixed_number_of_queries(world, year, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    with django_assert_max_num_queries(15):
        client.get(reverse("reports:report"), {"year": 2024})
    for index in range(6):
        person = f.secretary(world.county, world.unit, f"新增{index}")
        Participant.objects.create(period=year.year, secretary=person, village=f.village(world.town_b),
                                   township=world.town_b, composite=60 + index, rank_county=8 + index)
    with django_assert_max_num_queries(15):
        page = client.get(reverse("reports:report"), {"year": 2024}).content.decode()
    assert "新增5" in page


def test_the_page_caps_the_ranking_for_a_large_region(world, year, login, monkeypatch):
    monkeypatch.setattr("reports.views.PAGE_LIMIT", 3)
    page = login(world.users.admin).get(reverse("reports:report"), {"year": 2024}).content.decode()
    assert "本页只列出前 3 名" in page and "陈静" in page and "杨帆" not in page


def test_a_township_official_sees_only_their_township_and_cannot_pick_another(world, year, login):
    client = login(world.users.town_a)
    page = client.get(reverse("reports:report"), {"year": 2024}).content.decode()
    assert "张伟" in page and "李娜" not in page
    page = client.get(reverse("reports:report"), {"year": 2024, "region": world.town_b.pk}).content.decode()
    assert "所选区域不在您的管辖范围内" in page and "张伟" not in page


def test_an_unknown_year_is_a_message_not_an_error(world, year, login):
    response = login(world.users.admin).get(reverse("reports:report"), {"year": 2019})
    assert response.status_code == 200 and "没有 2019 年度的年度考评结果" in response.content.decode()
    response = login(world.users.admin).get(reverse("reports:report_export"), {"year": "x"}, follow=True)
    assert "没有 x 年度的年度考评结果" in response.content.decode()


def test_the_download_is_the_workbook(world, year, login):
    response = login(world.users.leader).get(reverse("reports:report_export"), {"year": 2024})
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["汇总", "排名", "明细", "派出单位考核"]
    assert book["明细"].max_row == 1 + 120 - 35  # the leader does not see the unpublished Q2


def test_the_report_pages_refuse_personal_roles_anonymous_and_posts(world, year, login, client):
    assert client.get(reverse("reports:report")).status_code == 302
    assert login(world.users.secretary).get(reverse("reports:report")).status_code == 403
    assert login(world.users.contact).get(reverse("reports:report_export"), {"year": 2024}).status_code == 403
    assert login(world.users.admin).post(reverse("reports:report"), {"year": 2024}).status_code == 405
    assert login(world.users.admin).post(reverse("reports:report_export")).status_code == 405


def test_the_period_list_and_the_year_ranking_link_to_the_report(world, year, login):
    client = login(world.users.admin)
    assert reverse("reports:report") in client.get(reverse("evaluations:period_list")).content.decode()
    ranking_page = client.get(reverse("evaluations:ranking", args=[year.year.pk])).content.decode()
    assert f"{reverse('reports:report')}?year=2024" in ranking_page


# The command -------------------------------------------------------------------------------------------------

def test_the_command_writes_the_report(world, year, tmp_path):
    out = tmp_path / "报告.xlsx"
    stdout = io.StringIO()
    call_command("export_report", "--year", "2024", "--out", str(out), stdout=stdout)
    assert "参评 7 人，评分明细 85 条" in stdout.getvalue()  # no --user: published periods only
    assert openpyxl.load_workbook(out).sheetnames == ["汇总", "排名", "明细", "派出单位考核"]
    assert [p.name for p in tmp_path.iterdir()] == ["报告.xlsx"]


def test_the_command_scopes_to_a_region_and_a_user(world, year, tmp_path):
    world.town_b.code = "370828104000"
    world.town_b.save()
    out = tmp_path / "b.xlsx"
    call_command("export_report", "--year", "2024", "--out", str(out), "--region", "370828104000",
                 stdout=io.StringIO())
    assert [row[0] for row in openpyxl.load_workbook(out)["排名"].iter_rows(min_row=2, values_only=True)] == ["李娜"]
    call_command("export_report", "--year", "2024", "--out", str(out), "--user", "town_a", stdout=io.StringIO())
    names = {row[0] for row in openpyxl.load_workbook(out)["排名"].iter_rows(min_row=2, values_only=True)}
    assert "李娜" not in names and "张伟" in names
    with pytest.raises(CommandError, match="不在该用户的管辖范围内"):
        call_command("export_report", "--year", "2024", "--out", str(out), "--region", "370828104000",
                     "--user", "town_a")


@pytest.mark.parametrize(("arguments", "message"), [
    (["--year", "2023"], "没有 2023 年的考评结果"),
    (["--year", "2024", "--region", "999999999999"], "没有行政区划代码为“999999999999”的区域"),
    (["--year", "2024", "--user", "nobody"], "没有用户名为“nobody”的在用账号"),
    (["--year", "2024", "--user", "sec_a"], "仅供"),
])
def test_the_command_explains_what_it_cannot_do_and_exits_with_1(world, year, tmp_path, capsys, arguments, message):
    out = tmp_path / "r.xlsx"
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "export_report", *arguments, "--out", str(out)])
    assert exit_info.value.code == 1
    assert message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


def test_the_command_rejects_a_year_that_is_not_a_year(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "export_report", "--year", "二〇二四", "--out", str(tmp_path / "r")])
    assert exit_info.value.code == 2 and "年度应为四位数字" in capsys.readouterr().err


def test_the_command_refuses_a_missing_directory(world, year, tmp_path):
    with pytest.raises(CommandError, match="输出目录不存在"):
        call_command("export_report", "--year", "2024", "--out", str(tmp_path / "no" / "r.xlsx"))
