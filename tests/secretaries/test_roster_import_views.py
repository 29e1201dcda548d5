"""The browser flow: upload → preview → confirm → result; scoped, login required, never a 500."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from excel.models import ImportRecord
from secretaries.models import Secretary
from tests import factories as f

from .test_roster_import import person, xlsx

pytestmark = pytest.mark.django_db


def upload(client, data, name="花名册.xlsx", **extra):
    return client.post(reverse("excel:import_start", args=["roster"]),
                       {"file": SimpleUploadedFile(name, data), **extra})


def test_upload_previews_without_writing_then_confirm_writes(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.users.admin)
    number = f.id_number()
    response = upload(client, xlsx([person("孙丽", number)]))
    record = ImportRecord.objects.get()
    assert response.url == record.get_absolute_url()
    page = client.get(record.get_absolute_url()).content.decode()
    assert "确认导入" in page and "孙丽" in page and number in page
    assert not Secretary.objects.filter(id_number=number).exists() and record.has_upload
    done = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True)
    assert "导入完成：新增 1 人" in done.content.decode()
    record.refresh_from_db()
    assert record.status == "done" and not record.has_upload
    assert Secretary.objects.filter(id_number=number).exists()
    again = client.post(reverse("excel:import_confirm", args=[record.pk]), follow=True)
    assert "不能再次确认" in again.content.decode()


def test_errors_are_listed_and_downloadable_and_nothing_can_be_confirmed(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.users.admin)
    upload(client, xlsx([person("孙丽", "370828198503141237")]))
    record = ImportRecord.objects.get()
    page = client.get(record.get_absolute_url()).content.decode()
    assert "校验位" in page and "确认导入（全部写入）" not in page
    sheet = load_workbook(io.BytesIO(b"".join(client.get(reverse("excel:import_errors", args=[record.pk]))
                                               .streaming_content))).active
    assert [c.value for c in sheet[1]] == ["行号", "列名", "错误原因"]
    assert [c.value for c in sheet[2]][:2] == [2, "身份证号"]
    client.post(reverse("excel:import_confirm", args=[record.pk]))
    assert not Secretary.objects.filter(name="孙丽").exists()


@pytest.mark.parametrize("name, data, message", [
    ("a.xlsx", b"", "文件是空的"),
    ("a.xlsx", b"\x00\x01\x02binary", "不支持的文件类型"),
    ("a.csv", "姓名,身份证号,派出单位,所驻村\n".encode("gbk"), "只有表头"),
    ("a.csv", "姓名,电话\n张三,1\n".encode(), "缺少必填列"),
])
def test_hostile_or_empty_files_get_one_clear_message(world, login, settings, tmp_path, name, data, message):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.users.admin)
    response = upload(client, data, name)
    page = client.get(response.url).content.decode()
    assert message in page
    assert not ImportRecord.objects.get().has_upload  # a refused file is not kept


def test_a_file_over_the_size_cap_is_refused(world, login, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(login(world.users.admin), b"x" * 200)
    assert "文件过大" in response.content.decode()
    assert not ImportRecord.objects.exists()


def test_a_gbk_csv_is_read(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    number = f.id_number()
    text = "姓名,身份证号,联系电话,派出单位,镇（街道）,所驻村,派驻层级,开始日期\n" \
           f"孙丽,{number},13905370000,县财政局,胡集镇,李楼村,县派,2025年3月1日\n"
    response = upload(login(world.users.admin), text.encode("gbk"), "花名册.csv")
    record = ImportRecord.objects.get()
    assert record.counts["new"] == 1, record.problems
    assert response.status_code == 302


def test_an_expired_preview_cannot_be_confirmed(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.users.admin)
    upload(client, xlsx([person("孙丽", f.id_number())]))
    ImportRecord.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    response = client.post(reverse("excel:import_confirm", args=[ImportRecord.objects.get().pk]), follow=True)
    assert "预览已过期" in response.content.decode()
    assert not Secretary.objects.filter(name="孙丽").exists()
    assert ImportRecord.objects.get().status == "expired"


def test_import_pages_are_scoped_and_need_a_login(world, login, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    upload(login(world.users.admin), xlsx([person("孙丽", f.id_number(), township="鸡黍镇", village="前进村")]))
    record = ImportRecord.objects.get()
    urls = [reverse("excel:import_detail", args=[record.pk]), reverse("excel:import_errors", args=[record.pk])]
    other_county = login(world.users.admin_ls)
    for url in urls:
        assert other_county.get(url).status_code == 404
    assert other_county.post(reverse("excel:import_confirm", args=[record.pk])).status_code == 404
    assert login(world.users.leader).get(reverse("excel:import_start", args=["roster"])).status_code == 403
    client.logout()
    response = client.get(reverse("excel:import_start", args=["roster"]))
    assert response.status_code == 302 and "login" in response.url
    assert client.get(reverse("excel:import_start", args=["nonsense"])).status_code == 302


def test_the_template_has_the_headers_text_columns_dropdowns_and_instructions(world, login):
    response = login(world.users.admin).get(reverse("excel:import_template", args=["roster"]))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = book.worksheets[0]
    headers = [c.value for c in sheet[1]]
    assert headers[:2] == ["*姓名", "*身份证号"] and "性别" not in headers
    assert sheet.column_dimensions["B"].number_format == "@"  # typed IDs stay text, all 18 digits
    assert any("县派" in (v.formula1 or "") or v.formula1.startswith("选项") or "!" in v.formula1
               for v in sheet.data_validations.dataValidation)
    assert "填表说明" in book.sheetnames
