"""A hostile-file corpus, generated here (no checked-in binaries): every file is refused within 10 s and 600 MB
with a Chinese message and nothing written — read in the child process (its peak memory and wall time measured),
uploaded through the web page as a township official, and given to `manage.py import_roster`.

Roster columns are the roster importer's, so the same files exercise all three roads.
"""

import io
import re
import struct
import zipfile
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from accounts.models import AuditLog
from excel import guards
from excel.errors import FileRejected
from excel.models import ImportRecord
from excel.sandbox import Usage, read_limited, run_limited
from secretaries.importers import COLUMNS
from secretaries.models import Assignment, DispatchUnit, Secretary
from tests.excel.conftest import compound_file, ods, replace_in_zip, text_file, zip_file
from tests.secretaries.test_roster_import import HEADERS, person, xlsx

MB = 1024 * 1024
SHEET1 = "xl/worksheets/sheet1.xml"
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CJK = re.compile("[\u4e00-\u9fff]")


def roster():
    return xlsx([person("孙丽", "370828198503141236")])


def far(cells):
    """The roster with cells appended to its sheet data, written as another program might."""
    return replace_in_zip(roster(), SHEET1, "</sheetData>", cells + "</sheetData>")


def sheet_xml(data):
    return zipfile.ZipFile(io.BytesIO(data)).read(SHEET1).decode()


def in_sheet(before, after):
    return replace_in_zip(roster(), SHEET1, before, after)


LAUGHS = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lollollollollollollollollollol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
          + "]>")
XXE = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


