import datetime
import io
import tempfile
import tracemalloc
import zipfile
from decimal import Decimal
from urllib.parse import quote

import openpyxl
import pytest
from django.utils import timezone
from xlsxwriter.worksheet import Worksheet

from excel import writer
from excel.writer import OPTIONS_SHEET, XLSX_CONTENT_TYPE, SheetSpec, safe_cell, write_workbook, xlsx_response

FORMULAS = ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\t=x"]


def written(*sheets, **kwargs):
    """Write the sheets to memory and read them back as openpyxl sees them."""
    buffer = io.BytesIO()
    write_workbook(buffer, sheets, **kwargs)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


@pytest.mark.parametrize("value", [*FORMULAS, "\r=x"])
def test_safe_cell_quotes_what_a_spreadsheet_would_run(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["张伟", "0537-8721234", "a=b", "", 12, 1.5, datetime.date(2024, 3, 1)])
def test_safe_cell_leaves_everything_else_alone(value):
    assert safe_cell(value) == value


def test_safe_cell_turns_none_into_an_empty_string():
    assert safe_cell(None) == ""


def test_formula_looking_strings_come_back_as_quoted_text_not_formulas():
    sheet = written(SheetSpec("表", ["值"], [[value] for value in FORMULAS]))["表"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == ["'" + value for value in FORMULAS]
    assert {cell.data_type for cell in cells} == {"s"}


def test_a_formula_looking_header_is_quoted_too():
    sheet = written(SheetSpec("表", ["=HYPERLINK(\"x\")"], []))["表"]
    assert sheet["A1"].value == "'=HYPERLINK(\"x\")" and sheet["A1"].data_type == "s"


def test_the_header_is_bold_filled_and_frozen():
    sheet = written(SheetSpec("表", ["姓名", "身份证号"], [["张伟", "370828198503140011"]]))["表"]
    assert sheet["A1"].font.bold and sheet["B1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert sheet.freeze_panes == "A2"
    assert written(SheetSpec("说明", ["说明"], [], freeze_header=False))["说明"].freeze_panes is None


def test_text_columns_are_text_in_the_cells_and_in_the_empty_rows_below():
    spec = SheetSpec("表", ["姓名", "身份证号", "年龄"], [["张伟", "370828198503140011", 39], ["李娜", 12345, 30]],
                     text_columns={1}, widths={0: 12})
    sheet = written(spec)["表"]
    assert [sheet["B2"].value, sheet["B3"].value] == ["370828198503140011", "12345"]
    assert sheet["B2"].number_format == "@" and sheet["B2"].data_type == "s"
    assert sheet.column_dimensions["B"].number_format == "@"  # what a user types below stays text
    assert sheet["C2"].value == 39 and sheet["C2"].number_format == "General"
    # Excel shows the width asked for; the file stores it with the cell padding added (12 → 12.71).
    assert 12 <= sheet.column_dimensions["A"].width < 13


def test_dates_are_excel_dates_with_a_date_format():
    sheet = written(SheetSpec("表", ["开始日期"], [[datetime.date(2024, 3, 1)]]))["表"]
    assert sheet["A2"].is_date and sheet["A2"].number_format == "yyyy-mm-dd"
    assert sheet["A2"].value.date() == datetime.date(2024, 3, 1)


def test_datetimes_keep_their_time_and_aware_ones_are_written_in_local_time(settings):
    aware = datetime.datetime(2024, 3, 1, 1, 30, tzinfo=datetime.UTC)  # 09:30 in Asia/Shanghai
    sheet = written(SheetSpec("表", ["时间", "时刻"], [[aware, datetime.datetime(2024, 3, 1, 8, 5, 6)]]))["表"]
    assert sheet["A2"].value == timezone.make_naive(aware).replace(tzinfo=None)
    assert sheet["B2"].value == datetime.datetime(2024, 3, 1, 8, 5, 6)
    assert sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"


def test_numbers_stay_numbers_and_booleans_read_as_shi_or_fou():
    rows = [[12, 1.5, Decimal("2.50"), True], [0, -3, None, False]]
    sheet = written(SheetSpec("表", ["a", "b", "c", "d"], rows))["表"]
    assert [cell.value for cell in sheet[2]] == [12, 1.5, 2.5, "是"]
    assert [cell.value for cell in sheet[3]] == [0, -3, None, "否"]
    assert sheet["B3"].data_type == "n"


def test_strings_that_look_like_numbers_or_markup_are_written_as_the_same_text():
    values = ["0123", "1E5", "TRUE", "<r><t>x</t></r>", "<r>甲</r>", "a<b>&c", "  空格  "]
    sheet = written(SheetSpec("表", ["值"], [[value] for value in values], text_columns={0}))["表"]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == values
    assert {cell.data_type for cell in cells} == {"s"}
    assert {cell.number_format for cell in cells} == {"@"}
    assert sheet.max_row == len(values) + 1 and sheet.max_column == 1  # nothing smuggled in beside them


def sheet_xml(monkeypatch, worksheet_class, spec):
    monkeypatch.setattr(writer, "StreamingWorksheet", worksheet_class)
    buffer = io.BytesIO()
    write_workbook(buffer, [spec])
    with zipfile.ZipFile(buffer) as package:
        return package.read("xl/worksheets/sheet1.xml")


def test_the_short_way_for_plain_strings_writes_exactly_what_xlsxwriter_writes(monkeypatch):
    strings = ["张伟", "370828198503140011", "a b", " 前空格", "后空格 ", "全角空格\u3000", "a&b", "<r>x</r>", "x<y",
               'say "hi"', "two\nlines", "tab\tinside", "bell\x07", "_x0041_", "_x00zz_", "\ufffe", "'=1+1", "😀",
               "'", "0"]
    rows = [[value, value, 7, datetime.date(2024, 3, 1), None, value] for value in strings]
    spec = SheetSpec("表", ["甲", "乙", "丙", "丁", "戊", "己"], rows, text_columns={1}, widths={5: 30})
    ours = sheet_xml(monkeypatch, writer.StreamingWorksheet, spec)
    spec.rows = rows
    theirs = sheet_xml(monkeypatch, Worksheet, spec)
    assert ours == theirs
    assert b"\xe5\xbc\xa0\xe4\xbc\x9f" in ours  # 张伟: the comparison did see the rows


def test_whole_plain_rows_are_written_exactly_as_xlsxwriter_writes_them_cell_by_cell(monkeypatch):
    """Rows of plain strings and numbers take the whole-row way; any row with one cell that needs more goes cell
    by cell, and the sheet is byte for byte XlsxWriter's own either way (order, styles, dimensions)."""
    rows = [
        ["张伟", "金乡县", 93.5, Decimal("88.25"), 7, None, ""],
        ["李娜", "370828198503140011", 0, Decimal("-1.5"), 10**15, "说明", None],
        ["=1+1", "x", 1, 2, 3, 4, 5],  # a formula trigger: cell by cell
        ["王强", "a&b", 1.0, None, None, None, None],  # something to escape: cell by cell
        [None, None, None, None, None, None, None],  # nothing at all
        ["赵敏", "", float("nan"), 1, 2, 3, 4],  # NaN: cell by cell
        ["孙浩", "后", 1e-7, Decimal("1E+3"), True, None, None],  # a bool: cell by cell
        [None, "只有一格"],
        ["周杰", "七", 12345678901234567, Decimal("0.1"), 0.1, -0.0, 2**70, "溢出"],
        ["吴刚", "text column number", 5, 5, 5, 5, 5],
        *(["陈" + str(i), "村", i, Decimal(i) / 3, i / 7, None, "尾"] for i in range(30)),
    ]
    rows[9][1] = 42  # a number in the text column: cell by cell, as text
    spec = SheetSpec("表", ["甲", "乙", "丙", "丁", "戊", "己", "庚"], rows, text_columns={1}, widths={5: 30})
    ours = sheet_xml(monkeypatch, writer.StreamingWorksheet, spec)
    theirs = sheet_xml(monkeypatch, Worksheet, spec)
    assert ours == theirs
    assert "陈29".encode() in ours and b'<dimension ref="A1:H41"/>' in ours


def test_other_objects_are_written_as_their_text_formula_safe():
    class Thing:
        def __str__(self):
            return "=危险"

    sheet = written(SheetSpec("表", ["值"], [[Thing()]]))["表"]
    assert sheet["A2"].value == "'=危险" and sheet["A2"].data_type == "s"


def test_blank_values_leave_the_cell_empty():
    sheet = written(SheetSpec("表", ["a", "b", "c"], [[None, "", "x"]]))["表"]
    assert [cell.value for cell in sheet[2]] == [None, None, "x"]


def test_a_short_list_becomes_an_inline_dropdown_on_the_template_rows():
    template = SheetSpec("第一书记", ["姓名", "性别"], [], dropdowns={1: ["男", "女"]})
    workbook = written(template, dropdown_rows=300)
    (validation,) = workbook["第一书记"].data_validations.dataValidation
    assert validation.type == "list" and validation.formula1 == '"男,女"'
    assert str(validation.sqref) == "B2:B300"
    assert validation.showErrorMessage and validation.error == "请从下拉列表中选择。"
    assert workbook.sheetnames == ["第一书记"]  # no options sheet needed


def test_a_long_list_goes_to_a_hidden_options_sheet():
    units = [f"县直单位{n:03d}（含下属事业单位）" for n in range(40)]
    template = SheetSpec("第一书记", ["姓名", "性别", "派出单位"], [],
                         dropdowns={1: ["男", "女"], 2: units})
    workbook = written(template)
    validations = {str(v.sqref): v.formula1 for v in workbook["第一书记"].data_validations.dataValidation}
    assert validations == {"B2:B5000": '"男,女"', "C2:C5000": f"'{OPTIONS_SHEET}'!$A$1:$A$40"}
    options = workbook[OPTIONS_SHEET]
    assert options.sheet_state == "hidden"
    assert [row[0] for row in options.iter_rows(values_only=True)] == units


def test_a_value_with_a_comma_also_goes_to_the_options_sheet():
    workbook = written(SheetSpec("表", ["单位"], [], dropdowns={0: ["甲,乙单位", "丙单位"]}))
    assert workbook["表"].data_validations.dataValidation[0].formula1 == f"'{OPTIONS_SHEET}'!$A$1:$A$2"


def test_the_dropdowns_reach_past_the_default_when_there_are_more_rows():
    workbook = written(SheetSpec("表", ["性别"], [["男"]] * 20, dropdowns={0: ["男", "女"]}), dropdown_rows=10)
    assert str(workbook["表"].data_validations.dataValidation[0].sqref) == "A2:A21"


def test_several_sheets_are_written_in_order():
    workbook = written(SheetSpec("错误清单", ["行号"], [[3]]), SheetSpec("说明", ["说明"], [["第 3 行有误"]]))
    assert workbook.sheetnames == ["错误清单", "说明"]
    assert workbook["说明"]["A2"].value == "第 3 行有误"


def test_rows_shorter_or_longer_than_the_headers_are_written_as_they_are():
    sheet = written(SheetSpec("表", ["a", "b"], [["x"], ["y", "z", "多"]], text_columns={1}))["表"]
    assert [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)] == [["x", None, None],
                                                                                   ["y", "z", "多"]]


def test_a_failure_while_writing_leaves_no_file_and_no_temporary_files(tmp_path, monkeypatch):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))

    def failing():
        yield ["张伟"]
        raise RuntimeError("数据库断开")

    target = tmp_path / "花名册.xlsx"
    with pytest.raises(RuntimeError, match="数据库断开"):
        write_workbook(target, [SheetSpec("表", ["姓名"], [["a"]]), SheetSpec("表二", ["姓名"], failing())])
    assert not target.exists()
    assert list(temporary.iterdir()) == []


