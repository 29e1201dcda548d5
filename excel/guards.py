"""Measure a spreadsheet before it is read, and refuse one that would take more than an import can use.

calamine holds a sheet as one dense block from A1 to its farthest cell and aborts the whole process when it
cannot allocate it (one stray value in XFD1048576 of a 2 KB file asks for hundreds of gigabytes); it also
reserves memory for as many shared strings as a file claims. So every workbook is measured first, with a real
XML parser (expat, streaming, no DTD: entity bombs and external entities need one and Office never writes one)
or, for .xls, by walking the BIFF records: the farthest cell of each sheet, the declared extent, the number of
shared strings, the length of single cells. CSV is capped as it is read.

Whatever slips past these checks still meets the memory and time limits of the child process the file is read
in (excel.sandbox).
"""

import io
import pyexpat
import re
import struct

import olefile

from .errors import DAMAGED, PASSWORD, FileRejected

# A roster has 22 columns and a score sheet about 15; .xls itself stops at 256.
MAX_COLUMNS = 256
MAX_SHEET_ROWS = 1_048_576  # Excel's own limit
# 4 million cells are 180,000 rows of a roster: about 130 MB inside calamine, 300 MB as Python lists.
MAX_CELLS = 4_000_000
MAX_FIELD = 32_767  # Excel's limit on the characters in one cell

XML_DTD = "文件中含有 XML 实体声明（DTD），正常的 Excel 文件不会有，疑似异常文件，已拒绝。"


def extent_message(rows, columns, *, declared=False):
    what = "工作表声明的数据区域" if declared else "表格的数据区域"
    return (f"{what}过大（{rows} 行 × {columns} 列；上限为 {MAX_COLUMNS} 列、共 {MAX_CELLS} 个单元格），"
            "通常是很远处的单元格里有多余内容。请删去数据区域以外的内容，或用 Excel 另存为 .xlsx 后再上传。")


def check_extent(rows, columns, *, declared=False):
    if columns > MAX_COLUMNS or rows > MAX_SHEET_ROWS or rows * columns > MAX_CELLS:
        raise FileRejected(extent_message(rows, columns, declared=declared))


def field_message(where=""):
    return (f"{where}有单元格超过 {MAX_FIELD} 个字符（Excel 单元格的上限），文件可能已损坏或不是名册。"
            "请检查后再上传。")


# --- XML ------------------------------------------------------------------------------------------------------


def _refuse_dtd(*args):
    raise FileRejected(XML_DTD)


def xml_parser():
    """An expat parser with namespace processing (element names "uri local") that refuses any DTD."""
    parser = pyexpat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    parser.ExternalEntityRefHandler = _refuse_dtd
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    return parser


def parse_stream(parser, stream):
    try:
        parser.ParseFile(stream)
    except pyexpat.ExpatError:
        raise FileRejected(DAMAGED) from None


def _local(name):
    return name.rpartition(" ")[2]


class _Stop(Exception):
    pass


def check_shared_strings(stream):
    """calamine reserves room for as many strings as the root element's uniqueCount claims."""
    parser = xml_parser()

    def start(name, attributes):
        for key in ("count", "uniqueCount"):
            declared = _number(attributes.get(key), 0)
            if declared > MAX_CELLS:
                raise FileRejected(f"文件声明了 {declared} 个文本单元格，超过 {MAX_CELLS} 个的上限，"
                                   "疑似异常文件，已拒绝。")
        raise _Stop

    parser.StartElementHandler = start
    try:
        parse_stream(parser, stream)
    except _Stop:
        pass


def _number(text, default):
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


_COLUMN_INDEX = {}


def _column(letters):
    """"C" → 3 (1-based); None when the letters are not a column."""
    index = _COLUMN_INDEX.get(letters)
    if index is None:
        if not letters.isascii() or not letters.isalpha() or len(letters) > 7:
            return None
        index = 0
        for letter in letters.upper():
            index = index * 26 + ord(letter) - 64
        _COLUMN_INDEX[letters] = index
    return index


def _reference(ref):
    """"XFD1048576" → (1048576, 16384); None when it is not a cell reference."""
    letters = ref.rstrip("0123456789")
    digits = ref[len(letters):]
    column = _column(letters.lstrip("$").rstrip("$"))
    if column is None or not digits:
        return None
    return int(digits), column


