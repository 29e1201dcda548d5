"""The roster import: every row checked, all or nothing, idempotent, scoped."""

import datetime
import io

import pytest
from openpyxl import Workbook

from excel.models import ImportRecord
from secretaries.importers import RosterImporter
from secretaries.models import Assignment, DispatchUnit, Secretary
from tests import factories as f

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "民族", "政治面貌", "学历", "联系电话", "派出单位", "职务", "镇（街道）", "所驻村",
           "派驻层级", "驻村身份", "开始日期", "结束日期", "是否轮换"]


def xlsx(rows, headers=HEADERS, title=None):
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def person(name, number, unit="县财政局", township="胡集镇", village="李楼村", **extra):
    row = {"姓名": name, "身份证号": number, "民族": "汉族", "政治面貌": "中共党员", "学历": "大学本科",
           "联系电话": "13905370000", "派出单位": unit, "职务": "科员", "镇（街道）": township, "所驻村": village,
           "派驻层级": "县派", "驻村身份": "第一书记", "开始日期": "2025-03-01", "结束日期": "2026-02-28",
           "是否轮换": ""}
    row.update(extra)
    return [row[h] for h in HEADERS]


def run(user, data, commit=True, **options):
    return RosterImporter(user, **options).run(data, "花名册.xlsx", commit=commit)


def test_a_new_person_is_added_with_an_active_assignment(world):
    number = f.id_number()
    plan = run(world.users.admin, xlsx([person("孙丽", number)], title="2025年第一书记花名册"))
    assert plan.problems == [] and plan.written
    added = Secretary.objects.get(id_number=number)
    assignment = added.assignments.get()
    assert (assignment.village, assignment.status) == (world.village_a2, "active")
    assert added.region == world.village_a2.region
    assert plan.counts["new"] == 1


def test_reimporting_the_same_file_changes_nothing(world):
    data = xlsx([person("孙丽", f.id_number())])
    run(world.users.admin, data)
    before = (Secretary.objects.count(), Assignment.objects.count())
    again = run(world.users.admin, data)
    assert again.counts == {"rows": 1, "new": 0, "updated": 0, "unchanged": 1, "errors": 0, "problems": 0}
    assert (Secretary.objects.count(), Assignment.objects.count()) == before


def test_ninety_nine_good_rows_and_one_bad_write_nothing(world):
    rows = [person(f"书记{i}", f.id_number(), village=f.village(world.town_a, f"新村{i}").region.name)
            for i in range(99)]
    rows.insert(41, person("错号", "370828198503141237"))
    plan = run(world.users.admin, xlsx(rows))
    assert not plan.written
    # The header is on row 1, so list index 41 is Excel row 43.
    assert [(p.row, p.column) for p in plan.problems] == [(43, "身份证号")]
    assert "校验位" in plan.problems[0].reason
    assert not Secretary.objects.filter(name__startswith="书记").exists()


def test_every_problem_is_named_by_row_and_column(world):
    rows = [
        person("甲", 370828198503141236.0),                         # row 2: number stored as a number
        person("乙", f.id_number(), 联系电话="12345"),               # row 3
        person("丙", f.id_number(), 所驻村="不存在村"),               # row 4
        person("丁", f.id_number(), 派出单位="不存在局"),             # row 5
        person("戊", f.id_number(), 开始日期="2025-02-30"),          # row 6
        person("己", f.id_number(), 派驻层级="乡派"),                 # row 7
    ]
    problems = {(p.row, p.column): p.reason for p in run(world.users.admin, xlsx(rows)).problems}
    assert "Excel" in problems[(2, "身份证号")]
    assert "11 位手机号" in problems[(3, "联系电话")]
    assert "没有名为“不存在村”的村" in problems[(4, "所驻村")]
    assert "尚未登记" in problems[(5, "派出单位")]
    assert "不存在" in problems[(6, "开始日期")]
    assert "不是有效的选项" in problems[(7, "派驻层级")]


def test_duplicates_inside_the_file_are_errors(world):
    number = f.id_number()
    plan = run(world.users.admin, xlsx([person("甲", number), person("甲", number, 所驻村="王庄村")]))
    assert any(p.row == 3 and "与第 2 行的身份证号重复" in p.reason for p in plan.problems)


def test_a_village_with_an_active_first_secretary_needs_the_rotation_mark(world):
    newcomer = f.id_number()
    plan = run(world.users.admin, xlsx([person("新来", newcomer, village="王庄村")]))
    assert "该村已有在岗第一书记张伟" in plan.problems[0].reason
    plan = run(world.users.admin, xlsx([person("新来", newcomer, village="王庄村", 是否轮换="是")]))
    assert plan.written
    old = Assignment.objects.get(pk=world.asg_a.pk)
    assert (old.status, old.end_date) == ("rotated", datetime.date(2025, 2, 28))


def test_moving_a_serving_secretary_needs_the_rotation_mark(world):
    row = person("张伟", world.sec_a.id_number, village="李楼村", 派出单位="县财政局")
    assert "如属轮换" in run(world.users.admin, xlsx([row])).problems[0].reason
    row[HEADERS.index("是否轮换")] = "是"
    assert run(world.users.admin, xlsx([row])).written
    assert world.sec_a.assignments.active().get().village == world.village_a2
    assert world.sec_a.assignments.count() == 2


