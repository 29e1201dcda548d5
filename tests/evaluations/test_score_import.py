"""Score sheets through the import pipeline: every row checked, all or nothing, scoped; web flow and command."""

import datetime
import io
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.models import AuditLog
from evaluations import scoring, services
from evaluations.importers import ScoreImporter
from evaluations.models import Channel, Dimension, Period, Score, SurveyTally
from excel.models import ImportRecord

from .conftest import open_period, participant

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号", "姓名", "渠道", "评分人", "党建", "发展", "治理", "服务", "村容"]
FULL_ID = re.compile(r"\d{17}[\dX]")


@pytest.fixture
def period(world, scheme, extra_secretaries):
    """2024 Q1 open for scoring: 张伟, 李娜 and five more secretaries of 胡集镇 (刘洋 陈静 杨帆 黄磊 周敏)."""
    return open_period(world, scheme)


def xlsx(rows, headers=HEADERS):
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def row(person, channel, values, rater=""):
    values = values if isinstance(values, list) else [values] * 5
    rater = getattr(rater, "id_number", rater)
    return [person.id_number, person.name, channel, rater, *values]


def run(user, period, data, commit=True):
    return ScoreImporter(user, period=period.pk).run(data, "分数.xlsx", commit=commit)


def readme_rows(world, raters):
    """The README's worked example as a sheet: 张伟 by all four channels, 李娜 without the survey."""
    zhang, li = world.sec_a, world.sec_b
    return [
        row(zhang, "组织考评", [90, 85, 80, 88, 92]),
        row(zhang, "镇街点评", [86, 84, 82, 90, 88]),
        *[row(zhang, "观摩互评", value, rater) for rater, value in zip(raters, [95, 90, 88, 85, 70], strict=True)],
        row(zhang, "党员群众测评", "16/3/1"),
        row(li, "组织考评", 80),
        row(li, "镇街点评", 75),
        row(li, "观摩互评", 70, raters[0].name),  # a unique name is enough
        row(li, "观摩互评", "70", raters[1]),
    ]


def shown(value):
    from evaluations.templatetags.scores import score

    return score(value)


# --- the importer --------------------------------------------------------------------------------------------

def test_a_full_file_imports_and_gives_the_readme_composite(world, period, extra_secretaries):
    plan = run(world.users.admin, period, xlsx(readme_rows(world, extra_secretaries)))
    assert plan.problems == [] and plan.written
    assert plan.counts["new"] == 12
    scoring.compute(period)
    zhang, li = participant(period, world.sec_a), participant(period, world.sec_b)
    assert shown(zhang.score_peer) == "87.67" and shown(zhang.score_survey) == "89.00"
    assert shown(zhang.composite) == "87.10" and not zhang.channels_missing
    assert shown(li.composite) == "76.47" and li.channels_missing
    assert Score.objects.filter(participant=zhang, channel=Channel.PEER).count() == 25
    assert set(Score.objects.values_list("entered_by", flat=True)) == {world.users.admin.pk}
    tallies = SurveyTally.objects.filter(participant=zhang)
    assert {(t.source, t.satisfied, t.basic, t.unsatisfied) for t in tallies} == {("import", 16, 3, 1)}
    log = AuditLog.objects.get(object_id=str(period.pk), changes__has_key="考评分数导入")
    assert log.changes["考评分数导入"] == {"行数": 12, "新增": 12, "更新": 0, "无变化": 0}
    assert log.user == world.users.admin


def test_the_columns_are_the_periods_own_dimensions(world, scheme, extra_secretaries):
    Dimension.objects.filter(scheme=scheme, position=5).update(name="环境")
    period = open_period(world, scheme)
    Dimension.objects.filter(scheme=scheme, position=5).update(name="村容")  # the period keeps its copy
    headers = [*HEADERS[:8], "环境"]
    assert run(world.users.admin, period, xlsx([row(world.sec_a, "组织考评", 90)], headers)).written
    refused = run(world.users.admin, period, xlsx([row(world.sec_a, "组织考评", 90)]))
    assert "缺少必填列：环境" in refused.problems[0].reason


