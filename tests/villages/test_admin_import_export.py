"""Admin import and export (django-import-export) of dispatch units and village tags: scoped, all or nothing."""

import csv
import io
import tempfile

import openpyxl
import pytest
from django.contrib.contenttypes.models import ContentType
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AuditLog
from secretaries.models import DispatchUnit
from secretaries.resources import DispatchUnitResource
from tests import factories as f
from villages.models import Region, Village
from villages.resources import VillageResource

pytestmark = pytest.mark.django_db

UNITS = "secretaries_dispatchunit"
VILLAGES = "villages_village"
UNIT_HEADERS = ["单位名称", "单位层级", "单位性质", "管理区域"]
VILLAGE_HEADERS = ["镇（街道）", "村", "行政区划代码", "省扶贫工作重点村", "党组织软弱涣散村", "集体经济相对薄弱村",
                   "乡村振兴示范创建村", "需选派第一书记"]


@pytest.fixture(autouse=True)
def _uploads_kept_in_tmp_path(tmp_path, monkeypatch):
    # django-import-export keeps a previewed upload in the temporary folder until it is confirmed: keep them here.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))


def xlsx(headers, rows):
    book = openpyxl.Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_file(headers, rows):
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode("utf-8-sig")


def read_xlsx(data):
    return [list(row) for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def preview(client, model, data, filename="导入.xlsx"):
    """Step one: upload; the admin checks every row (a dry run) and offers to confirm only if all are good."""
    return client.post(reverse(f"admin:{model}_import"),
                       {"import_file": SimpleUploadedFile(filename, data), "format": "0", "resource": "0"})


def confirm(client, model, previewed):
    """Step two: post back the confirm form the preview offered (the uploaded file's name in temporary storage)."""
    return client.post(reverse(f"admin:{model}_process_import"), previewed.context["confirm_form"].initial)


def export(client, model, file_format="0", query=""):
    return client.post(reverse(f"admin:{model}_export") + query, {"format": file_format, "resource": "0"})


# --- Export --------------------------------------------------------------------------------------------------


def test_a_county_admin_exports_the_units_in_scope_with_chinese_headers(world, login):
    response = export(login(world.users.admin), UNITS)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = read_xlsx(response.content)
    assert rows[0] == UNIT_HEADERS
    assert sorted(rows[1:]) == [["县农业农村局", "县直", "党政机关", "金乡县"],
                                ["县财政局", "县直", "党政机关", "金乡县"]]


def test_the_export_follows_the_changelist_filters(world, login):
    world.unit_b.kind = DispatchUnit.Kind.INSTITUTION
    world.unit_b.save()
    response = export(login(world.users.admin), UNITS, query="?kind__exact=institution")
    assert [row[0] for row in read_xlsx(response.content)[1:]] == ["县农业农村局"]


def test_a_township_official_exports_only_the_villages_of_their_township(world, login):
    response = export(login(world.users.town_a), VILLAGES, file_format="1")  # csv
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == VILLAGE_HEADERS
    assert sorted(rows[1:]) == [["胡集镇", "李楼村", "", "否", "否", "否", "否", "是"],
                                ["胡集镇", "王庄村", "", "否", "是", "否", "否", "是"]]


def test_an_exported_name_that_looks_like_a_formula_is_written_as_text(world, login):
    DispatchUnit.objects.create(name="=HYPERLINK(1)", level="county", region=world.county)
    rows = read_xlsx(export(login(world.users.admin), UNITS).content)
    assert ["'=HYPERLINK(1)", "县直", "党政机关", "金乡县"] in rows


# --- Import: units -------------------------------------------------------------------------------------------


def test_a_county_admin_imports_units_after_a_preview(world, login):
    client = login(world.users.admin)
    data = xlsx(UNIT_HEADERS, [
        ["县财政局", "县直", "事业单位", "金乡县"],  # 单位性质 changes
        ["县农业农村局", "县直", "党政机关", "370828000000"],  # unchanged, named by the county's code
        ["县教育局", "县直", "", "金乡县"],  # new; 单位性质 left to its default
    ])
    previewed = preview(client, UNITS, data)
    assert previewed.status_code == 200
    assert "confirm_form" in previewed.context, previewed.content.decode()
    assert not DispatchUnit.objects.filter(name="县教育局").exists()  # the preview writes nothing

    response = confirm(client, UNITS, previewed)
    assert response.status_code == 302
    world.unit.refresh_from_db()
    assert world.unit.kind == DispatchUnit.Kind.INSTITUTION
    added = DispatchUnit.objects.get(name="县教育局")
    assert (added.region, added.level, added.kind) == (world.county, "county", "party_gov")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "导入成功，新增1条记录，更新1条记录，删除0条记录，忽略1条记录。"]
    logs = AuditLog.objects.filter(content_type__model="dispatchunit").order_by("action")
    assert [(log.action, log.object_repr, log.user) for log in logs] == [
        ("create", "县教育局", world.users.admin), ("update", "县财政局", world.users.admin)]
    assert logs[1].changes == {"后台导入": {"kind": ["party_gov", "institution"]}}