def test_it_writes_to_a_path(tmp_path):
    target = tmp_path / "花名册.xlsx"
    write_workbook(target, [SheetSpec("表", ["姓名"], [["张伟"]])])
    assert openpyxl.load_workbook(target)["表"]["A2"].value == "张伟"


def rows(count):
    for n in range(count):
        yield [f"姓名{n}", f"370828{n:012d}", "男", datetime.date(1985, 3, 14), "汉族", "中共党员", "大学本科",
               f"138{n:08d}", "县财政局", "县直", n, "科员"]


def peak_bytes(count):
    tracemalloc.start()
    try:
        with tempfile.TemporaryFile() as file:
            write_workbook(file, [SheetSpec("表", [f"列{i}" for i in range(12)], rows(count), text_columns={1, 7})])
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_number_of_rows():
    # Five times the rows, the same peak: rows are written as they come, never held. (Holding 4,000 more rows
    # of 12 cells would add well over 1 MB.) The peak levels off after some hundreds of rows, once XlsxWriter's
    # 64 KB copy buffer is full, hence 1,000 rows for the small run. The full 20,000-row check is the perf test
    # below.
    small, large = peak_bytes(1000), peak_bytes(5000)
    assert large < small + 100_000
    assert large < 2_000_000


@pytest.mark.perf
def test_twenty_thousand_rows_of_twelve_columns_peak_well_under_50_mb(request):
    if "perf" not in (request.config.getoption("markexpr") or ""):
        pytest.skip("benchmark: run with -m perf")
    peak = peak_bytes(20_000)
    print(f"\n20,000 rows x 12 columns: tracemalloc peak {peak / 1e6:.2f} MB")
    assert peak < 10_000_000


def test_the_download_is_an_attachment_from_a_temporary_file_and_keeps_its_chinese_name():
    response = xlsx_response("第一书记花名册-20240301.xlsx", [SheetSpec("表", ["姓名"], [["张伟"]])])
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert f"filename*=utf-8''{quote('第一书记花名册-20240301.xlsx')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")
    assert not isinstance(response.file_to_stream, io.BytesIO)  # on disk, not in memory
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook["表"]["A2"].value == "张伟"
    response.file_to_stream.close()  # response.close() would also signal request_finished (a database touch)
