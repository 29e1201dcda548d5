"""Streaming, formula-safe xlsx writing (DESIGN.md: "Excel out").

Rows are consumed lazily and written by XlsxWriter in constant-memory mode: each row goes to a temporary file as
soon as the next one starts, with its strings inline (no shared-string table), so memory does not grow with the
number of rows. Rows must therefore be written in order, top to bottom — they are.
"""

import contextlib
import datetime
import functools
import math
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

import xlsxwriter.workbook
from django.http import FileResponse
from django.utils import timezone
from xlsxwriter import Workbook
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellStringTuple, Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetml.sheet"

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm:ss"
DURATION_FORMAT = "[h]:mm:ss"
HEADER_STYLE = {"bold": True, "pattern": 1, "bg_color": "#DDEBF7", "align": "center", "valign": "vcenter"}

OPTIONS_SHEET = "选项"
OPTIONS_REF = "'" + OPTIONS_SHEET.replace("'", "''") + "'"  # quoted, as a formula names a non-ASCII sheet
# Excel refuses a list validation whose source, written out with its commas, is longer than this.
INLINE_LIST_LIMIT = 255
NUMBER_TYPES = (int, float, Decimal)
PLAIN_STRINGS_KEPT = 2_000  # distinct strings a sheet remembers as plain (the recent ones: rows come grouped)
# A str cell starting with one of these needs a look before it is written: a formula trigger, or "<" (see
# _write_text). Every other string goes straight to write_string.
SPECIAL_STARTS = frozenset(FORMULA_TRIGGERS) | {"<"}
# A str longer than this may pass the 32,767 UTF-16 units a cell holds (an emoji counts two): XlsxWriter cuts it to
# what Excel reads, so it goes the usual way.
LONG_STRING = 32_767 // 2

# constant_memory: one row in memory at a time, strings inline. (It needs in_memory off, the default: the sheets
# are assembled from temporary files, then zipped into `target`, a path or a binary file object alike.) A NaN or an
# infinity becomes #NUM! or #DIV/0! rather than an error that stops the whole export.
WORKBOOK_OPTIONS = {"constant_memory": True, "in_memory": False, "nan_inf_to_errors": True}