def test_a_second_import_updates_changed_scores_and_counts_the_rest_unchanged(world, period, extra_secretaries):
    admin = world.users.admin
    run(admin, period, xlsx(readme_rows(world, extra_secretaries)))
    rows = readme_rows(world, extra_secretaries)
    rows[0] = row(world.sec_a, "组织考评", [95, 85, 80, 88, 92])
    rows[7] = row(world.sec_a, "党员群众测评", ["16/3/1"] * 4 + ["10/0/0"])
    plan = run(admin, period, xlsx(rows))
    assert (plan.counts["new"], plan.counts["updated"], plan.counts["unchanged"]) == (0, 2, 10)
    assert plan.updated[0][-1] == "组织考评：党建 90.00→95.00"
    assert plan.updated[1][-1] == "党员群众测评：村容 16/3/1→10/0/0"
    zhang = participant(period, world.sec_a)
    assert Score.objects.get(participant=zhang, channel=Channel.ORG, dimension=1).value == 95
    assert Score.objects.filter(participant=zhang, channel=Channel.ORG).count() == 5
    assert SurveyTally.objects.get(participant=zhang, dimension=5).satisfied == 10


def test_imported_survey_counts_replace_earlier_imports_but_not_online_answers(world, period):
    zhang = participant(period, world.sec_a)
    SurveyTally.objects.create(period=period, participant=zhang, dimension=1, source=SurveyTally.Source.ONLINE,
                               satisfied=2)
    run(world.users.admin, period, xlsx([row(world.sec_a, "党员群众测评", "16/3/1")]))
    run(world.users.admin, period, xlsx([row(world.sec_a, "党员群众测评", "5/5/0")]))
    imported = SurveyTally.objects.filter(participant=zhang, source=SurveyTally.Source.IMPORT)
    assert sorted(imported.values_list("dimension", "satisfied", "basic")) == [(d, 5, 5) for d in range(1, 6)]
    assert SurveyTally.objects.get(participant=zhang, source=SurveyTally.Source.ONLINE).satisfied == 2


def bad_rows(world, others):
    zhang, li, liu = world.sec_a, world.sec_b, others[0]
    miscounted = zhang.id_number[:-1] + ("1" if zhang.id_number[-1] != "1" else "2")
    return [
        (row(zhang, "组织考评", [101, 85, 80, 88, 92]), "党建", "超出范围"),
        (row(zhang, "组织考评", [90, "优秀", 80, 88, 92]), "发展", "“优秀”不是分数"),
        (row(zhang, "组织考评", [90, 85, 80.125, 88, 92]), "治理", "小数超过两位"),
        (row(zhang, "组织考评", [90, 85, 80, 88, None]), "村容", "请填写分数"),
        (row(world.sec_idle, "组织考评", 90), "身份证号", "不在您的管辖范围或不在本期参评名单中"),
        (row(world.sec_c, "组织考评", 90), "身份证号", "不在您的管辖范围或不在本期参评名单中"),
        ([miscounted, "张伟", "组织考评", "", *[90] * 5], "身份证号", "校验位"),
        ([zhang.id_number, "张卫", "组织考评", "", *[90] * 5], "姓名", "“张卫”与该身份证号的参评人员“张伟”不符"),
        (row(zhang, "领导点评", 90), "渠道", "不是有效的选项"),
        (row(zhang, "观摩互评", 90), "评分人", "观摩互评须填写评分人"),
        (row(zhang, "组织考评", 90, liu), "评分人", "组织考评不填评分人"),
        (row(zhang, "观摩互评", 90, zhang), "评分人", "不能给自己评分"),
        (row(zhang, "观摩互评", 90, "张三"), "评分人", "评分人“张三”不在您的管辖范围或不在本期参评名单中"),
        (row(zhang, "观摩互评", 90, world.sec_c), "评分人", "不在您的管辖范围或不在本期参评名单中"),
        (row(li, "党员群众测评", ["16/3", "16/3/1", "16/3/1", "16/3/1", "16/3/1"]), "党建", "三个人数"),
        (row(li, "党员群众测评", ["16/3/1", "0/0/0", "16/3/1", "16/3/1", "16/3/1"]), "发展", "不能都是 0"),
        (row(li, "党员群众测评", ["16/3/1", "16/3/1", datetime.datetime(2016, 3, 1), "16/3/1", "16/3/1"]),
         "治理", "当成了日期"),
        (row(li, "党员群众测评", "16/3/1", liu), "评分人", "党员群众测评不填评分人"),
    ]


BAD_ROW_CASES = ["score_101", "text_score", "three_decimals", "blank_score", "not_a_participant", "other_county",
                 "bad_checksum", "name_mismatch", "unknown_channel", "peer_without_rater", "rater_on_org",
                 "self_rating", "unknown_rater", "rater_of_other_county", "two_counts", "no_responses",
                 "counts_read_as_a_date", "rater_on_survey"]