def test_a_unit_in_another_county_is_refused_and_nothing_is_written(world, login):
    client = login(world.users.admin)
    data = csv_file(UNIT_HEADERS, [["县教育局", "县直", "", "金乡县"], ["梁山县教育局", "县直", "", "梁山县"]])
    previewed = preview(client, UNITS, data, "units.csv")
    page = previewed.content.decode()
    assert "“梁山县”不是您可以登记派出单位的区域" in page
    assert "confirm_form" not in previewed.context
    assert not DispatchUnit.objects.filter(name__in=["县教育局", "梁山县教育局"]).exists()


def test_confirming_a_file_that_has_become_invalid_writes_nothing(world, login):
    client = login(world.users.admin)
    previewed = preview(client, UNITS, xlsx(UNIT_HEADERS, [["县教育局", "县直", "", "金乡县"],
                                                           ["县卫健局", "县直", "", "金乡县"]]))
    world.users.admin.region = world.other_county  # between preview and confirmation the admin moves county
    world.users.admin.save()
    response = confirm(client, UNITS, previewed)
    assert response.status_code == 302
    assert not DispatchUnit.objects.filter(name__in=["县教育局", "县卫健局"]).exists()
    assert "没有写入任何数据" in str(next(iter(get_messages(response.wsgi_request))))


def test_a_unit_named_twice_in_one_file_is_refused(world, login):
    previewed = preview(login(world.users.admin), UNITS, xlsx(UNIT_HEADERS, [["县教育局", "县直", "", "金乡县"],
                                                                             ["县教育局", "市直", "", "金乡县"]]))
    assert "与第 1 行是同一条记录" in previewed.content.decode()
    assert "confirm_form" not in previewed.context


def test_a_file_without_a_required_column_is_refused_in_chinese(world, login):
    previewed = preview(login(world.users.admin), UNITS, xlsx(["单位名称", "单位层级"], [["县教育局", "县直"]]))
    assert "缺少必填列：管理区域" in previewed.content.decode()


def test_updating_thirty_units_runs_four_statements_audit_included(world):
    rows = [[f"县直单位{i}", "县直", "事业单位", "金乡县"] for i in range(30)]
    dataset = DispatchUnitResource.import_format()().create_dataset(xlsx(UNIT_HEADERS, rows))
    DispatchUnitResource(user=world.users.admin).import_data(dataset)  # 30 new units
    ContentType.objects.get_for_model(DispatchUnit)
    rows = [[name, "市直", kind, region] for name, _, kind, region in rows]
    dataset = DispatchUnitResource.import_format()().create_dataset(xlsx(UNIT_HEADERS, rows))
    with CaptureQueriesContext(connection) as queries:
        result = DispatchUnitResource(user=world.users.admin).import_data(dataset)
    assert result.totals["update"] == 30
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "SELECT", "UPDATE", "INSERT"]  # regions, units, levels, audit


# --- Import: villages ----------------------------------------------------------------------------------------