class QuickZipFile(zipfile.ZipFile):
    """The zip XlsxWriter packs the sheets into, deflated at level 1 rather than zlib's 6: a fifth less time for a
    large export (packing is a quarter of it), a file about a tenth larger. XlsxWriter names no level of its own."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("compresslevel", 1)
        super().__init__(*args, **kwargs)


xlsxwriter.workbook.ZipFile = QuickZipFile  # every workbook of the site is written here


# A string XlsxWriter would write other than as it is, inside <t>…</t>: one with something to escape or encode
# (&, <, >, control characters, text shaped like its own _xHHHH_ escapes), with spaces to preserve at either end,
# or one it would take for its own rich-string markup (<r>…</r>). Anything else takes the short way.
NEEDS_XLSXWRITER = re.compile(r'[\x00-\x08\x0b-\x1f&<>"\n\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$')


class StreamingWorksheet(Worksheet):
    """XlsxWriter's worksheet with a short way for the commonest cell of an export, a plain string.

    In constant_memory mode XlsxWriter writes every string cell through some dozen calls (control-character
    escapes, whitespace, XML escapes, rich-string markup, the cell's style); for a string that needs none of them
    the result is always the same fragment, written here directly: a third less time for a string-heavy sheet.
    Every other cell, and every string that needs any of it, goes the usual way. tests/excel/test_writer.py
    compares the sheets byte for byte with XlsxWriter's own, so an upgrade that changed the fragment is caught.
    """

    def _write_cell(self, row, col, cell):
        if (cell.__class__ is not CellStringTuple or not self.constant_memory or self.row_info
                or NEEDS_XLSXWRITER.search(cell.string)):
            super()._write_cell(row, col, cell)
            return
        # The style as XlsxWriter picks it: the cell's format, else the column's (no row has a format: see above).
        cell_format = cell.format
        if not cell_format:
            column = self.col_info.get(col)
            cell_format = column.column_format if column is not None else None
        style = f' s="{cell_format._get_xf_index()}"' if cell_format is not None else ""
        self.fh.write(
            f'<c r="{xl_rowcol_to_cell_fast(row, col)}"{style} t="inlineStr"><is><t>{cell.string}</t></is></c>'
        )

    def write_plain_row(self, row, values, text_columns, formats):
        """Write a whole row of plain cells at once, as XlsxWriter would write them cell by cell; False (having
        written nothing) if any cell needs more: a str with something to escape or a special first character, a
        number in a text column, a date, a bool, a float that is not finite, anything else. An export's detail rows
        are nearly all plain, and this takes a small part of the time of the cell-by-cell way: each distinct
        string is looked at once (exports repeat their names, places and labels), each column's cell reference
        prefix is made once."""
        if self.row_info or not self.constant_memory:
            return False
        if self.table and row > self.previous_row:
            self._write_single_row(row)  # the row before, written the usual way (the header), as XlsxWriter would
        strings = self._plain_strings
        refs = self._column_refs
        number = row + 1
        cells = []
        first = None
        for col, value in enumerate(values):
            kind = value.__class__
            if kind is str:
                if not value:
                    continue
                fragment = strings.get(value)
                if fragment is None:
                    if value[0] in SPECIAL_STARTS or len(value) > LONG_STRING or NEEDS_XLSXWRITER.search(value):
                        return False
                    if len(strings) > PLAIN_STRINGS_KEPT:
                        strings.clear()
                    fragment = strings[value] = f' t="inlineStr"><is><t>{value}</t></is></c>'
                style = self._text_style(formats) if col in text_columns else ""
                cells.append(f"{refs(col)}{number}\"{style}{fragment}")
            elif value is None:
                continue
            elif col not in text_columns and (kind is int or (kind is Decimal and value.is_finite())
                                              or (kind is float and math.isfinite(value))):
                cells.append(f"{refs(col)}{number}\"><v>{value:.16G}</v></c>")
            else:
                return False
            if first is None:
                first = col
            last = col
        if not cells:
            return True
        self.previous_row = row
        if self.dim_rowmin is None or row < self.dim_rowmin:
            self.dim_rowmin = row
        if self.dim_rowmax is None or row > self.dim_rowmax:
            self.dim_rowmax = row
        if self.dim_colmin is None or first < self.dim_colmin:
            self.dim_colmin = first
        if self.dim_colmax is None or last > self.dim_colmax:
            self.dim_colmax = last
        self.fh.write(f'<row r="{number}">{"".join(cells)}</row>')
        return True

    @functools.cached_property
    def _plain_strings(self):
        return {}

    @functools.cached_property
    def _column_refs(self):
        return functools.cache(lambda col: f'<c r="{xl_col_to_name(col)}')

    def _text_style(self, formats):
        # Asked for when the first text cell is written, as XlsxWriter does: the style numbers come out the same.
        return f' s="{formats.text._get_xf_index()}"'

    def discard(self):
        """Close and remove the temporary file of the rows written so far (a workbook that will not be saved)."""
        if self.row_data_fh is not None and not self.row_data_fh_closed:
            self.row_data_fh.close()
            self.row_data_fh_closed = True
        if self.row_data_filename is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.row_data_filename)
            self.row_data_filename = None


def safe_cell(value):
    """The value as it may go into a cell: a string that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


@dataclass
class SheetSpec:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]
    text_columns: set[int] = frozenset()  # 0-based column indexes written as text (number format "@")
    widths: dict[int, int] | None = None  # 0-based column index → width in characters
    dropdowns: dict[int, Sequence[str]] | None = None  # 0-based column index → the allowed values
    freeze_header: bool = True


def write_workbook(target, sheets: Sequence[SheetSpec], *, dropdown_rows=5000):
    """Write the sheets to `target` (a path or a binary file object); the dropdowns cover rows 2..dropdown_rows,
    or down to the last row written if there are more."""
    workbook = Workbook(target, WORKBOOK_OPTIONS)
    try:
        formats = _Formats(workbook)
        options = []  # long dropdown lists, one column each on the hidden options sheet
        for spec in sheets:
            _write_sheet(workbook, formats, spec, options, dropdown_rows)
        if options:
            _write_options_sheet(workbook, options)
    except BaseException:
        # Nothing is written to `target` (XlsxWriter writes it only on close()); the temporary files go.
        for sheet in workbook.worksheets():
            sheet.discard()
        raise
    workbook.close()


def xlsx_response(filename, sheets):
    """A download of the workbook, written to a temporary file on disk rather than into memory."""
    file = tempfile.TemporaryFile()
    try:
        write_workbook(file, sheets)
        file.seek(0)
    except BaseException:
        file.close()
        raise
    # FileResponse closes the file once sent, and writes a non-ASCII name as RFC 5987 filename*.
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, workbook):
        self.header = workbook.add_format(HEADER_STYLE)
        self.text = workbook.add_format({"num_format": TEXT_FORMAT})
        self.date = workbook.add_format({"num_format": DATE_FORMAT})
        self.datetime = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.time = workbook.add_format({"num_format": TIME_FORMAT})
        self.duration = workbook.add_format({"num_format": DURATION_FORMAT})


