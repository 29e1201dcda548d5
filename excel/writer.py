"""Streaming, formula-safe xlsx writing (DESIGN.md: "Excel out").

Rows are consumed lazily and written by openpyxl's write-only workbook, which streams each sheet to a temporary
file and writes strings inline (no shared-string table), so memory does not grow with the number of rows.
"""

import datetime
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetml.sheet"

# A spreadsheet reads a cell that starts with one of these as a formula (OWASP: CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
HEADER_ALIGNMENT = Alignment(horizontal="center", vertical="center")

OPTIONS_SHEET = "选项"
# Excel refuses a list validation whose source, written out with its commas, is longer than this.
INLINE_LIST_LIMIT = 255
PLAIN_TYPES = (int, float, Decimal, datetime.time, datetime.timedelta)


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
    workbook = Workbook(write_only=True)
    options = []  # long dropdown lists, one column each on the hidden options sheet
    for spec in sheets:
        _write_sheet(workbook, spec, options, dropdown_rows)
    if options:
        _write_options_sheet(workbook, options)
    workbook.save(target)


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


def _write_sheet(workbook, spec, options, dropdown_rows):
    sheet = workbook.create_sheet(spec.title)
    # In write-only mode columns and panes must be set before the first row: they are written ahead of it.
    widths = spec.widths or {}
    for index, header in enumerate(spec.headers):
        column = sheet.column_dimensions[get_column_letter(index + 1)]
        column.width = widths.get(index) or max(10, 2 * len(str(header)) + 4)
        if index in spec.text_columns:
            column.number_format = TEXT_FORMAT  # so that what a user types into an empty cell stays text too
    if spec.freeze_header:
        sheet.freeze_panes = "A2"

    sheet.append([_header_cell(sheet, header) for header in spec.headers])
    last_row = 1
    for row in spec.rows:
        sheet.append([_cell(sheet, value, index in spec.text_columns) for index, value in enumerate(row)])
        last_row += 1

    for index, values in (spec.dropdowns or {}).items():
        sheet.data_validations.append(_dropdown(index, values, max(dropdown_rows, last_row), options))


def _header_cell(sheet, header):
    cell = WriteOnlyCell(sheet, safe_cell(str(header)))
    cell.font = HEADER_FONT
    cell.fill = HEADER_FILL
    cell.alignment = HEADER_ALIGNMENT
    return cell


def _cell(sheet, value, as_text):
    """A plain value where openpyxl needs nothing more (cheap), a WriteOnlyCell where the cell needs a format."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value)  # Excel has no time zones: local time, as the pages show it
        return _formatted(sheet, value, DATETIME_FORMAT)
    if isinstance(value, datetime.date):
        return _formatted(sheet, value, DATE_FORMAT)
    if as_text:
        return _formatted(sheet, safe_cell(str(value)), TEXT_FORMAT)
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, PLAIN_TYPES):
        return value
    return safe_cell(str(value))  # str, and anything else (a lazy translation, a model instance) as its text


def _formatted(sheet, value, number_format):
    cell = WriteOnlyCell(sheet, value)
    cell.number_format = number_format
    return cell


def _dropdown(index, values, last_row, options):
    values = [str(value) for value in values]
    inline = ",".join(values)
    if len(inline) <= INLINE_LIST_LIMIT and not any("," in value or '"' in value for value in values):
        source = f'"{inline}"'
    else:
        options.append(values)
        letter = get_column_letter(len(options))
        source = f"{quote_sheetname(OPTIONS_SHEET)}!${letter}$1:${letter}${max(len(values), 1)}"
    validation = DataValidation(
        type="list", formula1=source, allow_blank=True, showErrorMessage=True,
        errorTitle="输入有误", error="请从下拉列表中选择。",
    )
    letter = get_column_letter(index + 1)
    validation.add(f"{letter}2:{letter}{last_row}")
    return validation


def _write_options_sheet(workbook, options):
    sheet = workbook.create_sheet(OPTIONS_SHEET)
    sheet.sheet_state = "hidden"
    for position in range(max(len(values) for values in options)):
        sheet.append([safe_cell(values[position]) if position < len(values) else None for values in options])
