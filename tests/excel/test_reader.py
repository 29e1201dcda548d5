import datetime
import io
import random
import re
import zipfile

import pytest
import python_calamine

from excel import reader
from excel.reader import Column, FileRejected, read_table
from excel.values import FORMULA_WITHOUT_VALUE, normalize_text, parse_date

from .conftest import compound_file, ods, replace_in_zip, text_file, xlsx, zip_file

COLUMNS = [
    Column("name", "姓名", required=True),
    Column("id_number", "身份证号", ("身份证号码", "公民身份号码"), required=True),
    Column("phone", "手机号", ("手机", "联系电话")),
    Column("unit", "派出单位", ("选派单位",)),
    Column("village", "所驻村", ("帮扶村", "驻村村名"), required=True),
    Column("level", "派驻层级", ("选派层级",)),
    Column("start_date", "任职时间", ("派驻时间",)),
]
HEADER = ["姓名", "身份证号", "手机号", "派出单位", "所驻村", "派驻层级"]
SHEET1 = "xl/worksheets/sheet1.xml"
ZHANG = ["张伟", "370828198503141236", "13805371234", "县财政局", "王庄村", "县级"]
SHEET1 = "xl/worksheets/sheet1.xml"
LI = ["李娜", "37082819880520006X", "13905371234", "县农业农村局", "前进村", "市级"]


def read(data, filename="名册.xlsx", columns=COLUMNS, **limits):
    return read_table(data, filename, columns, **limits)


def rejection(data, filename="名册.xlsx", columns=COLUMNS, **limits):
    with pytest.raises(FileRejected) as error:
        read_table(data, filename, columns, **limits)
    assert str(error.value) == error.value.message
    return error.value.message


def numbers_and_names(table):
    return [(row.number, row.values["name"]) for row in table.rows]


# --- The header row ------------------------------------------------------------------------------------------


def test_it_reads_a_plain_roster():
    table = read(xlsx([HEADER, ZHANG, LI]))
    assert table.header_row == 1
    assert table.sheet_name == "名册"
    assert table.headers == dict(zip(["name", "id_number", "phone", "unit", "village", "level"], HEADER, strict=True))
    assert table.extra_headers == []
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[0].values == dict(zip(table.headers, ZHANG, strict=True))


def test_columns_the_file_does_not_have_are_not_in_the_values():
    table = read(xlsx([["姓名", "身份证号", "所驻村"], ["张伟", "370828198503141236", "王庄村"]]))
    assert set(table.rows[0].values) == {"name", "id_number", "village"}


def test_it_skips_a_merged_title_and_a_subtitle_above_the_header():
    title = ["2024年第一书记花名册"]
    subtitle = ["填报单位：金乡县委组织部", None, None, "填报日期：2024年1月31日"]
    rows = [title, subtitle, HEADER, ZHANG]
    table = read(xlsx(rows, merge_title=True))
    assert table.header_row == 3
    assert numbers_and_names(table) == [(4, "张伟")]


def test_a_title_that_happens_to_be_a_column_name_is_not_the_header():
    table = read(xlsx([["姓名"], HEADER, ZHANG]))
    assert table.header_row == 2


def test_headers_with_line_breaks_full_width_letters_and_required_marks_match():
    written = ["*姓名", "身份证号\n（必填）", "手 机 号", "派出单位(选填)", "＊所驻村＊", "派驻层级\u3000",
               "任职时间(如：2024-01-31)"]
    table = read(xlsx([written, ZHANG + ["2024-01-31"]]))
    assert set(table.headers) == {"name", "id_number", "phone", "unit", "village", "level", "start_date"}
    assert table.headers["id_number"] == "身份证号\n（必填）"  # as written, for messages that quote the file
    assert table.headers["village"] == "＊所驻村＊"


@pytest.mark.parametrize("key, header", [
    ("id_number", "身份证号码"),
    ("id_number", "公民身份号码"),
    ("phone", "手机"),
    ("phone", "联系电话"),
    ("unit", "选派单位"),
    ("village", "帮扶村"),
    ("village", "驻村村名"),
    ("level", "选派层级"),
])
def test_it_matches_a_column_by_any_of_its_aliases(key, header):
    headers = ["姓名", "身份证号", "所驻村"]
    values = ["张伟", "370828198503141236", "王庄村"]
    if key in ("id_number", "village"):
        headers[1 if key == "id_number" else 2] = header
    else:
        headers.append(header)
        values.append("值")
    table = read(xlsx([headers, values]))
    assert table.headers[key] == header


