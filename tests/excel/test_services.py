"""excel.services: the confirm as a plain idempotent function, its bookkeeping in the data's transaction, files kept
in the database and purged, database conflicts as Chinese messages."""

import datetime
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from excel import services
from excel.models import ImportRecord, ImportUpload
from secretaries.models import Secretary
from tests import factories as f
from tests.secretaries.test_roster_import import person, xlsx

pytestmark = pytest.mark.django_db


def preview(client, rows, name="花名册.xlsx"):
    client.post(reverse("excel:import_start", args=["roster"]), {"file": SimpleUploadedFile(name, xlsx(rows))})
    return ImportRecord.objects.latest("pk")


def test_the_upload_is_kept_in_the_database_until_confirmed_then_deleted_at_once(world, login):
    client = login(world.users.admin)
    record = preview(client, [person("孙丽", f.id_number())])
    assert bytes(ImportUpload.objects.get(record=record).data)[:2] == b"PK"  # the xlsx itself
    client.post(reverse("excel:import_confirm", args=[record.pk]))
    assert not ImportUpload.objects.filter(record=record).exists()


def test_confirm_is_idempotent_the_second_call_does_nothing(world, login):
    record = preview(login(world.users.admin), [person("孙丽", f.id_number())])
    first = services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk)
    second = services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk)
    assert first.written and first.message.startswith("导入完成：新增 1 人")
    assert not second.written and second.message == "该导入已确认，不能再次确认。"
    assert Secretary.objects.filter(name="孙丽").count() == 1


def test_a_second_confirm_in_the_browser_says_it_was_confirmed(world, login):
    client = login(world.users.admin)
    record = preview(client, [person("孙丽", f.id_number())])
    client.post(reverse("excel:import_confirm", args=[record.pk]))
    page = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True).content.decode()
    assert "该导入已确认" in page


@pytest.mark.parametrize("action", ["excel:import_confirm", "excel:import_replan"])
def test_confirming_or_rechecking_a_preview_whose_file_is_gone_is_a_chinese_message(world, login, action):
    client = login(world.users.admin)
    record = preview(client, [person("孙丽", f.id_number())])
    ImportUpload.objects.filter(record=record).delete()
    response = client.post(reverse(action, args=[record.pk]), follow=True)
    assert response.status_code == 200
    assert "上传的文件已不在服务器上" in response.content.decode()
    record.refresh_from_db()
    assert record.status == "expired" and not Secretary.objects.filter(name="孙丽").exists()


def test_a_crash_after_the_data_is_written_leaves_neither_data_nor_a_done_record(world, login, monkeypatch):
    record = preview(login(world.users.admin), [person("孙丽", f.id_number())])

    def crash(self, *args, **kwargs):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(ImportUpload, "delete", crash)  # after the data and the record's new status, before commit
    with pytest.raises(RuntimeError):
        services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk)
    record.refresh_from_db()
    assert record.status == "pending" and record.has_upload
    assert not Secretary.objects.filter(name="孙丽").exists()
    monkeypatch.undo()
    assert services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk).written  # both, at once
    record.refresh_from_db()
    assert record.status == "done" and Secretary.objects.filter(name="孙丽").count() == 1


def test_a_command_crash_before_its_record_is_written_writes_no_data_either(world, tmp_path, monkeypatch):
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([person("孙丽", f.id_number())]))

    def crash(*args, **kwargs):
        raise RuntimeError("the command died here")

    monkeypatch.setattr(ImportRecord.objects, "create", crash)
    with pytest.raises(RuntimeError):
        call_command("import_roster", str(path), "--user", "admin_jx", stdout=StringIO())
    assert not Secretary.objects.filter(name="孙丽").exists() and not ImportRecord.objects.exists()
    monkeypatch.undo()
    call_command("import_roster", str(path), "--user", "admin_jx", stdout=StringIO())
    assert Secretary.objects.filter(name="孙丽").exists() and ImportRecord.objects.get().status == "done"


def test_a_deadlock_is_retried_and_then_the_import_is_written(world, login, monkeypatch):
    record = preview(login(world.users.admin), [person("孙丽", f.id_number())])
    real, calls = services._confirm_once, []

    class Deadlock(Exception):
        sqlstate = "40P01"

    def deadlock_once(*args):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from Deadlock()
        return real(*args)

    monkeypatch.setattr(services, "_confirm_once", deadlock_once)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    assert services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk).written
    assert len(calls) == 2


def test_a_database_that_stays_busy_is_a_chinese_message_and_nothing_written(world, login, monkeypatch):
    record = preview(login(world.users.admin), [person("孙丽", f.id_number())])

    def locked(*args):
        raise OperationalError("database is locked")

    monkeypatch.setattr(services, "_confirm_once", locked)
    monkeypatch.setattr(services.time, "sleep", lambda seconds: None)
    outcome = services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk)
    assert not outcome.written and outcome.message.startswith("数据库繁忙")


def test_purge_deletes_expired_uploads_and_the_previews_personal_data(world, login):
    client = login(world.users.admin)
    number = f.id_number()
    # The same number twice (a problem), and in the file's name.
    record = preview(client, [person("孙丽", number), person("周敏", number)], name=f"孙丽{number}.xlsx")
    assert number in str(record.samples) + record.file_name
    ImportRecord.objects.filter(pk=record.pk).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    out = StringIO()
    call_command("purge_imports", stdout=out)
    assert "已清理 1 条" in out.getvalue()
    record.refresh_from_db()
    assert record.status == "expired" and record.purged_at and not record.has_upload and record.samples == {}
    assert number not in str(record.problems) + str(record.notes) + record.file_name
    assert record.file_name == f"孙丽{number[:6]}{'*' * 12}.xlsx"
    page = client.get(record.get_absolute_url()).content.decode()
    assert "预览明细已于" in page and number not in page


def test_a_done_import_keeps_its_counts_but_not_its_samples_after_expiry(world, login):
    client = login(world.users.admin)
    number = f.id_number()
    record = preview(client, [person("孙丽", number)])
    services.import_confirm(import_id=record.pk, user_id=world.users.admin.pk)
    assert services.import_purge(now=timezone.now() + datetime.timedelta(days=2)) == 1
    record.refresh_from_db()
    assert record.status == "done" and record.counts["new"] == 1 and record.samples == {}
    assert services.import_purge(now=timezone.now() + datetime.timedelta(days=3)) == 0


def test_mask_numbers_keeps_the_birthplace_code_only():
    assert services.mask_numbers("身份证号370828198503141236与第 3 行重复") == "身份证号370828************与第 3 行重复"
    assert services.mask_numbers("37082819880520006X") == "370828************"
    assert services.mask_numbers("13905370000 与 2024") == "13905370000 与 2024"


def test_the_preview_page_runs_a_fixed_number_of_queries_whatever_the_problems(world, login,
                                                                                django_assert_max_num_queries):
    client = login(world.users.admin)
    record = preview(client, [person(f"孙丽{i}", "370828198503141237") for i in range(120)])  # 120 bad numbers
    assert len(record.problems) >= 120
    with django_assert_max_num_queries(12):
        assert client.get(record.get_absolute_url()).status_code == 200
