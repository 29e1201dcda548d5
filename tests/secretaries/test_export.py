import datetime
import io
from urllib.parse import quote

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from secretaries.exports import ROSTER_HEADERS, roster_rows
from secretaries.models import Assignment, DispatchLevel, Secretary
from tests import factories as f

pytestmark = pytest.mark.django_db

COLUMN = {header: index for index, header in enumerate(ROSTER_HEADERS)}


def export(client, query=""):
    return client.get(reverse("secretaries:secretary_export") + query)


def sheet_of(content):
    return openpyxl.load_workbook(io.BytesIO(content)).active


def rows_of(response):
    assert response.status_code == 200
    sheet = sheet_of(b"".join(response.streaming_content))
    assert [cell.value for cell in sheet[1]] == list(ROSTER_HEADERS)
    return {row[0].value: row for row in sheet.iter_rows(min_row=2)}


def test_a_county_admin_gets_the_county_roster_with_full_id_numbers(world, login):
    response = export(login(world.users.admin))
    assert response["Content-Disposition"].startswith("attachment")
    filename = f"第一书记花名册-{timezone.localdate():%Y%m%d}.xlsx"
    assert quote(filename) in response["Content-Disposition"]

    rows = rows_of(response)
    assert list(rows) == list(Secretary.objects.for_user(world.users.admin).values_list("name", flat=True))
    assert set(rows) == {"张伟", "李娜", "赵敏"}  # not 梁山县's 王强
    zhang = [cell.value for cell in rows["张伟"]]
    assert zhang == [
        "张伟", world.sec_a.id_number, world.sec_a.gender, datetime.datetime(1985, 3, 14), "汉族", "中共党员",
        "大学本科", "13805371234", "县财政局", "县直", None, None, "胡集镇", "王庄村", world.batch.name, "县派",
        "第一书记", datetime.datetime(2024, 3, 1), datetime.datetime(2026, 2, 28), "在岗",
    ]
    id_cell = rows["张伟"][COLUMN["身份证号"]]
    assert id_cell.data_type == "s" and id_cell.number_format == "@"
    assert rows["张伟"][COLUMN["联系电话"]].number_format == "@"
    assert rows["张伟"][COLUMN["开始日期"]].number_format == "yyyy-mm-dd"


def test_someone_without_an_active_assignment_has_blank_assignment_columns(world, login):
    idle = [cell.value for cell in rows_of(export(login(world.users.admin)))["赵敏"]]
    assert idle[:2] == ["赵敏", world.sec_idle.id_number]
    assert idle[COLUMN["镇（街道）"]:] == [None] * 8


def test_a_township_official_gets_only_their_township_with_masked_numbers(world, login):
    rows = rows_of(export(login(world.users.town_a)))
    assert list(rows) == ["张伟"]
    zhang = rows["张伟"]
    assert zhang[COLUMN["身份证号"]].value == world.sec_a.masked_id_number
    # With the mask, the birth year only (secretaries.privacy: ≥ 10,000 candidate numbers remain).
    assert zhang[COLUMN["出生日期"]].value == "1985年"
    assert world.sec_a.id_number[6:14] not in str([cell.value for cell in zhang])


def test_the_other_township_gets_its_own_rows(world, login):
    assert list(rows_of(export(login(world.users.town_b)))) == ["李娜"]


def test_a_secretary_gets_their_own_row_with_their_full_number(world, login):
    rows = rows_of(export(login(world.users.secretary)))
    assert list(rows) == ["张伟"] and rows["张伟"][COLUMN["身份证号"]].value == world.sec_a.id_number


@pytest.mark.parametrize("query, names", [
    ("?unit={unit_b}", {"李娜"}),
    ("?status=idle", {"赵敏"}),
    ("?township={town_a}", {"张伟"}),
    ("?q=李", {"李娜"}),
])
def test_the_list_filters_apply_to_the_export(world, login, query, names):
    query = query.format(unit_b=world.unit_b.pk, town_a=world.town_a.pk)
    assert set(rows_of(export(login(world.users.admin), query))) == names


def test_the_list_ordering_applies_to_the_export(world, login):
    rows = rows_of(export(login(world.users.admin), "?ordering=-name"))
    assert list(rows) == list(Secretary.objects.for_user(world.users.admin).order_by("-name")
                              .values_list("name", flat=True))


def test_an_invalid_filter_is_a_400_in_chinese_not_an_empty_file(world, login):
    response = export(login(world.users.admin), f"?unit={world.unit_c.pk}")  # another county's unit
    assert response.status_code == 400
    assert "筛选条件无效" in response.content.decode()


def test_anonymous_goes_to_login(client):
    response = export(client)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_post_is_not_allowed(world, login):
    assert login(world.users.admin).post(reverse("secretaries:secretary_export")).status_code == 405


def test_the_number_of_queries_does_not_grow_with_the_rows(world, login, django_assert_max_num_queries):
    client = login(world.users.admin)
    with django_assert_max_num_queries(12) as few:  # with the audit row of an export of full numbers
        rows_of(export(client))
    for _ in range(30):
        f.assign(f.secretary(world.county, world.unit_b), f.village(world.town_b), world.batch)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(rows_of(export(client))) == 33


