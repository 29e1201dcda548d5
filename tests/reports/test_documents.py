"""公文 in the GB/T 9704 layout: the red 发文机关标志, a 发文字号 from the county's sequence, 仿宋 三号 正文; the 通报
converted by headless LibreOffice; templates edited by county staff."""

import io
import shutil
import subprocess
import threading
import zipfile

import pytest
from django.db import connection
from django.urls import reverse
from docx import Document

from notifications.models import DocumentKind, DocumentNumber, DocumentTemplate
from presence import services as presence_services
from presence.models import Notice
from reports import documents
from tests.presence.test_absences import ABSENT, run_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(world):
    run_of(world, [ABSENT, ABSENT, ABSENT])
    notice = Notice.objects.get()
    presence_services.notice_issue(user=world.users.admin, notice=notice)
    notice.refresh_from_db()
    return notice


def download(client, notice):
    response = client.post(reverse("reports:notice_docx", args=[notice.pk]))
    assert response.status_code == 200 and response["Content-Type"] == documents.DOCX_CONTENT_TYPE
    return response.content


def runs(content):
    return [run for paragraph in Document(io.BytesIO(content)).paragraphs for run in paragraph.runs]


def test_the_notice_is_a_red_headed_document_with_its_number(world, notice, login):
    content = download(login(world.users.admin), notice)
    doc = Document(io.BytesIO(content))
    texts = [p.text for p in doc.paragraphs]
    year = notice.issued_at.year
    assert texts[0] == "中共金乡县委组织部文件" and texts[1] == f"金组〔{year}〕1号"
    assert "关于张伟同志连续不在岗情况的通报" in texts
    assert "各镇（街道）党（工）委，县直有关部门单位：" in texts
    assert any(notice.body.splitlines()[0].strip() in t for t in texts)
    assert "中共金乡县委组织部" in texts and any(t.startswith("抄送：") for t in texts)
    mark = doc.paragraphs[0].runs[0]
    assert str(mark.font.color.rgb) == "FF0000"
    body = next(p for p in doc.paragraphs if p.text.startswith("为严格落实"))
    run = body.runs[0]
    assert run.font.size.pt == 16 and run._element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia") == "仿宋_GB2312"
    section = doc.sections[0]
    assert (round(section.top_margin.mm), round(section.left_margin.mm)) == (37, 28)


def test_downloading_the_same_notice_again_keeps_its_number_and_the_next_gets_the_next(world, notice, login):
    client = login(world.users.admin)
    download(client, notice)
    download(client, notice)
    assert list(DocumentNumber.objects.values_list("number", flat=True)) == [1]
    period_like = DocumentTemplate.objects.get(kind=DocumentKind.NOTICE)
    second = documents.number_issue(template=period_like, year=notice.issued_at.year, title="另一份",
                                    user=world.users.admin)
    assert second.number == 2 and second.code == f"金组〔{notice.issued_at.year}〕2号"


def test_county_staff_edit_the_template(world, notice, login):
    client = login(world.users.admin)
    assert client.get(reverse("reports:document_template", args=["notice"])).status_code == 200
    template = DocumentTemplate.objects.get(kind="notice")
    data = {f: getattr(template, f) for f in ("issuer_mark", "issuer", "title", "main_to", "opening", "closing",
                                               "copy_to", "printer")}
    data.update(code_prefix="金组发", issuer_mark="中共金乡县委组织部")
    assert client.post(reverse("reports:document_template", args=["notice"]), data).status_code == 302
    texts = [p.text for p in Document(io.BytesIO(download(client, notice))).paragraphs]
    assert texts[0] == "中共金乡县委组织部" and texts[1].startswith("金组发〔")


def test_documents_are_for_county_staff_of_the_notices_county(world, notice, client, login):
    assert client.post(reverse("reports:notice_docx", args=[notice.pk])).status_code == 302
    for user in (world.users.town_a, world.users.leader, world.users.secretary):
        assert login(user).post(reverse("reports:notice_docx", args=[notice.pk])).status_code == 403
    assert login(world.users.admin_ls).post(reverse("reports:notice_docx", args=[notice.pk])).status_code == 404
    assert login(world.users.admin).get(reverse("reports:notice_docx", args=[notice.pk])).status_code == 405
    assert login(world.users.admin).get(reverse("reports:document_template", args=["nonsense"])).status_code == 404
    page = login(world.users.admin).get(reverse("reports:documents")).content.decode()
    assert notice.title in page and "张伟（县财政局）" in page


def test_the_archive_document_lists_the_person(world, login):
    response = login(world.users.admin).post(reverse("reports:archive_docx"), {"secretary": world.sec_a.pk})
    texts = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert "张伟同志个人实绩档案" in texts and any("县财政局" in t for t in texts)
    other = login(world.users.admin).post(reverse("reports:archive_docx"), {"secretary": world.sec_c.pk})
    assert other.status_code == 404


def test_the_notice_opens_in_libreoffice(world, notice, login, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice 未安装（apt-get install -y libreoffice-writer-nogui，需要 root）")
    content = download(login(world.users.admin), notice)
    source = tmp_path / "tongbao.docx"
    source.write_bytes(content)
    result = subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile",
                             "--convert-to", "txt:Text (encoded):UTF8", "--outdir", str(tmp_path), str(source)],
                            capture_output=True, text=True, timeout=180)
    text = (tmp_path / "tongbao.txt").read_text(encoding="utf-8-sig")
    assert result.returncode == 0
    assert f"金组〔{notice.issued_at.year}〕1号" in text and "中共金乡县委组织部文件" in text
    with zipfile.ZipFile(source) as archive_file:
        xml = archive_file.read("word/document.xml").decode()
    mark = xml.index("中共金乡县委组织部文件")
    assert 'w:color w:val="FF0000"' in xml[xml.rindex("<w:r>", 0, mark):mark]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="并发发文编号在 PostgreSQL 上检验（SQLite 串行写入）")
@pytest.mark.django_db(transaction=True)
def test_parallel_issues_never_share_a_number(world):
    from django.db import connections

    template = documents.template_for(world.county, DocumentKind.RESULTS)
    numbers, errors = [], []

    def issue(n):
        try:
            numbers.append(documents.number_issue(template=template, year=2025, title=f"第{n}份",
                                                  user=world.users.admin).number)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and sorted(numbers) == list(range(1, 9))