def test_a_county_admin_updates_village_tags_by_import(world, login):
    client = login(world.users.admin)
    data = csv_file(VILLAGE_HEADERS[:2] + ["党组织软弱涣散村", "乡村振兴示范创建村"], [
        ["胡集镇", "王庄村", "否", "是"],
        ["胡集镇", "李楼村", "否", ""],  # unchanged: 否 as stored, a blank cell leaves the tag alone
        ["鸡黍镇", "前进村", "√", "否"],
    ])
    previewed = preview(client, VILLAGES, data, "tags.csv")
    assert "confirm_form" in previewed.context, previewed.content.decode()
    confirm(client, VILLAGES, previewed)
    tags = dict(Village.objects.values_list("region__name", "is_weak_branch"))
    assert tags == {"王庄村": False, "李楼村": False, "前进村": True, "后营村": False}
    assert Village.objects.get(pk=world.village_a.pk).is_demonstration is True
    assert Village.objects.get(pk=world.village_a.pk).needs_secretary is True  # not in the file: untouched


def test_a_village_is_named_by_its_code(world, login):
    Region.objects.filter(pk=world.village_b.region_id).update(code="370828105201")
    client = login(world.users.admin)
    data = xlsx(["村", "行政区划代码", "省扶贫工作重点村"], [["", "370828105201", "是"]])
    previewed = preview(client, VILLAGES, data)
    confirm(client, VILLAGES, previewed)
    assert Village.objects.get(pk=world.village_b.pk).is_key_poverty is True


def test_a_village_of_another_county_or_an_unknown_one_is_refused(world, login):
    client = login(world.users.admin)
    data = xlsx(VILLAGE_HEADERS[:2] + ["省扶贫工作重点村"], [["胡集镇", "王庄村", "是"], ["馆驿镇", "后营村", "是"],
                                                            ["胡集镇", "新村", "是"]])
    previewed = preview(client, VILLAGES, data)
    page = previewed.content.decode()
    assert "馆驿镇没有名为“后营村”的村" in page
    assert "胡集镇没有名为“新村”的村。本导入只修改已有村的标签" in page
    assert "confirm_form" not in previewed.context
    assert not Village.objects.filter(is_key_poverty=True).exists()


def test_the_resource_refuses_a_row_of_another_township_for_a_township_official(world):
    dataset = VillageResource.import_format()().create_dataset(
        xlsx(["镇（街道）", "村", "省扶贫工作重点村"], [["鸡黍镇", "前进村", "是"]]))
    result = VillageResource(user=world.users.town_a).import_data(dataset, dry_run=False)
    assert result.has_validation_errors()
    assert "鸡黍镇没有名为“前进村”的村" in str(result.invalid_rows[0].error)
    assert not Village.objects.filter(is_key_poverty=True).exists()


def test_an_import_runs_the_same_three_statements_for_two_rows_as_for_forty(world):
    villages = [f.village(world.town_a, f"新{i}村") for i in range(40)]
    rows = [["胡集镇", village.region.name, "是"] for village in villages]
    ContentType.objects.get_for_model(Village)  # cached from here on, as in a running server

    def statements(rows):
        dataset = VillageResource.import_format()().create_dataset(xlsx(["镇（街道）", "村", "省扶贫工作重点村"], rows))
        with CaptureQueriesContext(connection) as queries:
            result = VillageResource(user=world.users.admin).import_data(dataset)
        assert not result.has_errors() and not result.has_validation_errors()
        return [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]

    assert statements(rows[:2]) == statements(rows[2:]) == ["SELECT", "UPDATE", "INSERT"]  # load, tags, audit
    assert Village.objects.filter(is_key_poverty=True).count() == 40


# --- Who may import ------------------------------------------------------------------------------------------


def test_a_township_official_has_no_import_button_and_may_not_import(world, login):
    client = login(world.users.town_a)
    page = client.get(reverse(f"admin:{VILLAGES}_changelist")).content.decode()
    assert reverse(f"admin:{VILLAGES}_import") not in page
    assert reverse(f"admin:{VILLAGES}_export") in page
    assert client.get(reverse(f"admin:{VILLAGES}_import")).status_code == 403
    assert preview(client, UNITS, xlsx(UNIT_HEADERS, [["县教育局", "县直", "", "金乡县"]])).status_code == 403
    assert client.post(reverse(f"admin:{UNITS}_process_import"), {}).status_code == 403


def test_a_county_admin_sees_the_import_button(world, login):
    page = login(world.users.admin).get(reverse(f"admin:{UNITS}_changelist")).content.decode()
    assert reverse(f"admin:{UNITS}_import") in page