def test_headers_that_match_no_column_are_listed_as_extra():
    table = read(xlsx([["序号", *HEADER, "备注"], ["1", *ZHANG, "无"]]))
    assert table.extra_headers == ["序号", "备注"]
    assert "备注" not in table.rows[0].values


def test_missing_required_columns_are_refused_together_with_the_names_that_would_do():
    message = rejection(xlsx([["姓名", "手机号", "派出单位"], ["张伟", "13805371234", "县财政局"]]))
    assert message == ("缺少必填列：身份证号、所驻村（可用的列名：身份证号/身份证号码/公民身份号码；"
                       "所驻村/帮扶村/驻村村名）")


def test_two_headers_for_the_same_column_are_refused_by_name():
    message = rejection(xlsx([["姓名", "身份证号", "公民身份号码", "所驻村"], ["张伟", "1", "2", "王庄村"]]))
    assert "“身份证号”和“公民身份号码”" in message


def test_a_sheet_without_a_header_row_is_refused():
    message = rejection(xlsx([["张伟", "370828198503141236"], ["李娜", "37082819880520006X"]]))
    assert message.startswith("没有找到表头行：请确认第一行（或标题行之后）是列名，如 姓名、身份证号、所驻村")


def test_the_header_must_be_in_the_first_thirty_rows():
    rows = [[f"说明第{n}行"] for n in range(30)] + [HEADER, ZHANG]
    assert rejection(xlsx(rows)).startswith("没有找到表头行")
    assert read(xlsx(rows[1:])).header_row == 30


def test_a_header_without_data_rows_is_refused():
    assert rejection(xlsx([HEADER, [None] * 6, ["  "] * 6])) == "文件只有表头，没有数据行。"


# --- Rows ----------------------------------------------------------------------------------------------------


def test_blank_rows_are_skipped_and_row_numbers_stay_those_excel_shows():
    rows = [HEADER, ZHANG, [None] * 6, ["\u3000", " ", None, None, None, None], LI]
    assert numbers_and_names(read(xlsx(rows))) == [(2, "张伟"), (5, "李娜")]


def test_a_row_with_only_unmapped_cells_filled_is_blank():
    table = read(xlsx([[*HEADER, "备注"], ZHANG, [None] * 6 + ["只有备注"], LI]))
    assert numbers_and_names(table) == [(2, "张伟"), (4, "李娜")]


def test_data_starting_at_b3_keeps_excel_row_numbers():
    table = read(xlsx([HEADER, ZHANG, [None], LI], start="B3"))
    assert table.header_row == 3
    assert numbers_and_names(table) == [(4, "张伟"), (6, "李娜")]


def test_text_is_normalised_and_blank_cells_are_empty_strings():
    written = ["\u3000张 伟 ", "３７０８２８１９８５０３１４１２３６", None, "县  财政局", "王庄村", "县级"]
    table = read(xlsx([HEADER, written]))
    values = table.rows[0].values
    assert values["name"] == "张 伟"
    assert values["id_number"] == "370828198503141236"
    assert values["phone"] == ""
    assert values["unit"] == "县 财政局"


def test_a_numeric_id_cell_is_read_as_a_float_that_normalises_to_its_digits():
    table = read(xlsx([HEADER, ["张伟", 370828850314123, 13805371234, "县财政局", "王庄村", "县级"]]))
    values = table.rows[0].values
    assert values["id_number"] == 370828850314123.0
    assert isinstance(values["id_number"], float)
    assert normalize_text(values["id_number"]) == "370828850314123"
    assert normalize_text(values["phone"]) == "13805371234"


