"""Read an uploaded roster (xlsx, xls, ods or csv) into a Table: header row found, columns matched by name or
alias, every row numbered as the user sees it in Excel.

read_table() refuses a whole file with FileRejected (a message in Chinese); it never judges single cells, which
is the importer's job (values.py has the helpers).

The file's type comes from its content, never from its name: uploads named .xls are often xlsx, or web pages.
"""

import csv
import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from xml.etree import ElementTree

import python_calamine
from defusedxml import ElementTree as SafeElementTree

from . import guards
from .errors import DAMAGED, NOT_EXCEL, PASSWORD, UNSUPPORTED, ZIP_BOMB, FileRejected  # noqa: F401
from .values import FORMULA_WITHOUT_VALUE, normalize_header, normalize_text

MB = 1024 * 1024
HEADER_SEARCH_ROWS = 30

# Zip bombs are refused on the sizes the archive declares, before anything is decompressed. An ordinary xlsx
# unpacks to 5-20 times its size, so 50 times plus 10 MB leaves wide room; 500 MB is the ceiling whatever the size.
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL = 500 * MB
ZIP_MAX_RATIO = 200  # one entry: refused above this ratio when it also unpacks to more than ZIP_BIG_ENTRY
ZIP_BIG_ENTRY = 50 * MB

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")  # the stream an encrypted xlsx keeps inside OLE2