@pytest.mark.parametrize("case", range(len(BAD_ROW_CASES)), ids=BAD_ROW_CASES)
def test_every_bad_row_is_named_by_row_and_column_and_nothing_is_written(world, period, extra_secretaries, case):
    bad, column, reason = bad_rows(world, extra_secretaries)[case]
    good = row(world.sec_b, "组织考评", 80)
    plan = run(world.users.admin, period, xlsx([good, bad]))
    assert not plan.written
    assert [(p.row, p.column) for p in plan.problems] == [(3, column)], plan.problems
    assert reason in plan.problems[0].reason
    assert not FULL_ID.search(plan.problems[0].reason)  # the message never repeats an ID number
    assert not Score.objects.exists() and not SurveyTally.objects.exists()
    assert not AuditLog.objects.filter(changes__has_key="考评分数导入").exists()


def test_the_same_person_channel_and_rater_twice_is_an_error_on_the_second_row(world, period, extra_secretaries):
    liu, chen = extra_secretaries[:2]
    rows = [row(world.sec_a, "观摩互评", 90, liu), row(world.sec_a, "观摩互评", 80, chen),
            row(world.sec_a, "观摩互评", 85, liu.name), row(world.sec_a, "组织考评", 90)]
    plan = run(world.users.admin, period, xlsx(rows))
    assert [(p.row, p.column, p.reason) for p in plan.problems] == [
        (4, "身份证号", "与第 2 行重复：同一被评人、渠道和评分人只能有一行。")]
    assert not Score.objects.exists()


def test_a_file_without_the_rater_column_still_names_it(world, period):
    plan = run(world.users.admin, period, xlsx([row(world.sec_a, "观摩互评", 90)[:3] + [90] * 5],
                                               [h for h in HEADERS if h != "评分人"]))
    assert [(p.row, p.column) for p in plan.problems] == [(2, "评分人")]


def test_a_rater_name_shared_by_two_participants_needs_the_id_number(world, period, extra_secretaries):
    from secretaries.models import Secretary

    Secretary.objects.filter(pk=extra_secretaries[1].pk).update(name="刘洋")
    plan = run(world.users.admin, period, xlsx([row(world.sec_a, "观摩互评", 90, "刘洋")]))
    assert plan.problems[0].reason == "本期参评人员中有 2 人名为“刘洋”，请改填评分人的身份证号。"


def test_a_locked_or_draft_period_is_refused_as_a_whole(world, period, scheme):
    data = xlsx([row(world.sec_a, "组织考评", 90)])
    services.lock_accepting_every_gap(period, user=world.users.admin)
    plan = run(world.users.admin, period, data)
    assert [(p.row, p.reason) for p in plan.problems] == [(0, services.FROZEN)]
    draft = services.period_create(user=world.users.admin, region=world.county, scheme=scheme,
                                   kind=Period.Kind.YEAR, year=2024)
    assert run(world.users.admin, draft, data).problems[0].reason == services.NOT_SCORING
    assert not Score.objects.exists()


def test_a_period_locked_between_the_check_and_the_write_gets_nothing(world, period, monkeypatch):
    planned = ScoreImporter.plan_rows

    def plan_then_lock(self, table):
        plan = planned(self, table)
        services.lock_accepting_every_gap(period, user=world.users.admin)
        return plan

    monkeypatch.setattr(ScoreImporter, "plan_rows", plan_then_lock)
    plan = run(world.users.admin, period, xlsx([row(world.sec_a, "组织考评", 90)]))
    assert not plan.written and [p.reason for p in plan.problems] == [services.FROZEN]
    assert not Score.objects.exists()


def test_another_countys_admin_cannot_import_into_the_period(world, period):
    plan = run(world.users.admin_ls, period, xlsx([row(world.sec_a, "组织考评", 90)]))
    assert "不在您的管辖范围内" in plan.problems[0].reason and not Score.objects.exists()


def test_a_dry_run_writes_nothing(world, period):
    plan = run(world.users.admin, period, xlsx([row(world.sec_a, "组织考评", 90)]), commit=False)
    assert plan.problems == [] and plan.counts["new"] == 1 and not plan.written
    assert not Score.objects.exists() and not AuditLog.objects.filter(changes__has_key="考评分数导入").exists()


# --- the browser flow ----------------------------------------------------------------------------------------

def start_url(period=None):
    url = reverse("excel:import_start", args=["scores"])
    return f"{url}?period={period.pk}" if period else url


def test_upload_previews_then_confirm_writes(world, period, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.users.admin)
    page = client.get(start_url(period)).content.decode()
    assert "2024年第一季度" in page and "党建、发展、治理、服务、村容" in page and "自动创建" not in page
    data = xlsx([row(world.sec_a, "组织考评", 90), row(world.sec_b, "镇街点评", 80)])
    response = client.post(start_url(period), {"file": SimpleUploadedFile("分数.xlsx", data)})
    record = ImportRecord.objects.get()
    assert response.url == record.get_absolute_url() and record.options == {"period": period.pk}
    preview = client.get(record.get_absolute_url()).content.decode()
    assert "确认导入" in preview and "张伟" in preview and "组织考评" in preview
    assert not Score.objects.exists()
    done = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True)
    assert "导入完成" in done.content.decode()
    assert Score.objects.count() == 10
    record.refresh_from_db()
    assert record.status == ImportRecord.Status.DONE