# The fast path: a sheet whose every cell tag is written the plain way — <c r="C7" …> without a namespace prefix,
# the reference first and in double quotes — is measured with byte counts and regular expressions that start with
# a literal (both run in C at hundreds of MB/s). Any other spelling — attributes in another order, single quotes,
# prefixes, entity references, cells without a reference, comments, a DTD, another encoding — goes to the XML
# parser. Excel, WPS, LibreOffice, openpyxl and XlsxWriter all write the plain way.
_DECLARATION = re.compile(rb'\s*<\?xml version="1\.0"(?: encoding="(?i:utf-8)")?(?: standalone="(?:yes|no)")?\s*\?>')
_PLAIN_ROOT = re.compile(rb'\s*<worksheet[\s>]')
_PLAIN_COLUMNS = re.compile(rb'<c r="([A-Z]{1,3})[1-9]')
_PLAIN_DIMENSION = re.compile(rb'<dimension ref="([A-Z0-9:]*)"\s*/>')


def check_xlsx_sheet_bytes(xml):
    """check_xlsx_sheet for a sheet already in memory: the fast path when it applies, else the parser."""
    declaration = _DECLARATION.match(xml)
    begin, finish = xml.find(b"<sheetData"), xml.rfind(b"</sheetData>")
    if not _PLAIN_ROOT.match(xml, declaration.end() if declaration else 0) or begin < 0 or finish < begin:
        return check_xlsx_sheet(io.BytesIO(xml))
    head, data, tail = xml[:begin], xml[begin:finish], xml[finish:]
    # Inside sheetData the only elements whose names start with c are cells (rich text's <color> and <charset>
    # make the counts differ, and the parser takes over).
    cells = data.count(b"<c")
    if data.count(b'<c r="') != cells or b":c" in data or b"<c" in tail or b"<!" in head:
        return check_xlsx_sheet(io.BytesIO(xml))
    found = _PLAIN_COLUMNS.findall(data)
    dimensions = _PLAIN_DIMENSION.findall(head)
    if len(found) != cells or head.count(b"<dimension") != len(dimensions) or b"dimension" in tail:
        return check_xlsx_sheet(io.BytesIO(xml))
    for ref in dimensions:
        _check_dimension(ref.decode())
    columns = max((_column(ref.decode()) for ref in set(found)), default=0)
    # Rows below 10 ** digits always fit with this many columns; only farther ones are read one by one.
    digits = 0 if columns > MAX_COLUMNS else len(str(MAX_CELLS // max(columns, 1))) - 1
    far = re.findall(rb'<c r="[A-Z]{1,3}([1-9][0-9]{%d,})"' % digits, data)
    rows = max(map(int, far)) if far else 10 ** digits - 1
    check_extent(rows, columns)
    return rows, columns


def check_xlsx_sheet(stream):
    """The farthest cell of a worksheet and its declared <dimension>, whatever the attribute order or quoting, the
    namespace prefix, or missing r="…" references (then cells and rows follow one another, as calamine places
    them)."""
    parser = xml_parser()
    kinds = {}
    # current row, current column, farthest row, farthest column
    at = [0, 0, 0, 0]

    def start(name, attributes):
        kind = kinds.get(name)
        if kind is None:
            kind = kinds[name] = {"c": 1, "row": 2, "dimension": 3}.get(_local(name), 0)
        if kind == 1:
            ref = attributes.get("r")
            if ref is None:
                row, column = at[0] or 1, at[1] + 1
            else:
                place = _reference(ref)
                if place is None:
                    raise FileRejected(DAMAGED)
                row, column = place
            at[1] = column
            if row > at[2] or column > at[3]:
                at[2], at[3] = max(row, at[2]), max(column, at[3])
                check_extent(at[2], at[3])
        elif kind == 2:
            at[0] = _number(attributes.get("r"), at[0] + 1)
            at[1] = 0
        elif kind == 3:
            _check_dimension(attributes.get("ref", ""))

    parser.StartElementHandler = start
    parse_stream(parser, stream)
    return at[2], at[3]


def _check_dimension(ref):
    corners = [_reference(corner) for corner in ref.split(":")]
    if corners and all(corners):
        rows = max(row for row, _ in corners) - min(row for row, _ in corners) + 1
        columns = max(column for _, column in corners) - min(column for _, column in corners) + 1
        check_extent(rows, columns, declared=True)


def check_ods_content(stream):
    """Every table of an ods up to its last filled cell, repeats counted (number-rows-repeated="1000000" makes a
    1 KB file stand for billions of cells), and the length of each cell's text (<text:s text:c="…"/> repeats
    spaces). A row or cell that is empty, however often repeated, takes no room."""
    parser = xml_parser()
    # rows so far, widest filled row, columns so far in this row, end of its last filled cell, this cell's
    # repeat count, whether it is filled, its text length, inside a cell
    state = {"rows": 0, "width": 0, "columns": 0, "filled_to": 0, "filled": False, "length": 0, "in_cell": False}

    def start(name, attributes):
        local = _local(name)
        if local == "table":
            state.update(rows=0, width=0)
        elif local == "table-row":
            state["rows"] += _repeats(attributes, "number-rows-repeated")
            state.update(columns=0, filled_to=0)
        elif local in ("table-cell", "covered-table-cell"):
            state["columns"] += _repeats(attributes, "number-columns-repeated")
            filled = any(key.endswith("value-type") for key in attributes)
            state.update(filled=filled, length=0, in_cell=True)
        elif state["in_cell"]:
            state["filled"] = True
            if local == "s":
                state["length"] += _repeats(attributes, " c")
                _check_length()

    def end(name):
        local = _local(name)
        if local in ("table-cell", "covered-table-cell"):
            state["in_cell"] = False
            if state["filled"]:
                state["filled_to"] = state["columns"]
        elif local == "table-row" and state["filled_to"]:
            state["width"] = max(state["width"], state["filled_to"])
            check_extent(state["rows"], state["width"])

    def text(data):
        if state["in_cell"]:
            state["length"] += len(data)
            _check_length()

    def _check_length():
        if state["length"] > MAX_FIELD:
            raise FileRejected(field_message())

    parser.StartElementHandler, parser.EndElementHandler, parser.CharacterDataHandler = start, end, text
    parse_stream(parser, stream)


def _repeats(attributes, suffix):
    # Matched by the attribute's local name: calamine reads "table:number-rows-repeated" whatever the prefix means.
    for key, value in attributes.items():
        if key.endswith(suffix) or key == suffix.strip():
            return max(_number(value.strip(), 1), 1)
    return 1


# --- .xls (BIFF records inside an OLE2 compound file) ---------------------------------------------------------

_BOF, _DIMENSIONS, _SST = 0x0809, 0x0200, 0x00FC
_CELLS = {0x0006, 0x0203, 0x0204, 0x0205, 0x00FD, 0x027E, 0x0201, 0x00D6}  # formula, number, label, bool, …
_MULTI = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, …, last column
_LABEL = 0x0204


def xls_workbook_stream(data):
    """The BIFF stream of an .xls; FileRejected for an encrypted or damaged file."""
    try:
        ole = olefile.OleFileIO(data)
    except Exception:  # olefile raises many kinds on a damaged container
        raise FileRejected(DAMAGED) from None
    with ole:
        if ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo"):
            raise FileRejected(PASSWORD)
        name = next((n for n in ("Workbook", "Book", "workbook", "BOOK") if ole.exists(n)), None)
        if name is None or ole.get_type(name) != olefile.STGTY_STREAM:
            raise FileRejected(DAMAGED)
        if ole.get_size(name) > 4 * len(data) + 65536:
            raise FileRejected(DAMAGED)
        try:
            return ole.openstream(name).read()
        except Exception:
            raise FileRejected(DAMAGED) from None


def check_xls(data):
    """Each sheet's farthest cell and declared DIMENSIONS, and the shared-string count, from the BIFF records."""
    stream = xls_workbook_stream(data)
    unpack, size, position = struct.unpack_from, len(stream), 0
    rows = columns = 0
    while position + 4 <= size:
        kind, length = unpack("<HH", stream, position)
        body = position + 4
        position = body + length
        if position > size:
            break
        if kind in _CELLS and length >= 4:
            row, column = unpack("<HH", stream, body)
            if row >= rows or column >= columns:
                rows, columns = max(rows, row + 1), max(columns, column + 1)
                check_extent(rows, columns)
            if kind == _LABEL and length >= 8 and unpack("<H", stream, body + 6)[0] > MAX_FIELD:
                raise FileRejected(field_message())
        elif kind in _MULTI and length >= 6:
            row, = unpack("<H", stream, body)
            last, = unpack("<H", stream, position - 2)
            rows, columns = max(rows, row + 1), max(columns, last + 1)
            check_extent(rows, columns)
        elif kind == _BOF:
            rows = columns = 0  # a new sheet
        elif kind == _DIMENSIONS and length >= 14:
            first_row, end_row, first_column, end_column = unpack("<IIHH", stream, body)
            check_extent(max(end_row - first_row, 0), max(end_column - first_column, 0), declared=True)
        elif kind == _SST and length >= 8:
            unique, = unpack("<I", stream, body + 4)
            if unique > MAX_CELLS or unique > size:
                raise FileRejected(f"文件声明了 {unique} 个文本单元格，超过上限，疑似异常文件，已拒绝。")