def with_prolog(path, prolog, entity):
    """The roster with a DTD in front of one of its XML parts and an entity used in it."""
    source = zipfile.ZipFile(io.BytesIO(roster()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == path:
                text = re.sub(r"^<\?xml[^>]*\?>", "", content.decode())
                text = text.replace("<sheetData>", f"<sheetData><row r=\"90\"><c r=\"A90\" t=\"inlineStr\"><is><t>"
                                                   f"&{entity};</t></is></c></row>", 1)
                content = (prolog + text).encode()
            target.writestr(entry.filename, content)
    return buffer.getvalue()


def shared_strings(root_attributes, strings):
    """An xlsx (written by hand) whose sheet's name cell refers to a shared string."""
    sst = f'<sst xmlns="{MAIN}" {root_attributes}>' + "".join(f"<si><t>{s}</t></si>" for s in strings) + "</sst>"
    sheet = (f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>身份证号</t></is></c><c r="C1" t="inlineStr"><is><t>所驻村</t></is></c>'
             '<c r="D1" t="inlineStr"><is><t>派出单位</t></is></c></row><row r="2"><c r="A2" t="s"><v>0</v></c>'
             '<c r="B2" t="inlineStr"><is><t>370828198503141236</t></is></c></row></sheetData></worksheet>')
    return handmade_xlsx(sheet, sst)


def handmade_xlsx(sheet, sst=None):
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                               '<Default Extension="xml" ContentType="application/xml"/>'
                               '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                               'officedocument.spreadsheetml.sheet.main+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                       f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/>'
                       "</Relationships>",
        "xl/workbook.xml": f'<workbook xmlns="{MAIN}" xmlns:r="{rel}"><sheets><sheet name="名册" sheetId="1" '
                           'r:id="rId1"/></sheets></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                                      f'relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
                                      'Target="worksheets/sheet1.xml"/>'
                                      + (f'<Relationship Id="rId2" Type="{rel}/sharedStrings" '
                                         'Target="sharedStrings.xml"/>' if sst else "") + "</Relationships>",
        "xl/worksheets/sheet1.xml": sheet,
    }
    if sst:
        parts["xl/sharedStrings.xml"] = sst
    return zip_file({name: text.encode() for name, text in parts.items()})


def xls(cells):
    xlwt = pytest.importorskip("xlwt", reason="xlwt (writes .xls) is not installed; see requirements-dev.txt")
    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("名册")
    for col, header in enumerate(HEADERS):
        sheet.write(0, col, header)
    for row, col, value in cells:
        sheet.write(row, col, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xls_patched(record, body, data=None):
    """A small .xls whose first record of this type begins with another body (xlwt writes the workbook stream
    in one piece, so its records can be walked from the first BOF)."""
    data = data or xls([(1, 0, "孙丽")])
    at = data.find(struct.pack("<HH", 0x0809, 16))
    while True:
        kind, length = struct.unpack_from("<HH", data, at)
        if kind == record:
            return data[:at + 4] + body + data[at + 4 + len(body):]
        at += 4 + length


def ods_replaced(old, new):
    return replace_in_zip(ods([HEADERS, person("孙丽", "370828198503141236")]), "content.xml", old, new)


ODS_ROW = '<table:table-row><table:table-cell office:value-type="string"><text:p>孙丽'


def zip_bomb():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open(SHEET1, "w", force_zip64=True) as entry:
            for _ in range(200):
                entry.write(bytes(MB))
    return buffer.getvalue()


def many_far_rows():
    # A real 10-million-cell sheet would be a 200 MB test file; its extent is what calamine allocates.
    return far('<row r="1000000"><c r="J1000000"><v>1</v></c></row>')


CORPUS = {
    # Far cells, every spelling: plain, single quotes, another attribute order, spaces round "=", a namespace
    # prefix, a character reference, lower case, cells without references, a lying <dimension>.
    "far cell, plain": ("花名册.xlsx", lambda: far('<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')),
    "far cell, single quotes and another order": (
        "花名册.xlsx", lambda: far("<row r='1048576'><c t='n' s='0' r='XFD1048576'><v>1</v></c></row>")),
    "far cell, spaces round the equals sign": (
        "花名册.xlsx", lambda: far('<row r = "1048576" ><c\n  r = "XFD1048576"\n/></row>')),
    "far cell, namespace prefix": (
        "花名册.xlsx", lambda: far(f'<x:row xmlns:x="{MAIN}" r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c>'
                                   "</x:row>")),
    "far cell, character reference": ("花名册.xlsx", lambda: far('<row r="1048576"><c r="&#88;FD1048576"/></row>')),
    "far cell, lower case": ("花名册.xlsx", lambda: far('<row r="1048576"><c r="xfd1048576"/></row>')),
    "far cell, only rows count": ("花名册.xlsx", lambda: far('<row r="1048576"><c><v>1</v></c></row>'
                                                          '<row><c/></row>')),
    "cells without references, 300 wide": ("花名册.xlsx", lambda: far("<row>" + "<c><v>1</v></c>" * 300 + "</row>")),
    "declared dimension of the whole grid": ("花名册.xlsx", lambda: in_sheet(
        re.search(r'<dimension ref="[A-Z0-9:]+"/>', sheet_xml(roster()))[0], '<dimension ref="A1:XFD1048576"/>')),
    "ten million cells": ("花名册.xlsx", many_far_rows),
    # XML attacks: entity expansion and external entities, in the sheet and in the workbook.
    "billion laughs in the sheet": ("花名册.xlsx", lambda: with_prolog(SHEET1, LAUGHS, "lol9")),
    "billion laughs in the workbook": ("花名册.xlsx", lambda: with_prolog("xl/workbook.xml", LAUGHS, "lol9")),
    "external entity in the sheet": ("花名册.xlsx", lambda: with_prolog(SHEET1, XXE, "xxe")),
    "billion laughs in an ods": ("花名册.ods", lambda: replace_in_zip(
        ods_replaced("<text:p>孙丽", "<text:p>&lol9;"), "content.xml", '<?xml version="1.0" encoding="UTF-8"?>',
        LAUGHS)),
    # Compression.
    "zip bomb": ("花名册.xlsx", zip_bomb),
    "zip of too many entries": ("花名册.xlsx", lambda: zip_file({f"xl/s{n}.xml": b"" for n in range(10_001)})),
    # Shared strings: a count that makes calamine reserve hundreds of GB, a string longer than a cell may be.
    "shared strings claiming four billion": ("花名册.xlsx", lambda: shared_strings(
        'count="4000000000" uniqueCount="4000000000"', ["孙丽"])),
    "shared string of 100,000 characters": ("花名册.xlsx", lambda: shared_strings(
        'count="1" uniqueCount="1"', ["孙" * 100_000])),
    # Fields and delimiters in text files.
    "csv field over the csv module's limit": ("花名册.csv", lambda: text_file(
        [HEADERS, person("孙" * 140_000, "370828198503141236")])),
    "csv field over a cell's limit": ("花名册.csv", lambda: text_file(
        [HEADERS, person("孙" * 40_000, "370828198503141236")])),
    "ten megabytes of commas": ("花名册.csv", lambda: b"," * (9 * MB)),
    "ten megabytes of tabs and semicolons": ("花名册.csv", lambda: b"\t;" * (4 * MB)),
    "ten megabytes of line breaks": ("花名册.csv", lambda: ",".join(HEADERS).encode() + b"\n" * (9 * MB)),
    "ten megabytes of quotes": ("花名册.csv", lambda: b'"' * (9 * MB)),
    # .xls: a cell at IV65536, a DIMENSIONS record claiming the grid, a shared-string table claiming billions.
    "sparse xls": ("花名册.xls", lambda: xls([(1, 0, "孙丽"), (65535, 255, "x")])),
    "sparse xls that declares a small sheet": ("花名册.xls", lambda: xls_patched(
        0x0200, struct.pack("<IIHHH", 0, 2, 0, 15, 0), xls([(1, 0, "孙丽"), (65535, 255, "x")]))),
    "xls claiming the whole grid": ("花名册.xls", lambda: xls_patched(0x0200, struct.pack("<IIHHH", 0, 65536, 0,
                                                                                           256, 0))),
    "xls shared strings claiming billions": ("花名册.xls", lambda: xls_patched(0x00FC, struct.pack(
        "<II", 4_000_000_000, 4_000_000_000))),
    # ods: a filled row repeated a million times, in single quotes; a cell of a billion spaces.
    "ods repeating a filled row": ("花名册.ods", lambda: ods_replaced(ODS_ROW, (
        "<table:table-row table:number-rows-repeated='1000000'><table:table-cell table:number-columns-"
        "repeated='100' office:value-type='string'><text:p>孙丽"))),
    "ods cell of a billion spaces": ("花名册.ods", lambda: ods_replaced(
        "<text:p>孙丽", '<text:p>孙<text:s text:c="1000000000"/>丽')),
    # Encrypted and mislabelled files.
    "encrypted xlsx": ("花名册.xlsx", lambda: compound_file([("EncryptionInfo", bytes(4096)),
                                                             ("EncryptedPackage", bytes(8192))])),
    "web page saved as xls": ("花名册.xls", lambda: b"<html><body><table><tr><td>" + "姓名".encode() * 100
                              + b"</td></tr></table></body></html>"),
    "zip bomb named csv": ("花名册.csv", zip_bomb),
    "far cell named xls": ("花名册.xls", lambda: far("<row r='1048576'><c r='XFD1048576'/></row>")),
    "word document named xlsx": ("花名册.xlsx", lambda: zip_file({"[Content_Types].xml": b"<Types/>",
                                                                  "word/document.xml": b"<w:document/>"})),
    "png named xlsx": ("花名册.xlsx", lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 64),
    "pdf named csv": ("花名册.csv", lambda: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02"),
    "xlsb": ("花名册.xlsb", lambda: zip_file({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0" * 10})),
}


@pytest.fixture(scope="module")
def corpus():
    return {name: (filename, build()) for name, (filename, build) in CORPUS.items()}


def counts():
    return (Secretary.objects.count(), Assignment.objects.count(), DispatchUnit.objects.count(),
            AuditLog.objects.count())


@pytest.mark.parametrize("case", list(CORPUS))
def test_each_hostile_file_is_refused_in_the_child_within_10_s_and_600_mb(corpus, case):
    filename, data = corpus[case]
    usage = Usage()
    with pytest.raises(FileRejected) as refused:
        read_limited(data, filename, COLUMNS, max_rows=200_000, max_bytes=10 * MB, usage=usage)
    print(f"{case}: {usage.seconds:.2f} s, child peak {usage.peak_rss_mb:.0f} MB ({usage.added_mb:.0f} MB its own),"
          f" {usage.outcome}: {refused.value.message[:40]}")
    assert CJK.search(refused.value.message)
    assert usage.seconds < 10
    assert usage.added_mb < 600


@pytest.mark.faults
@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CORPUS))
def test_each_hostile_file_uploaded_on_the_web_is_refused_and_writes_nothing(corpus, case, world, login, settings):
    # The roster is imported by county staff (township officials may not import people at all).
    settings.IMPORT_MAX_BYTES = 10 * MB
    filename, data = corpus[case]
    before = counts()
    client = login(world.users.admin)
    response = client.post(reverse("excel:import_start", args=["roster"]),
                           {"file": SimpleUploadedFile(filename, data)})
    assert response.status_code == 302
    record = ImportRecord.objects.get()
    page = client.get(record.get_absolute_url()).content.decode()
    assert record.problems and record.problems[0][0] == 0 and CJK.search(record.problems[0][2])
    assert "确认导入（全部写入）" not in page
    assert not record.has_upload
    assert counts() == before


@pytest.mark.faults
@pytest.mark.django_db
@pytest.mark.parametrize("case", list(CORPUS))
def test_each_hostile_file_given_to_the_command_is_refused_and_writes_nothing(corpus, case, world, tmp_path):
    filename, data = corpus[case]
    path = tmp_path / filename
    path.write_bytes(data)
    before = counts()
    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roster", str(path), "--user", "admin_jx", stdout=out)
    assert exit_.value.code == 1
    assert "有错误，未写入任何数据" in out.getvalue() and CJK.search(out.getvalue().splitlines()[1])
    assert counts() == before


# --- The child's limits, for whatever the checks above do not know --------------------------------------------


def _allocate_forever():
    hoard = []
    while True:
        hoard.append(bytearray(64 * MB))


def _spin():
    while True:
        pass


def _abort():
    import os

    os.abort()


@pytest.mark.parametrize("work", [_allocate_forever, _spin, _abort], ids=["memory", "time", "abort"])
def test_a_child_that_runs_out_of_memory_or_time_or_aborts_is_a_chinese_refusal(work, settings):
    settings.IMPORT_PARSE_SECONDS = 2
    usage = Usage()
    with pytest.raises(FileRejected) as refused:
        run_limited(work, (), memory_mb=256, seconds=2, usage=usage)
    assert refused.value.message.startswith("文件过大或格式异常，无法读取")
    assert usage.outcome == "limit" and usage.seconds < 5 and usage.added_mb < 300


def test_a_good_roster_comes_back_from_the_child_unchanged():
    from excel.reader import read_table

    data = xlsx([person("孙丽", "370828198503141236"), person("周敏", "37082819880520006X")])
    direct = read_table(data, "花名册.xlsx", COLUMNS)
    assert read_limited(data, "花名册.xlsx", COLUMNS, max_rows=10, max_bytes=MB) == direct


def test_the_checks_name_their_limits():
    assert f"{guards.MAX_COLUMNS} 列" in guards.extent_message(1, 300)
    assert str(guards.MAX_CELLS) in guards.extent_message(1, 300)
    assert str(guards.MAX_FIELD) in guards.field_message()