def test_the_start_page_without_a_period_offers_the_periods_being_scored(world, period, login,
                                                                         django_assert_max_num_queries):
    client = login(world.users.admin)
    with django_assert_max_num_queries(9):
        page = client.get(start_url()).content.decode()
    assert f'<option value="{period.pk}">' in page and "upload-form" not in page
    response = client.post(start_url(), {"file": SimpleUploadedFile("分数.xlsx", b"x")}, follow=True)
    assert "请先选择考评周期" in response.content.decode() and not ImportRecord.objects.exists()


def test_a_township_official_cannot_import_scores(world, period, login):
    client = login(world.users.town_a)
    assert client.get(start_url(period)).status_code == 403
    assert client.get(reverse("excel:import_template", args=["scores"])).status_code == 403


def test_another_countys_period_is_not_found(world, period, login, client):
    admin_ls = login(world.users.admin_ls)
    assert admin_ls.get(start_url(period)).status_code == 404
    assert admin_ls.get(reverse("excel:import_template", args=["scores"]) + f"?period={period.pk}").status_code == 404
    assert admin_ls.get(reverse("excel:import_start", args=["scores"]) + "?period=x").status_code == 404
    client.logout()
    assert client.get(start_url(period)).status_code == 302


def test_the_template_has_the_dimension_columns_instructions_and_the_roster(world, period, login):
    response = login(world.users.admin).get(reverse("excel:import_template", args=["scores"])
                                            + f"?period={period.pk}")
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    assert [c.value for c in sheet[1]] == ["*身份证号", "*姓名", "*渠道", "评分人",
                                           "*党建", "*发展", "*治理", "*服务", "*村容"]
    assert sheet.column_dimensions["E"].number_format == "@"  # 16/3/1 stays text, not a date
    assert any("16/3/1" in (c.value or "") for c in book["填表说明"]["A"])
    names = [c.value for c in book["参评名单"]["B"]]
    assert "张伟" in names and "王强" not in names


# --- the command ---------------------------------------------------------------------------------------------

def command(*args):
    out = StringIO()
    try:
        call_command("import_scores", *args, stdout=out)
        code = 0
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue()


def test_the_command_writes_a_good_file_and_records_it(world, period, tmp_path):
    path = tmp_path / "分数.xlsx"
    path.write_bytes(xlsx([row(world.sec_a, "组织考评", 90)]))
    code, out = command(str(path), "--period", str(period.pk), "--user", "admin_jx")
    assert code == 0 and "新增 1" in out and "已全部写入" in out
    assert Score.objects.count() == 5
    record = ImportRecord.objects.get()
    assert (record.kind, record.status, record.options) == ("scores", "done", {"period": period.pk})


def test_the_command_dry_run_writes_and_records_nothing(world, period, tmp_path):
    path = tmp_path / "分数.xlsx"
    path.write_bytes(xlsx([row(world.sec_a, "组织考评", 90)]))
    code, out = command(str(path), "--period", str(period.pk), "--dry-run")
    assert code == 0 and "未写入" in out
    assert not Score.objects.exists() and not ImportRecord.objects.exists()
    assert not AuditLog.objects.filter(changes__has_key="考评分数导入").exists()


def test_the_command_lists_every_problem_and_exits_1(world, period, tmp_path):
    path = tmp_path / "分数.xlsx"
    path.write_bytes(xlsx([row(world.sec_a, "组织考评", [101, 90, 90, 90, "九十"]), row(world.sec_b, "组织考评", 80)]))
    code, out = command(str(path), "--period", str(period.pk))
    assert code == 1
    assert "第 2 行  党建  分数 101 超出范围" in out and "第 2 行  村容  “九十”不是分数" in out
    assert "未写入任何数据" in out and not Score.objects.exists()
    code, out = command(str(path), "--period", "999999")
    assert code == 1 and "找不到该考评周期" in out


def test_the_command_refuses_users_who_may_not_import(world, period, tmp_path):
    path = tmp_path / "分数.xlsx"
    path.write_bytes(xlsx([row(world.sec_a, "组织考评", 90)]))
    with pytest.raises(CommandError, match="不能导入考评分数"):
        call_command("import_scores", str(path), "--period", str(period.pk), "--user", "town_a")
