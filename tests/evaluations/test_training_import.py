"""培训签到表 through the import pipeline: matched like the score sheets (unknown and out of scope alike), checked
row by row, written all or nothing with an audit row per person."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from accounts.models import AuditLog
from evaluations.models import TrainingAttendance
from evaluations.services import training
from evaluations.training_import import OUTSIDE, AttendanceImporter
from excel.models import ImportRecord

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "身份证号", "出勤情况", "计入学时", "备注"]


@pytest.fixture
def session(world):
    return training.session_create(user=world.users.admin, region=world.county, topic="全县驻村第一书记示范培训班",
                                   level="county", organiser="县委组织部", start_date=datetime.date(2025, 3, 14),
                                   end_date=datetime.date(2025, 3, 15), hours=Decimal("16"))


def xlsx(rows, headers=HEADERS):
    book = Workbook()
    book.active.append(headers)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def run(user, session, data, commit=True):
    return AttendanceImporter(user, session=session.pk).run(data, "签到表.xlsx", commit=commit)


def test_a_sign_in_sheet_records_attendance_with_audit_rows(world, session):
    plan = run(world.users.admin, session, xlsx([
        ["张伟", "", "", "", ""],
        ["李娜", world.sec_b.id_number, "出勤", "8", "第二天请假"],
    ]))
    assert plan.problems == [] and plan.written and plan.counts["new"] == 2
    assert {r.secretary_id: (r.status, r.hours, r.note) for r in TrainingAttendance.objects.all()} == {
        world.sec_a.pk: ("present", Decimal("16"), ""), world.sec_b.pk: ("present", Decimal("8"), "第二天请假")}
    assert AuditLog.objects.filter(content_type__model="trainingattendance", action="create").count() == 2
    again = run(world.users.admin, session, xlsx([["张伟", "", "请假", "", "因病"]]))
    assert again.counts["updated"] == 1 and TrainingAttendance.objects.get(secretary=world.sec_a).status == "leave"
    assert TrainingAttendance.objects.get(secretary=world.sec_b).hours == Decimal("8")  # not in the sheet: kept


def test_unknown_and_out_of_scope_people_are_answered_alike(world):
    session = training.session_create(user=world.users.town_a, region=world.town_a, topic="胡集镇业务培训会",
                                      level="township", organiser="胡集镇党委", start_date=datetime.date(2025, 5, 18),
                                      end_date=datetime.date(2025, 5, 18), hours=Decimal("4"))
    plan = run(world.users.town_a, session, xlsx([
        ["李娜", world.sec_b.id_number, "", "", ""],  # 鸡黍镇: not 胡集镇's to record
        ["王强", world.sec_c.id_number, "", "", ""],  # another county
        ["某某", "11010519491231002X", "", "", ""],  # registered nowhere
    ]), commit=False)
    assert [p.reason for p in plan.problems] == ["该身份证号" + OUTSIDE] * 3
    by_name = run(world.users.town_a, session, xlsx([["李娜", "", "", "", ""], ["无此人", "", "", "", ""]]),
                  commit=False)
    assert [p.reason for p in by_name.problems] == ["“李娜”" + OUTSIDE, "“无此人”" + OUTSIDE]


def test_any_bad_row_writes_nothing(world, session):
    plan = run(world.users.admin, session, xlsx([
        ["张伟", "", "出勤", "20", ""],
        ["李娜", "", "迟到", "", ""],
        ["张伟", "", "", "", ""],
        ["", "", "", "", ""],
    ]))
    reasons = [(p.row, p.reason) for p in plan.problems]
    assert (2, "计入学时不能超过本期培训的 16.0 学时。") in reasons
    assert any(row == 3 and "不是有效的选项" in reason for row, reason in reasons)
    assert (4, "与第 2 行是同一人，每人只能有一行。") in reasons
    assert not plan.written and not TrainingAttendance.objects.exists()


def test_the_web_flow_previews_then_writes(world, session, login):
    client = login(world.users.admin)
    start = reverse("excel:import_start", args=["training"]) + f"?session={session.pk}"
    assert "导入到：全县驻村第一书记示范培训班" in client.get(start).content.decode()
    upload = SimpleUploadedFile("签到表.xlsx", xlsx([["张伟", "", "", "", ""]]))
    response = client.post(start, {"file": upload, "session": session.pk})
    record = ImportRecord.objects.get()
    assert response["Location"] == record.get_absolute_url() and record.counts["new"] == 1
    page = client.get(record.get_absolute_url()).content.decode()
    assert "张伟" in page and "出勤 16 学时" in page
    assert not TrainingAttendance.objects.exists()
    client.post(reverse("excel:import_confirm", args=[record.pk]))
    assert TrainingAttendance.objects.get().secretary == world.sec_a


def test_another_townships_session_cannot_be_imported_into(world, login):
    theirs = training.session_create(user=world.users.town_b, region=world.town_b, topic="鸡黍镇业务培训会",
                                     level="township", organiser="鸡黍镇党委", start_date=datetime.date(2025, 5, 18),
                                     end_date=datetime.date(2025, 5, 18), hours=Decimal("4"))
    start = reverse("excel:import_start", args=["training"]) + f"?session={theirs.pk}"
    assert login(world.users.town_a).get(start).status_code == 404
    assert login(world.users.secretary).get(start).status_code == 403