@dataclass(frozen=True)
class Column:
    """A column the importer wants: its key in Row.values, its header and the other names people give it."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False


@dataclass
class Row:
    """One data row. number is the row number the user sees in Excel (for CSV, the record number)."""

    number: int
    # key → value: str already normalize_text()-ed, int/float, date/datetime, bool, or FORMULA_WITHOUT_VALUE.
    # A blank cell is "". Columns the file does not have are not in the dict.
    values: dict[str, object]


@dataclass
class Table:
    """The rows of the first visible sheet, under the header row that names the columns."""

    header_row: int
    headers: dict[str, str]  # key → the header text as written in the file
    rows: list[Row]
    sheet_name: str
    extra_headers: list[str]  # headers in the file that match no column


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    max_rows: int = 50_000,
    max_bytes: int = 10 * MB,
) -> Table:
    """Read the first visible sheet of an xlsx, xls or ods file, or a CSV file, into a Table."""
    if not data:
        raise FileRejected("文件是空的。")
    if len(data) > max_bytes:
        raise FileRejected(f"文件超过 {max_bytes / MB:g} MB 的上限，请删去无关内容或拆分后分批上传。")
    if data.startswith(b"PK\x03\x04"):
        kind = _zip_kind(data)
    elif data.startswith(_OLE2):
        kind = "xls"  # or an encrypted xlsx, which calamine cannot open
    else:
        kind = "csv"
    if kind == "csv":
        sheet_name, grid, row_offset = _csv_name(filename), _read_csv(data), 0
    elif kind == "xls":
        guards.check_xls(data)  # calamine reads every sheet of an .xls as it opens the file
        sheet_name, grid, row_offset = _read_workbook(data, kind)
    else:
        sheet_name, grid, row_offset = _read_workbook(data, kind)
    return _table(grid, row_offset, sheet_name, columns, max_rows)


# --- What kind of file ---------------------------------------------------------------------------------------


def _zip_kind(data):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _refuse_zip_bomb(archive.infolist(), len(data))
            names = set(archive.namelist())
            if "mimetype" in names:
                with archive.open("mimetype") as mimetype:
                    if mimetype.read(100).strip() == _ODS_MIMETYPE:
                        # calamine expands every sheet of an ods as it opens it, so all are measured first
                        if "content.xml" in names:
                            with archive.open("content.xml") as content:
                                guards.check_ods_content(content)
                        return "ods"
            if "xl/workbook.xml" in names:
                # calamine reads the shared strings as it opens the workbook, reserving room for all it is told of
                shared = next((n for n in names if n.lower() == "xl/sharedstrings.xml"), None)
                if shared:
                    with archive.open(shared) as strings:
                        guards.check_shared_strings(strings)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, RuntimeError, NotImplementedError, EOFError, OSError,
            zlib.error):
        raise FileRejected(DAMAGED) from None
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "xl/workbook.bin" in names:
        raise FileRejected("不支持 .xlsb 格式，请在 Excel 中另存为 .xlsx 后上传。")
    raise FileRejected(NOT_EXCEL)


def _refuse_zip_bomb(entries, size):
    if len(entries) > ZIP_MAX_ENTRIES:
        raise FileRejected(ZIP_BOMB)
    if sum(entry.file_size for entry in entries) > min(50 * size + 10 * MB, ZIP_MAX_TOTAL):
        raise FileRejected(ZIP_BOMB)
    for entry in entries:
        if entry.file_size > ZIP_BIG_ENTRY and entry.file_size > ZIP_MAX_RATIO * max(entry.compress_size, 1):
            raise FileRejected(ZIP_BOMB)


# --- Workbooks (calamine) ------------------------------------------------------------------------------------


def _read_workbook(data, kind):
    """→ (sheet name, rows of cells, row offset) of the first visible worksheet; rows hold calamine's values,
    with FORMULA_WITHOUT_VALUE put in for xlsx.

    The row offset says which sheet row grid[0] is (0-based). calamine 0.9.1's to_python(skip_empty_area=False)
    starts at A1, so it is 0; it is worked out from sheet.end rather than assumed.
    """
    try:
        with python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)) as workbook:
            index = _first_visible_sheet(workbook.sheets_metadata)
            name = workbook.sheet_names[index]
            formulas = _inspect_xlsx_sheet(data, name) if kind == "xlsx" else []  # before calamine expands it
            sheet = workbook.get_sheet_by_index(index)
            grid, end = sheet.to_python(skip_empty_area=False), sheet.end
    except python_calamine.PasswordError:
        raise FileRejected(PASSWORD) from None
    except python_calamine.CalamineError:
        if kind == "xls" and _ENCRYPTED_PACKAGE in data:  # guards found it first unless the container is odd
            raise FileRejected(PASSWORD) from None
        raise FileRejected(DAMAGED) from None
    row_offset, col_offset = (end[0] + 1 - len(grid), end[1] + 1 - len(grid[0])) if grid and end else (0, 0)
    for row, col in formulas:
        _put(grid, row - row_offset, col - col_offset, FORMULA_WITHOUT_VALUE)
    if not grid:
        raise FileRejected(f"第一个工作表“{name}”是空的，请把名册放在第一个工作表。")
    return name, grid, row_offset


def _first_visible_sheet(sheets):
    for index, sheet in enumerate(sheets):
        if sheet.visible == python_calamine.SheetVisibleEnum.Visible and \
                sheet.typ == python_calamine.SheetTypeEnum.WorkSheet:
            return index
    raise FileRejected("工作簿里没有可见的工作表。")


def _put(grid, row, col, value):
    if row < 0 or col < 0:
        return
    while len(grid) <= row:  # calamine leaves formula cells without a value out of the sheet's range
        grid.append([])
    cells = grid[row]
    if len(cells) <= col:
        cells.extend([""] * (col + 1 - len(cells)))
    cells[col] = value


# The sheet's XML is searched with bytes.find and regular expressions, never parsed: a parser costs a Python call
# per element, these a few milliseconds for a 10,000-row sheet. Cells are written <c r="C7" ...> by Excel, WPS,
# LibreOffice and the Python and .NET libraries; a prefix such as <x:c> is taken from the root element.
_ROOT = re.compile(rb"(?:\s*<[?!][^>]*>)*\s*<([\w.-]+:)?worksheet\b")
_CELL_START = re.compile(rb"<(?:[\w.-]+:)?c\s([^>]*)>")
_REFERENCE = re.compile(rb"""\br=["']([A-Z]{1,3})([0-9]+)["']""")
_CELL_TYPE = re.compile(rb"""\bt=["']([^"']*)["']""")
_VALUE = re.compile(rb"\s*<(?:[\w.-]+:)?v(?:\s[^>]*)?(?:/>|>([^<]*)<)")


def _inspect_xlsx_sheet(data, sheet_name):
    """Refuse a sheet that reaches too far (guards.check_xlsx_sheet: a real XML parser, whatever the attribute
    order or quoting); → (row, column), 0-based, of each formula cell without a saved result.

    calamine reads a formula without <v> as an empty cell. One whose saved result is the empty string (t="str" and
    an empty <v>) has a result: Excel writes that for =IF(A1="","",…). Cells without an r="C7" reference cannot be
    placed and are left as calamine read them.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            path = _sheet_path(archive, sheet_name)
            if not path:
                return []  # calamine will say what is wrong with the file
            xml = archive.read(path)
            guards.check_xlsx_sheet_bytes(xml)
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, RuntimeError, OSError, zlib.error, EOFError):
        raise FileRejected(DAMAGED) from None
    except ValueError:  # defusedxml: a DTD in workbook.xml
        raise FileRejected(guards.XML_DTD) from None
    root = _ROOT.match(xml)
    needle = b"<" + (root.group(1) or b"" if root else b"") + b"f"
    found = []
    start = xml.find(needle)
    while start >= 0:
        cell = _formula_without_value(xml, start, start + len(needle))
        if cell:
            found.append(cell)
        start = xml.find(needle, start + len(needle))
    return found


def _formula_without_value(xml, start, end):
    """(row, column) of the cell whose formula element starts at xml[start:], if that cell has no saved result."""
    if xml[end : end + 1] not in (b" ", b">", b"/", b"\t", b"\r", b"\n"):
        return None  # <font>, <formula1>, <filterColumn>…
    cell = _CELL_START.match(xml, xml.rfind(b"<", 0, start))  # <f> is the first child of <c>
    reference = cell and _REFERENCE.search(cell.group(1))
    if not reference:
        return None
    tag_end = xml.find(b">", end)
    after = tag_end + 1 if xml[tag_end - 1] == ord("/") else xml.find(b">", xml.find(b"</", tag_end)) + 1
    value = _VALUE.match(xml, after)
    cell_type = _CELL_TYPE.search(cell.group(1))
    if value and (value.group(1) or cell_type and cell_type.group(1) == b"str"):
        return None
    letters, number = reference.groups()
    return int(number) - 1, _column_index(letters)


def _sheet_path(archive, sheet_name):
    """The zip path of the worksheet named sheet_name, through workbook.xml and its relationships."""
    relation = None
    for element in SafeElementTree.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True).iter():
        if element.tag.rpartition("}")[2] == "sheet" and element.get("name") == sheet_name:
            relation = next((value for key, value in element.attrib.items() if key.endswith("}id")), None)
            break
    for element in SafeElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True):
        if element.get("Id") == relation:
            target = element.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
    return None


def _column_index(letters):
    """b"C" → 2."""
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index - 1


# --- CSV -----------------------------------------------------------------------------------------------------

_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")  # text files have none of these; binary files are full of them
_MARKUP = re.compile(r"\s*<(?:!doctype|html|\?xml|table|head|meta|body)\b", re.IGNORECASE)


def _read_csv(data):
    text = None
    if b"\0" not in data:
        for encoding in ("utf-8-sig", "gb18030"):  # Excel saves "CSV UTF-8" with a BOM and plain "CSV" as GBK
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                pass
    if text is None or _CONTROL.search(text, 0, 65536):
        raise FileRejected(UNSUPPORTED)
    if _MARKUP.match(text):
        raise FileRejected("文件是网页或 XML 格式，不是真正的 Excel 文件（有些系统导出的 .xls 就是这样）。"
                           "请用 Excel 打开，另存为 .xlsx 后再上传。")
    grid = _csv_rows(text)
    if not any(any(cell.strip() for cell in cells) for cells in grid):
        raise FileRejected("文件是空的。")
    return grid


def _csv_rows(text):
    """The records of a CSV text, refused as soon as they reach further than a sheet may (a line of ten million
    commas would otherwise become ten million cells) or a field is longer than a cell may be."""
    grid, width, longest = [], 0, guards.MAX_FIELD
    try:
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)):
            if len(cells) > width:
                width = len(cells)
                guards.check_extent(len(grid) + 1, width)
            if cells and len(max(cells, key=len)) > longest:
                raise FileRejected(guards.field_message(f"第 {len(grid) + 1} 行"))
            grid.append(cells)
            if len(grid) * width > guards.MAX_CELLS or len(grid) > guards.MAX_SHEET_ROWS:
                guards.check_extent(len(grid), width)
    except csv.Error:  # a field over the csv module's own limit (131,072 characters), or a NUL in a field
        raise FileRejected(guards.field_message()) from None
    return grid


def _delimiter(text):
    """The one of , tab ; that the first lines use most; a comma when none is used."""
    lines = text[:65536].splitlines()[:HEADER_SEARCH_ROWS]
    counts = {delimiter: sum(line.count(delimiter) for line in lines) for delimiter in ",\t;"}
    return max(counts, key=counts.get) if any(counts.values()) else ","


def _csv_name(filename):
    # Excel names the sheet of an opened CSV after the file.
    return posixpath.basename(filename.replace("\\", "/")).rpartition(".")[0] or filename


# --- Header row and rows -------------------------------------------------------------------------------------


def _table(grid, row_offset, sheet_name, columns, max_rows):
    header_index = _find_header_row(grid, columns)
    positions, headers, extra_headers = _match_headers(grid[header_index], columns)
    mapping = list(positions.items())
    width = max(positions.values()) + 1
    cleaned = {}  # normalize_text() remembered: the same few hundred strings (units, villages, 是/否) fill most cells
    rows = []
    # A plain loop: in Python 3.11 a comprehension per row would cost a function call per row.
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        values = {}
        blank = True
        for key, position in mapping:
            value = cells[position]
            if value.__class__ is str and value:
                text = cleaned.get(value)
                if text is None:
                    if len(value) > guards.MAX_FIELD:
                        raise FileRejected(guards.field_message(f"第 {index + row_offset + 1} 行"))
                    text = cleaned[value] = normalize_text(value)
                value = text
            if blank and value != "":
                blank = False
            values[key] = value
        if blank:
            continue
        if len(rows) == max_rows:
            raise FileRejected(f"数据超过 {max_rows} 行的上限，请拆分后分批上传。")
        rows.append(Row(number=index + row_offset + 1, values=values))
    if not rows:
        raise FileRejected("文件只有表头，没有数据行。")
    return Table(header_row=header_index + row_offset + 1, headers=headers, rows=rows, sheet_name=sheet_name,
                 extra_headers=extra_headers)


def _names(columns):
    """normalised header or alias → column key."""
    return {normalize_header(name): column.key for column in columns for name in (column.header, *column.aliases)}


def _find_header_row(grid, columns):
    """Index of the row, among the first 30 that have anything in them, naming the most columns (the first of
    equals). It must name at least two, so a title row that happens to be a column name is not taken."""
    names = _names(columns)
    first = next((index for index, cells in enumerate(grid) if any(normalize_header(cell) for cell in cells)), 0)
    best, best_score = None, min(2, len(columns)) - 1
    for index in range(first, min(first + HEADER_SEARCH_ROWS, len(grid))):
        score = len({names[name] for name in map(normalize_header, grid[index]) if name in names})
        if score > best_score:
            best, best_score = index, score
    if best is None:
        examples = "、".join(column.header for column in ([c for c in columns if c.required] or columns)[:3])
        raise FileRejected(f"没有找到表头行：请确认第一行（或标题行之后）是列名，如 {examples}…")
    return best


def _match_headers(cells, columns):
    """→ (key → cell position, key → header as written, headers that match no column); refuses duplicates and
    missing required columns."""
    names = _names(columns)
    by_key = {column.key: column for column in columns}
    positions, headers, extra = {}, {}, []
    for position, cell in enumerate(cells):
        name = normalize_header(cell)
        if not name:
            continue
        written = cell if isinstance(cell, str) else normalize_text(cell)
        key = names.get(name)
        if key is None:
            extra.append(written)
        elif key in positions:
            raise FileRejected(f"表头中“{headers[key]}”和“{written}”是同一列（{by_key[key].header}），"
                               "请删去其中一列。")
        else:
            positions[key] = position
            headers[key] = written
    missing = [column for column in columns if column.required and column.key not in positions]
    if missing:
        accepted = "；".join("/".join((column.header, *column.aliases)) for column in missing)
        raise FileRejected(f"缺少必填列：{'、'.join(column.header for column in missing)}（可用的列名：{accepted}）")
    return positions, headers, extra
