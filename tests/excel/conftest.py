"""Builders for the files the reader tests upload: every file is made here, in memory; none is checked in."""

import csv
import io
import struct
import zipfile
from xml.sax.saxutils import escape

import openpyxl
from openpyxl.utils import coordinate_to_tuple


def xlsx(rows, *, start="A1", sheet="名册", hidden_sheet_first=False, merge_title=False):
    """An xlsx whose first visible sheet holds rows (lists of cell values) from the cell start on.

    None leaves a cell empty; a string starting with "=" is a formula, which openpyxl saves without a result.
    """
    workbook = openpyxl.Workbook()
    worksheet = workbook.active
    if hidden_sheet_first:
        worksheet.title = "说明"
        worksheet["A1"], worksheet["B1"] = "姓名", "身份证号"  # looks like a roster, but nobody sees it
        worksheet["A2"], worksheet["B2"] = "隐藏", "110105194912310029"
        worksheet.sheet_state = "hidden"
        worksheet = workbook.create_sheet()
    worksheet.title = sheet
    first_row, first_col = coordinate_to_tuple(start)
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            if value is not None:
                worksheet.cell(first_row + r, first_col + c, value)
    if merge_title:
        worksheet.merge_cells(start_row=first_row, start_column=first_col, end_row=first_row,
                              end_column=first_col + len(rows[-1]) - 1)
    return _save(workbook)


def _save(workbook):
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def replace_in_zip(data, path, old, new):
    """The archive with the text old replaced by new in one of its files, as another program might have written it."""
    old, new = old.encode(), new.encode()
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == path:
                if old not in content:  # openpyxl writes through lxml when installed (python-docx needs it)
                    old = old.decode().replace("<v />", "<v></v>").encode("ascii", "xmlcharrefreplace")
                assert old in content, content
                content = content.replace(old, new)
            target.writestr(entry, content)
    return buffer.getvalue()


def text_file(rows, *, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def ods(rows, *, start="A1"):
    """A minimal OpenDocument spreadsheet, written by hand: openpyxl cannot write ods."""
    first_row, first_col = coordinate_to_tuple(start)
    body = []
    if first_row > 1:
        body.append(f'<table:table-row table:number-rows-repeated="{first_row - 1}"><table:table-cell/>'
                    "</table:table-row>")
    for values in rows:
        cells = [f'<table:table-cell table:number-columns-repeated="{first_col - 1}"/>'] if first_col > 1 else []
        cells += [_ods_cell(value) for value in values]
        body.append(f"<table:table-row>{''.join(cells)}</table:table-row>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="名册">{"".join(body)}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/"'
        ' manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The mimetype entry comes first and uncompressed; that is how readers recognise OpenDocument.
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _ods_cell(value):
    if value is None:
        return "<table:table-cell/>"
    if isinstance(value, int | float):
        return (f'<table:table-cell office:value-type="float" office:value="{value}">'
                f"<text:p>{value}</text:p></table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(value)}</text:p></table:table-cell>'


def zip_file(entries):
    """A zip archive of name → bytes, compressed."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def compound_file(streams):
    """A minimal OLE2 compound file (version 3, 512-byte sectors), the container of .xls and of encrypted xlsx.

    streams: (name, bytes) pairs; each stream at least 4096 bytes and a whole number of sectors, so that all
    live in the main allocation table and no mini stream is needed.
    """
    sector = 512
    free, end_of_chain, fat_sector, no_stream = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    fat = [fat_sector, end_of_chain]  # sector 0 holds the allocation table, sector 1 the directory
    starts = []
    for _name, payload in streams:
        assert len(payload) >= 4096 and len(payload) % sector == 0
        first = len(fat)
        fat += [*range(first + 1, first + len(payload) // sector), end_of_chain]
        starts.append(first)
    assert len(fat) <= sector // 4
    fat += [free] * (sector // 4 - len(fat))

    def entry(name, kind, start, size, child=no_stream, right=no_stream):
        encoded = (name + "\0").encode("utf-16-le")
        return struct.pack("<64sHBBIII16sIQQIQ", encoded, len(encoded), kind, 1, no_stream, right, child,
                           bytes(16), 0, 0, 0, start, size)

    entries = [entry("Root Entry", 5, end_of_chain, 0, child=1)]
    for index, ((name, payload), start) in enumerate(zip(streams, starts, strict=True)):
        right = index + 2 if index + 1 < len(streams) else no_stream
        entries.append(entry(name, 2, start, len(payload), right=right))
    directory = b"".join(entries).ljust(sector, b"\0")
    header = struct.pack("<8s16sHHHHH6sIIIIIIIII", bytes.fromhex("D0CF11E0A1B11AE1"), bytes(16), 0x3E, 3, 0xFFFE,
                         9, 6, bytes(6), 0, 1, 1, 0, 4096, end_of_chain, 0, end_of_chain, 0)
    header += struct.pack("<I", 0) + struct.pack("<I", free) * 108  # the allocation table is sector 0
    return header + struct.pack(f"<{sector // 4}I", *fat) + directory + b"".join(p for _n, p in streams)

