"""Task lists through the shared import pipeline (all or nothing, every problem as row/column/reason), and the
export: the list's rows, formula-safe, without ID numbers."""

import datetime
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from excel.models import ImportRecord
from excel.registry import IMPORTERS
from secretaries import idcard
from tasks import services
from tasks.importers import CommonItemImporter, TaskImporter
from tasks.models import TaskItem
from tests import factories as f

from .conftest import make_task

pytestmark = pytest.mark.django_db

HEADERS = ["身份证号", "姓名", "所驻村", "五看维度", "任务名称", "任务内容", "完成时限", "来源"]


def workbook(rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def later(days=60):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def run(user, rows, commit=True, headers=HEADERS):
    return TaskImporter(user).run(workbook(rows, headers), "任务清单.xlsx", commit=commit)


def test_the_importer_is_registered():
    assert IMPORTERS["tasks"] is TaskImporter


def test_county_admin_imports_for_everyone_by_id_or_name_and_village(world):
    plan = run(world.users.admin, [
        [world.sec_a.id_number, "张伟", "", "党建", "发展党员", "发展党员2名", later(), "县统一下发"],
        ["", "李娜", "前进村", "发展", "香瓜大棚", "", later(90), ""],
    ])
    assert plan.problems == [] and plan.written
    rows = sorted(TaskItem.objects.values_list("secretary__name", "dimension", "title", "source",
                                               "village__region__name"))
    assert rows == [("张伟", "party", "发展党员", "county", "王庄村"),
                    ("李娜", "development", "香瓜大棚", "own", "前进村")]


def test_importing_the_same_file_twice_adds_nothing(world):
    rows = [[world.sec_a.id_number, "张伟", "", "党建", "发展党员", "", later(), ""]]
    run(world.users.admin, rows)
    again = run(world.users.admin, rows, commit=False)
    assert again.counts["unchanged"] == 1 and again.counts["new"] == 0
    changed = run(world.users.admin, [[world.sec_a.id_number, "张伟", "", "党建", "发展党员", "", later(30), ""]])
    assert changed.counts["updated"] == 1
    assert TaskItem.objects.get().deadline.isoformat() == later(30)


def test_every_problem_is_reported_and_nothing_is_written(world):
    plan = run(world.users.admin, [
        [world.sec_a.id_number, "张伟", "", "党建", "发展党员", "", later(), ""],
        [world.sec_c.id_number, "王强", "", "党建", "外县", "", later(), ""],
        ["", "张伟", "前进村", "党建", "对不上村", "", later(), ""],
        [world.sec_a.id_number, "张伟", "", "看风景", "", "", "2020-01-01", "上级"],
        [world.sec_a.id_number, "张伟", "", "党建", "发展党员", "", later(), ""],
        ["", "", "", "党建", "没有人", "", later(), ""],
    ])
    found = {(p.row, p.column): p.reason for p in plan.problems}
    assert "不在您的管辖范围内" in found[(3, "身份证号")]
    assert "不在您的管辖范围内" in found[(4, "姓名")]
    assert "不是有效的选项" in found[(5, "五看维度")]
    assert found[(5, "任务名称")] == "请填写任务名称。"
    assert "早于今天" in found[(5, "完成时限")]
    assert "不是有效的选项" in found[(5, "来源")]
    assert "与第 2 行重复" in found[(6, "任务名称")]
    assert "请填写身份证号" in found[(7, "身份证号")]
    assert not plan.written and not TaskItem.objects.exists()


def test_a_secretary_imports_their_own_list(world):
    plan = run(world.users.secretary, [
        ["", "", "", "服务", "义诊", "", later(), ""],
        [world.sec_b.id_number, "李娜", "", "服务", "别人的", "", later(), ""],
        ["", "", "", "服务", "冒充县里", "", later(), "县统一下发"],
    ])
    found = {(p.row, p.column): p.reason for p in plan.problems}
    assert "不在您的管辖范围内" in found[(3, "身份证号")]
    assert "只能导入“自定”的任务" in found[(4, "来源")]
    ok = run(world.users.secretary, [["", "", "", "服务", "义诊", "", later(), ""]])
    assert ok.written
    assert TaskItem.objects.get().secretary == world.sec_a


def test_a_closed_item_is_not_changed_by_an_import(world):
    make_task(world.sec_a, title="发展党员", status=TaskItem.Status.DONE)
    plan = run(world.users.admin, [[world.sec_a.id_number, "张伟", "", "发展", "发展党员", "", later(), ""]])
    assert "不能通过导入修改" in plan.problems[0].reason


def test_import_pages_for_a_secretary_show_only_their_own_uploads(world, login):
    client = login(world.users.secretary)
    data = workbook([["", "", "", "服务", "义诊", "", later(), ""]])
    response = client.post(reverse("excel:import_start", args=["tasks"]),
                           {"file": SimpleUploadedFile("任务.xlsx", data)})
    record = ImportRecord.objects.get()
    assert response.url == record.get_absolute_url()
    client.post(reverse("excel:import_confirm", args=[record.pk]))
    assert TaskItem.objects.get().title == "义诊"
    assert login(world.users.town_a).get(reverse("excel:import_start", args=["tasks"])).status_code == 403
    # Another secretary of the county does not see this upload.
    other = f.user("sec_b", Role.SECRETARY, world.county)
    assert login(other).get(record.get_absolute_url()).status_code == 404


def test_the_template_downloads(world, login):
    response = login(world.users.admin).get(reverse("excel:import_template", args=["tasks"]))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert [c.value for c in book.worksheets[0][1]][:5] == ["身份证号", "姓名", "所驻村", "*五看维度", "*任务名称"]


def test_the_export_is_scoped_formula_safe_and_without_id_numbers(world, login, task_a, task_b):
    task_a.title = "=HYPERLINK(\"http://x\")"
    task_a.save()
    response = login(world.users.town_a).get(reverse("tasks:task_export"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][:3] == ["镇（街道）", "村", "第一书记"]
    assert len(rows) == 2 and rows[1][2] == "张伟"
    assert rows[1][6] == "'=HYPERLINK(\"http://x\")"
    assert rows[1][11] == "未开始"
    text = repr(rows)
    assert world.sec_a.id_number not in text and idcard.mask(world.sec_a.id_number) not in text
    assert login(world.users.admin).get(reverse("tasks:task_export"), {"township": "x"}).status_code == 400


COMMON_HEADERS = ["五看维度", "任务名称", "任务内容", "完成时限"]


def test_a_common_list_is_imported_then_issued(world, login):
    common = services.common_create(user=world.users.admin, region=world.county, year=2025,
                                    title="梳理25项重点工作任务")
    rows = [["党建", f"重点工作{n}", "", later(30 + n)] for n in range(1, 26)]
    plan = CommonItemImporter(world.users.admin, common=common.pk).run(workbook(rows, COMMON_HEADERS), "清单.xlsx",
                                                                       commit=True)
    assert plan.written and common.items.count() == 25
    assert list(common.items.values_list("position", flat=True)) == list(range(1, 26))
    services.common_issue(common, user=world.users.admin)
    changed = [["发展", "重点工作1", "改了", later()], ["看风景", "", "", "2020-01-01"],
               ["村容", "新增一项", "", later()]]
    plan = CommonItemImporter(world.users.admin, common=common.pk).run(workbook(changed, COMMON_HEADERS), "清单.xlsx",
                                                                       commit=True)
    found = {(p.row, p.column): p.reason for p in plan.problems}
    assert "已下发给 2 人" in found[(2, "任务名称")]
    assert "不是有效的选项" in found[(3, "五看维度")] and "早于今天" in found[(3, "完成时限")]
    assert not plan.written and common.items.count() == 25
    client = login(world.users.admin)
    start = client.get(reverse("excel:import_start", args=["common_tasks"]), {"common": common.pk})
    assert "梳理25项重点工作任务" in start.content.decode()
    assert login(world.users.admin_ls).get(reverse("excel:import_start", args=["common_tasks"]),
                                           {"common": common.pk}).status_code == 404
    assert login(world.users.town_a).get(reverse("excel:import_start", args=["common_tasks"])).status_code == 403