def test_date_cells_come_as_dates_and_other_dates_can_be_parsed():
    written = [
        datetime.date(2024, 1, 31),
        datetime.datetime(2024, 1, 31, 8, 30),
        45322,
        "2024-01-31",
        "2024/1/31",
        "2024.01.31",
        "2024年1月31日",
        "20240131",
        "２０２４年１月３１日",
    ]
    rows = [[*HEADER, "任职时间"]] + [[*ZHANG, value] for value in written]
    values = [row.values["start_date"] for row in read(xlsx(rows)).rows]
    assert values[0] == datetime.date(2024, 1, 31)
    assert values[1] == datetime.datetime(2024, 1, 31, 8, 30)
    assert {parse_date(value) for value in values} == {datetime.date(2024, 1, 31)}


def test_too_many_rows_are_refused_naming_the_cap():
    data = xlsx([HEADER] + [ZHANG] * 4)
    assert len(read(data, max_rows=4).rows) == 4
    assert rejection(data, max_rows=3) == "数据超过 3 行的上限，请拆分后分批上传。"


def test_only_the_first_visible_sheet_is_read():
    table = read(xlsx([HEADER, ZHANG], hidden_sheet_first=True))
    assert table.sheet_name == "名册"
    assert numbers_and_names(table) == [(2, "张伟")]


def test_an_empty_first_sheet_is_refused():
    assert rejection(xlsx([])) == "第一个工作表“名册”是空的，请把名册放在第一个工作表。"


# --- Formulas ------------------------------------------------------------------------------------------------


def test_a_formula_without_a_saved_result_is_marked():
    data = xlsx([HEADER, ["张伟", "37082819850314123", "=B2&\"6\"", "县财政局", "王庄村", "县级"]])
    values = read(data).rows[0].values
    assert values["phone"] is FORMULA_WITHOUT_VALUE
    assert values["name"] == "张伟"


def test_a_row_holding_only_formulas_without_results_is_still_a_row():
    # calamine leaves such cells out of the sheet's range altogether; the row must not vanish.
    data = xlsx([HEADER, ZHANG, ["=A2", "=B2", None, None, "=E2", None]])
    table = read(data)
    assert [row.number for row in table.rows] == [2, 3]
    assert table.rows[1].values["name"] is FORMULA_WITHOUT_VALUE
    assert table.rows[1].values["village"] is FORMULA_WITHOUT_VALUE
    assert table.rows[1].values["phone"] == ""


def test_a_formula_with_a_saved_result_reads_as_that_result():
    data = xlsx([HEADER, ["=\"张\"&\"伟\"", *ZHANG[1:]]])
    data = replace_in_zip(data, SHEET1, '<c r="A2"><f>"&#24352;"&amp;"&#20255;"</f><v></v></c>',
                            '<c r="A2" t="str"><f>"张"&amp;"伟"</f><v>张伟</v></c>')
    assert read(data).rows[0].values["name"] == "张伟"


def test_a_formula_whose_saved_result_is_empty_text_reads_as_blank():
    data = xlsx([HEADER, ZHANG, [*ZHANG[:2], '=IF(A3="","","x")', *ZHANG[3:]]])
    data = replace_in_zip(data, SHEET1, '<c r="C3"><f>IF(A3="","","x")</f><v></v></c>',
                            '<c r="C3" t="str"><f>IF(A3="","","x")</f><v></v></c>')
    assert read(data).rows[1].values["phone"] == ""


def test_shared_formulas_are_marked_only_where_no_result_was_saved():
    data = xlsx([HEADER, ZHANG, LI])
    data = replace_in_zip(data, SHEET1, '<c r="C2" t="inlineStr"><is><t>13805371234</t></is></c>',
                          '<c r="C2"><f t="shared" ref="C2:C3" si="0">B2+1</f><v>13805371234</v></c>')
    data = replace_in_zip(data, SHEET1, '<c r="C3" t="inlineStr"><is><t>13905371234</t></is></c>',
                          '<c r="C3"><f t="shared" si="0"/></c>')
    table = read(data)
    assert table.rows[0].values["phone"] == 13805371234
    assert table.rows[1].values["phone"] is FORMULA_WITHOUT_VALUE


