"""Review: the whole-row fast path writes a string longer than a cell holds (32,767 characters: a long 民情日记 or
note) as XlsxWriter does, cut to what Excel reads, instead of a cell Excel refuses as unreadable content."""

import io
import zipfile

from xlsxwriter.worksheet import Worksheet

from excel import writer
from excel.writer import SheetSpec, write_workbook


def sheet_xml(monkeypatch, worksheet_class, rows):
    monkeypatch.setattr(writer, "StreamingWorksheet", worksheet_class)
    buffer = io.BytesIO()
    write_workbook(buffer, [SheetSpec("日志", ["姓名", "内容"], rows)])
    with zipfile.ZipFile(buffer) as package:
        return package.read("xl/worksheets/sheet1.xml")


def test_a_string_longer_than_a_cell_is_cut_as_xlsxwriter_cuts_it(monkeypatch):
    rows = [["张伟", "走访" * 20_000], ["李娜", "短"], ["王强", "😀" * 20_000]]
    ours = sheet_xml(monkeypatch, writer.StreamingWorksheet, rows)
    theirs = sheet_xml(monkeypatch, Worksheet, rows)
    assert ours == theirs
    assert ("走访" * 20_000).encode() not in ours and ("走访" * 16_383 + "走").encode() in ours