def _write_sheet(workbook, formats, spec, options, dropdown_rows):
    sheet = workbook.add_worksheet(spec.title, worksheet_class=StreamingWorksheet)
    text_columns = spec.text_columns
    widths = spec.widths or {}
    for index, header in enumerate(spec.headers):
        width = widths.get(index) or max(10, 2 * len(str(header)) + 4)
        # The column's own format: what a user types into an empty cell of a text column stays text too.
        sheet.set_column(index, index, width, formats.text if index in text_columns else None)
    if spec.freeze_header:
        sheet.freeze_panes(1, 0)

    for index, header in enumerate(spec.headers):
        header = safe_cell(str(header))
        if header:
            _write_text(sheet, 0, index, header, formats.header)
        else:
            sheet.write_blank(0, index, None, formats.header)

    # Per cell: one test of the type. A str cell's format is looked up by column; a str that starts with a
    # character a spreadsheet (or XlsxWriter) would read specially takes _write_text, every other type write_other.
    string_formats = [formats.text if index in text_columns else None for index in range(len(spec.headers))]
    width = len(string_formats)
    write_string = sheet.write_string
    write_other = _other_writer(sheet, formats, text_columns)
    write_plain_row = getattr(sheet, "write_plain_row", None)
    last_row = 0
    for last_row, row in enumerate(spec.rows, start=1):
        if write_plain_row is not None and write_plain_row(last_row, row, text_columns, formats):
            continue
        for index, value in enumerate(row):
            if value.__class__ is str:
                if value:
                    cell_format = string_formats[index] if index < width else None
                    if value[0] in SPECIAL_STARTS:
                        _write_text(sheet, last_row, index, value, cell_format)
                    else:
                        write_string(last_row, index, value, cell_format)
            elif value is not None:
                write_other(last_row, index, value)

    for index, values in (spec.dropdowns or {}).items():
        _dropdown(sheet, index, values, max(dropdown_rows, last_row + 1), options)


def _other_writer(sheet, formats, text_columns):
    """Write a cell that holds anything but a str (None excepted): dates, numbers, booleans, other objects."""
    def write_other(row, col, value):
        if isinstance(value, datetime.datetime):
            if timezone.is_aware(value):
                value = timezone.make_naive(value)  # Excel has no time zones: local time, as the pages show it
            sheet.write_datetime(row, col, value, formats.datetime)
        elif isinstance(value, datetime.date):
            sheet.write_datetime(row, col, value, formats.date)
        elif col in text_columns:
            _write_text(sheet, row, col, str(value), formats.text)
        elif isinstance(value, bool):
            sheet.write_string(row, col, "是" if value else "否")
        elif isinstance(value, NUMBER_TYPES):
            sheet.write_number(row, col, value)
        elif isinstance(value, datetime.time):
            sheet.write_datetime(row, col, value, formats.time)
        elif isinstance(value, datetime.timedelta):
            sheet.write_datetime(row, col, value, formats.duration)
        else:  # a str subclass, a lazy translation, a model instance: as its text
            _write_text(sheet, row, col, str(value), None)

    return write_other


def _write_text(sheet, row, col, value, cell_format):
    """A string cell, formula-safe; written as it is, whatever it looks like. Nothing for an empty string."""
    value = safe_cell(value)
    if not value:
        return
    if value.startswith("<r>") and value.endswith("</r>"):
        # In constant_memory mode XlsxWriter copies a string shaped like this into the XML unescaped, as a rich
        # string it made itself: it would corrupt the file, or smuggle in a formula. As three runs of plain text
        # it is escaped and reads back as the same text.
        fragments = ["<", "r", value[2:]] + ([cell_format] if cell_format is not None else [])
        sheet.write_rich_string(row, col, *fragments)
        return
    sheet.write_string(row, col, value, cell_format)


def _dropdown(sheet, index, values, last_row, options):
    values = [str(value) for value in values]
    inline = ",".join(values)
    if len(inline) <= INLINE_LIST_LIMIT and not any("," in value or '"' in value for value in values):
        source = values  # XlsxWriter writes a list as the quoted inline source, "男,女"
    else:
        options.append(values)
        letter = xl_col_to_name(len(options) - 1)
        source = f"={OPTIONS_REF}!${letter}$1:${letter}${max(len(values), 1)}"
    # Rows are 0-based here: row 1 is the one below the header, last_row - 1 the sheet's row `last_row`.
    sheet.data_validation(1, index, last_row - 1, index, {
        "validate": "list", "source": source, "ignore_blank": True, "show_error": True,
        "error_title": "输入有误", "error_message": "请从下拉列表中选择。",
    })


def _write_options_sheet(workbook, options):
    sheet = workbook.add_worksheet(OPTIONS_SHEET, worksheet_class=StreamingWorksheet)
    sheet.hide()
    for position in range(max(len(values) for values in options)):
        for column, values in enumerate(options):
            if position < len(values):
                _write_text(sheet, position, column, values[position], None)