def test_unknown_units_are_created_only_when_asked(world):
    data = xlsx([person("孙丽", f.id_number(), 派出单位="县统计局")])
    plan = run(world.users.admin, data)
    assert plan.notes == ["以下派出单位尚未登记：县统计局"]
    assert run(world.users.admin, data, create_units=True).written
    assert DispatchUnit.objects.get(name="县统计局").region == world.county


def test_a_county_imports_only_into_its_own_villages(world):
    plan = run(world.users.admin_ls, xlsx([person("孙丽", f.id_number(), unit="梁山县水务局")]))
    assert "没有名为“李楼村”的村" in plan.problems[0].reason


def test_another_countys_person_is_not_revealed_or_changed(world):
    # Planned like any new person (nothing said in the preview); refused at confirm without saying where.
    f.village(world.town_c, "新村")
    plan = run(world.users.admin_ls, xlsx([person("李娜", world.sec_b.id_number, unit="梁山县水务局",
                                                   township="馆驿镇", village="新村")]))
    assert not plan.written and plan.counts["new"] == 1
    assert "市委组织部办理调转" in plan.problems[0].reason and "金乡" not in plan.problems[0].reason
    world.sec_b.refresh_from_db()
    assert world.sec_b.phone == "13805371234" and world.sec_b.region == world.village_b.region


def test_a_dry_run_writes_nothing(world):
    plan = run(world.users.admin, xlsx([person("孙丽", f.id_number())]), commit=False)
    assert plan.counts["new"] == 1 and not plan.written
    assert not Secretary.objects.filter(name="孙丽").exists()
    assert not ImportRecord.objects.exists()


def test_an_exported_roster_imports_back_unchanged(world, login):
    """The export is a valid import file: a county can fix a roster in Excel and load it again."""
    response = login(world.users.admin).get("/secretaries/export/")
    data = b"".join(response.streaming_content)
    plan = run(world.users.admin, data)
    assert plan.problems == []
    assert plan.counts["unchanged"] == 3 and plan.counts["new"] == plan.counts["updated"] == 0


def test_every_imported_person_leaves_an_audit_record_without_the_number(world):
    from accounts.models import AuditLog

    number = f.id_number()
    run(world.users.admin, xlsx([person("孙丽", number), person("张伟", world.sec_a.id_number, village="王庄村",
                                                              联系电话="13905379999")]))
    logs = {log.object_repr: log for log in AuditLog.objects.filter(content_type__model="secretary")}
    added = Secretary.objects.get(id_number=number)
    assert (logs["孙丽"].action, logs["孙丽"].object_id, logs["孙丽"].user) == ("create", str(added.pk),
                                                                              world.users.admin)
    assert logs["张伟"].action == "update" and "联系电话" in logs["张伟"].changes["花名册导入"]
    assert logs["孙丽"].created_at is not None and logs["孙丽"].region == world.county
    assert number not in str([log.changes for log in logs.values()])


def test_review_findings_stay_fixed(world):
    # An ID cell holding a date or TRUE is a row error, not a 500.
    rows = [person("甲", datetime.date(2024, 1, 1)), person("乙", True, village="王庄村")]
    problems = run(world.users.admin, xlsx(rows)).problems
    assert [(p.row, p.reason[:5]) for p in problems if p.column == "身份证号"] == [(2, "身份证号应"), (3, "身份证号应")]
    # Too long for the database is a row error.
    long_rank = xlsx([person("孙丽", f.id_number()) + ["x" * 31]], headers=[*HEADERS, "职级"])
    assert "最多 30 个字" in run(world.users.admin, long_rank).problems[0].reason


def test_a_newcomer_cannot_start_before_the_leaving_secretary_has_left(world):
    leaving = person("张伟", world.sec_a.id_number, village="李楼村", 开始日期="2025-03-01", 是否轮换="是")
    too_early = person("新来", f.id_number(), village="王庄村", 开始日期="2024-06-01")
    plan = run(world.users.admin, xlsx([leaving, too_early]))
    assert any(p.row == 3 and "开始日期不能早于这一天" in p.reason for p in plan.problems) and not plan.written
    plan = run(world.users.admin, xlsx([leaving, person("新来", f.id_number(), village="王庄村",
                                                          开始日期="2025-03-01")]))
    assert plan.written
    old = Assignment.objects.get(pk=world.asg_a.pk)
    assert (old.status, old.end_date) == ("rotated", datetime.date(2025, 2, 28))


def test_a_blank_end_date_leaves_the_stored_one(world):
    row = person("张伟", world.sec_a.id_number, village="王庄村", 开始日期="2024-03-01", 结束日期="",
                 联系电话="13805371234", 职务="")
    plan = run(world.users.admin, xlsx([row]))
    assert plan.written
    assert Assignment.objects.get(pk=world.asg_a.pk).end_date == datetime.date(2026, 2, 28)


def test_the_error_list_needs_the_import_role(world, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    settings.MEDIA_ROOT = tmp_path
    login(world.users.admin).post(reverse("excel:import_start", args=["roster"]),
                                  {"file": SimpleUploadedFile("a.xlsx", xlsx([person("甲", "123")]))})
    record = ImportRecord.objects.get()
    assert login(world.users.leader).get(reverse("excel:import_errors", args=[record.pk])).status_code == 403