def test_ended_assignments_are_not_the_active_one(world, login):
    # 赵敏 served before (recalled), 张伟 rotated out of another village before the current one: one row each,
    # with the active assignment's columns or blanks, never a row per assignment.
    f.assign(world.sec_idle, world.village_a2, world.batch, status=Assignment.Status.RECALLED)
    f.assign(world.sec_a, world.village_a2, world.batch, status=Assignment.Status.ROTATED,
             start=datetime.date(2024, 3, 1), end=datetime.date(2024, 6, 30))
    rows = rows_of(export(login(world.users.admin)))
    assert sorted(rows) == sorted(["张伟", "李娜", "赵敏"])
    assert [cell.value for cell in rows["赵敏"][COLUMN["镇（街道）"]:]] == [None] * 8
    assert rows["张伟"][COLUMN["所驻村"]].value == "王庄村" and rows["张伟"][COLUMN["状态"]].value == "在岗"


def test_the_rows_are_labelled_like_the_model_says(world):
    world.sec_b.political_status = Secretary.PoliticalStatus.MASSES
    world.sec_b.education = Secretary.Education.MASTER
    world.sec_b.save()
    Assignment.objects.filter(pk=world.asg_b.pk).update(role=Assignment.Duty.TEAM_LEADER,
                                                       dispatch_level=DispatchLevel.CITY)
    (row,) = [row for row in roster_rows(Secretary.objects.filter(pk=world.sec_b.pk), None)]
    secretary = Secretary.objects.select_related("unit").get(pk=world.sec_b.pk)
    assignment = Assignment.objects.get(pk=world.asg_b.pk)
    assert row[COLUMN["政治面貌"]] == secretary.get_political_status_display() == "群众"
    assert row[COLUMN["学历"]] == secretary.get_education_display() == "硕士研究生"
    assert row[COLUMN["单位层级"]] == secretary.unit.get_level_display()
    assert row[COLUMN["派驻层级"]] == assignment.get_dispatch_level_display() == "市派"
    assert row[COLUMN["驻村身份"]] == assignment.get_role_display() == "工作队队长"
    assert row[COLUMN["性别"]] == secretary.gender and row[COLUMN["出生日期"]] == secretary.birth_date


def test_roster_rows_is_one_query_whatever_the_chunk_size(world, django_assert_num_queries):
    queryset = Secretary.objects.for_user(world.users.admin)
    with django_assert_num_queries(1):
        whole = list(roster_rows(queryset, world.users.admin))
    with django_assert_num_queries(1):
        assert list(roster_rows(queryset, world.users.admin, chunk_size=1)) == whole
    assert [row[0] for row in whole] == ["张伟", "李娜", "赵敏"]


def test_numbers_are_masked_per_person_as_id_number_for_decides(world):
    # A secretary sees their own full number and birth date, anyone else's masked, with the year only.
    other = f.secretary(world.county, world.unit)
    f.assign(other, world.village_a2, world.batch)
    me = world.users.secretary
    rows = {row[0]: row for row in roster_rows(Secretary.objects.filter(pk__in=[world.sec_a.pk, other.pk]), me)}
    mine, theirs = rows["张伟"], rows[other.name]
    assert mine[COLUMN["身份证号"]] == world.sec_a.id_number_for(me) == world.sec_a.id_number
    assert mine[COLUMN["出生日期"]] == world.sec_a.birth_date
    assert theirs[COLUMN["身份证号"]] == other.id_number_for(me) == other.masked_id_number
    assert theirs[COLUMN["出生日期"]] == f"{other.birth_date:%Y}年"


# --- manage.py export_roster -------------------------------------------------------------------

def run(tmp_path, **options):
    out = tmp_path / "花名册.xlsx"
    stdout = io.StringIO()
    call_command("export_roster", out=str(out), stdout=stdout, **options)
    sheet = openpyxl.load_workbook(out).active
    return stdout.getvalue(), {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}


def test_the_command_exports_everyone_with_full_numbers(world, tmp_path):
    output, rows = run(tmp_path)
    assert set(rows) == {"张伟", "李娜", "赵敏", "王强"}
    assert rows["王强"][COLUMN["身份证号"]] == world.sec_c.id_number
    assert "已导出 4 人" in output and "花名册.xlsx" in output


@pytest.mark.parametrize("region, names", [
    ("370828000000", {"张伟", "李娜", "赵敏"}),
    ("胡集镇", {"张伟"}),
])
def test_the_command_restricts_to_a_region_by_code_or_name(world, tmp_path, region, names):
    assert set(run(tmp_path, region=region)[1]) == names


def test_the_command_exports_what_a_user_may_see(world, tmp_path):
    output, rows = run(tmp_path, user="town_a")
    assert list(rows) == ["张伟"] and rows["张伟"][COLUMN["身份证号"]] == world.sec_a.masked_id_number
    assert "已导出 1 人" in output


@pytest.mark.parametrize("options, message", [
    ({"region": "370828999999"}, "没有行政区划代码为 370828999999 的区域"),
    ({"region": "不存在镇"}, "没有名为“不存在镇”的区域"),
    ({"user": "nobody"}, "没有用户名为“nobody”的用户"),
])
def test_the_command_fails_clearly_on_an_unknown_region_or_user(world, tmp_path, options, message):
    with pytest.raises(CommandError, match=message) as failure:
        call_command("export_roster", out=str(tmp_path / "x.xlsx"), **options)
    assert failure.value.returncode == 1
    assert not (tmp_path / "x.xlsx").exists()


def test_the_command_asks_for_a_code_when_a_name_is_ambiguous(world, tmp_path):
    f.township(world.other_county, "胡集镇")
    with pytest.raises(CommandError, match="不止一个"):
        call_command("export_roster", out=str(tmp_path / "x.xlsx"), region="胡集镇")