def test_formulas_are_found_in_a_sheet_written_with_a_namespace_prefix():
    data = xlsx([HEADER, ["张伟", "=A2", *ZHANG[2:]]])
    source = zipfile.ZipFile(io.BytesIO(data))
    sheet = source.read(SHEET1).decode()
    prefixed = re.sub("<(/?)(?=[a-zA-Z])", r"<\1x:", sheet).replace('xmlns="', 'xmlns:x="')  # as .NET writes
    data = replace_in_zip(data, SHEET1, sheet, prefixed)
    assert read(data).rows[0].values["id_number"] is FORMULA_WITHOUT_VALUE


# --- CSV -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_is_read_in_utf8_with_or_without_bom_and_in_gbk(encoding):
    table = read(text_file([HEADER, ZHANG, LI], encoding=encoding), "名册.csv")
    assert table.sheet_name == "名册"
    assert table.headers["name"] == "姓名"
    assert table.rows[1].values == dict(zip(table.headers, LI, strict=True))


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_csv_delimiter_is_found(delimiter):
    table = read(text_file([HEADER, ZHANG], delimiter=delimiter), "名册.txt")
    assert table.rows[0].values["village"] == "王庄村"


def test_csv_keeps_numbers_as_text_and_counts_rows_as_excel_does():
    zhang = ["张伟", "370828198503141236", "13805371234", "县财政局\n（挂职）", "王庄村", "县级"]
    data = text_file([["2024年第一书记花名册"], HEADER, zhang, [], LI])
    table = read(data, "名册.csv")
    assert table.header_row == 2
    # the quoted line break keeps 张伟 in one Excel row; the empty line is row 4
    assert numbers_and_names(table) == [(3, "张伟"), (5, "李娜")]
    assert table.rows[0].values["phone"] == "13805371234"
    assert table.rows[0].values["unit"] == "县财政局 (挂职)"


@pytest.mark.parametrize("content", [
    "<html><body><table><tr><td>姓名</td></tr></table></body></html>",
    '<?xml version="1.0"?><Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"></Workbook>',
])
def test_a_web_page_or_xml_saved_as_xls_is_refused_with_advice(content):
    assert "网页或 XML 格式" in rejection(content.encode(), "名册.xls")


# --- Other formats -------------------------------------------------------------------------------------------


def test_ods_is_read_with_true_row_numbers():
    table = read(ods([HEADER, ZHANG, [None], LI], start="B3"), "名册.ods")
    assert table.header_row == 3
    assert numbers_and_names(table) == [(4, "张伟"), (6, "李娜")]


