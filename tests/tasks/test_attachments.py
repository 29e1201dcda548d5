"""Attachments: PDF, Word, Excel, JPG and PNG up to 10 MB, checked by content; served only through the scoped
views, as a download under the original name, never from a public media URL."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tasks.models import PlanAttachment, TaskAttachment

from .conftest import make_plan

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


def docx():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(client, url, name, data):
    return client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)


@pytest.mark.parametrize("name, data", [("评定文件.pdf", PDF), ("照片.png", PNG), ("台账.docx", docx())])
def test_a_secretary_attaches_evidence_to_their_item(world, login, task_a, media, name, data):
    client = login(world.users.secretary)
    page = upload(client, reverse("tasks:task_attach", args=[task_a.pk]), name, data).content.decode()
    assert "附件已上传" in page
    attachment = TaskAttachment.objects.get()
    assert (attachment.name, attachment.size) == (name, len(data))
    assert name not in attachment.file.name  # the stored name carries nothing of the user's
    assert attachment.file.path.startswith(str(media))
    response = client.get(reverse("tasks:task_attachment", args=[task_a.pk, attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == data
    assert "attachment;" in response["Content-Disposition"]


@pytest.mark.parametrize("name, data, message", [
    ("病毒.exe", b"MZ\x90\0", "不支持的附件类型"),
    ("伪装.pdf", b"<html><script>", "内容与扩展名不符"),
    ("伪装.docx", PDF, "内容与扩展名不符"),
    ("空.pdf", b"", "是空的"),
])
def test_wrong_files_are_refused(world, login, task_a, name, data, message):
    page = upload(login(world.users.secretary), reverse("tasks:task_attach", args=[task_a.pk]), name, data)
    assert message in page.content.decode()
    assert not TaskAttachment.objects.exists()


def test_a_file_over_10_mb_is_refused(world, login, task_a):
    data = PDF + b"0" * (10 * 1024 * 1024)
    page = upload(login(world.users.secretary), reverse("tasks:task_attach", args=[task_a.pk]), "大.pdf", data)
    assert "超过 10 MB" in page.content.decode()
    assert not TaskAttachment.objects.exists()


def test_attachments_are_served_only_within_scope(world, login, task_a):
    client = login(world.users.secretary)
    upload(client, reverse("tasks:task_attach", args=[task_a.pk]), "评定文件.pdf", PDF)
    url = reverse("tasks:task_attachment", args=[task_a.pk, TaskAttachment.objects.get().pk])
    assert login(world.users.town_a).get(url).status_code == 200
    assert login(world.users.town_b).get(url).status_code == 404
    assert login(world.users.admin_ls).get(url).status_code == 404
    assert login(world.users.contact).get(url).status_code == 404
    # Only the item's secretary (or county staff) adds files.
    refused = login(world.users.town_a).post(reverse("tasks:task_attach", args=[task_a.pk]),
                                             {"file": SimpleUploadedFile("x.pdf", PDF)})
    assert refused.status_code == 403


def test_an_attachment_of_another_item_is_404(world, login, task_a, task_b):
    login(world.users.admin).post(reverse("tasks:task_attach", args=[task_b.pk]),
                                  {"file": SimpleUploadedFile("b.pdf", PDF)})
    other = TaskAttachment.objects.get()
    assert login(world.users.secretary).get(
        reverse("tasks:task_attachment", args=[task_a.pk, other.pk])).status_code == 404


def test_plan_attachments(world, login):
    plan = make_plan(world.village_a)
    client = login(world.users.secretary)
    upload(client, reverse("tasks:plan_attach", args=[plan.pk]), "规划.pdf", PDF)
    attachment = PlanAttachment.objects.get()
    assert client.get(reverse("tasks:plan_attachment", args=[plan.pk, attachment.pk])).status_code == 200
    assert login(world.users.town_b).get(
        reverse("tasks:plan_attachment", args=[plan.pk, attachment.pk])).status_code == 404
    assert login(world.users.town_a).post(reverse("tasks:plan_attach", args=[plan.pk]),
                                          {"file": SimpleUploadedFile("x.pdf", PDF)}).status_code == 403