def test_xls_is_read_with_true_row_numbers():
    xlwt = pytest.importorskip("xlwt", reason="xlwt (writes .xls) is not installed; add it to requirements-dev.txt")
    workbook = xlwt.Workbook(encoding="utf-8")
    hidden = workbook.add_sheet("说明")
    hidden.write(0, 0, "姓名")
    hidden.visibility = 1
    sheet = workbook.add_sheet("名册")
    zhang = ["张伟", 370828850314123, *ZHANG[2:]]
    for r, values in enumerate([HEADER, zhang, [], LI]):
        for c, value in enumerate(values):
            sheet.write(2 + r, 1 + c, value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read(buffer.getvalue(), "名册.xls")
    assert table.sheet_name == "名册"
    assert table.header_row == 3
    assert numbers_and_names(table) == [(4, "张伟"), (6, "李娜")]
    assert normalize_text(table.rows[0].values["id_number"]) == "370828850314123"


def test_a_file_named_xls_that_is_really_xlsx_is_read_by_its_content():
    assert numbers_and_names(read(xlsx([HEADER, ZHANG]), "名册.xls")) == [(2, "张伟")]


# --- Whole files refused -------------------------------------------------------------------------------------


def test_an_empty_file_is_refused():
    assert rejection(b"") == "文件是空的。"
    assert rejection(b"\r\n , \r\n", "名册.csv") == "文件是空的。"


def test_a_file_over_the_size_limit_is_refused_naming_the_limit():
    data = xlsx([HEADER, ZHANG])
    assert rejection(data, max_bytes=len(data) - 1).startswith(f"文件超过 {(len(data) - 1) / 1024 / 1024:g} MB")
    assert rejection(b"x" * (3 * 1024 * 1024 + 1), max_bytes=3 * 1024 * 1024).startswith("文件超过 3 MB 的上限")


def test_a_word_document_is_not_excel():
    docx = zip_file({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert rejection(docx, "名册.xlsx").startswith("不是 Excel 文件")


def test_random_bytes_are_not_a_supported_type():
    noise = random.Random(2024).randbytes(4096)
    assert rejection(noise, "名册.xlsx") == reader.UNSUPPORTED
    assert rejection(b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)), "名册.csv") == reader.UNSUPPORTED


def test_a_damaged_xlsx_is_refused():
    data = xlsx([HEADER, ZHANG])
    assert rejection(data[: len(data) // 2]) == reader.DAMAGED


def test_an_encrypted_xlsx_asks_for_the_password_to_be_removed():
    data = compound_file([("EncryptionInfo", bytes(4096)), ("EncryptedPackage", bytes(8192))])
    assert rejection(data) == "文件设置了密码，请取消密码后再上传。"


def test_xlsb_is_refused_with_advice():
    data = zip_file({"[Content_Types].xml": b"<Types/>", "xl/workbook.bin": b"\0" * 10})
    assert ".xlsb" in rejection(data, "名册.xlsb")


def refuse(*args, **kwargs):
    raise AssertionError("the file reached the parser")


@pytest.fixture
def calamine_must_not_run(monkeypatch):
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", refuse)


@pytest.fixture
def calamine_must_not_expand_a_sheet(monkeypatch):
    # calamine allocates a sheet from A1 to its last cell in one block, and aborts the process when it cannot.
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "get_sheet_by_index", refuse)


def test_a_zip_bomb_is_refused_before_parsing(calamine_must_not_run):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("xl/workbook.xml", b"<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as entry:
            zeros = bytes(1024 * 1024)
            for _ in range(300):  # 300 MB of zeros compress to about 300 KB
                entry.write(zeros)
    data = buffer.getvalue()
    assert len(data) < 1024 * 1024
    assert rejection(data) == "文件解压后过大，疑似异常文件，已拒绝。"


def test_a_zip_of_too_many_entries_is_refused_before_parsing(calamine_must_not_run):
    entries = {f"xl/worksheets/sheet{n}.xml": b"" for n in range(reader.ZIP_MAX_ENTRIES)}
    data = zip_file({"xl/workbook.xml": b"<workbook/>", **entries})
    assert rejection(data) == "文件解压后过大，疑似异常文件，已拒绝。"


def test_a_stray_value_far_away_is_refused_before_calamine_expands_the_sheet(calamine_must_not_expand_a_sheet):
    far = '<row r="100000"><c r="XFD100000"><v>1</v></c></row></sheetData>'
    data = replace_in_zip(xlsx([HEADER, ZHANG]), SHEET1, "</sheetData>", far)
    assert rejection(data).startswith("表格的数据区域过大（100000 行 × 16384 列；")


def test_a_value_a_little_off_the_data_is_fine():
    near = '<row r="2000"><c r="AZ2000"><v>1</v></c></row></sheetData>'
    data = replace_in_zip(xlsx([HEADER, ZHANG]), SHEET1, "</sheetData>", near)
    assert numbers_and_names(read(data)) == [(2, "张伟")]


def test_an_ods_repeating_a_filled_row_a_million_times_is_refused_before_parsing(calamine_must_not_run):
    row = '<table:table-row><table:table-cell office:value-type="string"><text:p>张伟'
    repeated = ('<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
                'table:number-columns-repeated="100" office:value-type="string"><text:p>张伟')
    data = replace_in_zip(ods([HEADER, ZHANG]), "content.xml", row, repeated)
    assert len(data) < 2000
    assert rejection(data, "名册.ods").startswith("表格的数据区域过大（1000001 行 × 105 列；")


def test_an_ods_with_empty_rows_repeated_to_the_end_of_the_sheet_is_fine():
    # LibreOffice ends every sheet so: a million empty rows of a thousand empty cells.
    tail = ('<table:table-row table:number-rows-repeated="1048574"><table:table-cell '
            'table:number-columns-repeated="1024"/></table:table-row></table:table>')
    data = replace_in_zip(ods([HEADER, ZHANG]), "content.xml", "</table:table>", tail)
    assert numbers_and_names(read(data, "名册.ods")) == [(2, "张伟")]
