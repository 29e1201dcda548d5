import copy
import datetime
import pickle

import pytest

from excel.values import (
    FORMULA_WITHOUT_VALUE,
    normalize_header,
    normalize_text,
    parse_bool,
    parse_choice,
    parse_date,
)

FORMULA_MESSAGE = "单元格是公式但没有保存计算结果，请在 Excel 中重新计算并保存，或粘贴为数值"
LEVELS = [("county", "县级"), ("city", "市级"), ("province", "省级")]


def reason(function, *args, **kwargs):
    with pytest.raises(ValueError) as error:
        function(*args, **kwargs)
    return str(error.value)


# --- The sentinel --------------------------------------------------------------------------------------------


def test_the_formula_sentinel_says_what_it_is_and_survives_pickling_and_copying():
    assert repr(FORMULA_WITHOUT_VALUE) == "<公式无缓存值>"
    assert pickle.loads(pickle.dumps(FORMULA_WITHOUT_VALUE)) is FORMULA_WITHOUT_VALUE
    assert copy.deepcopy({"a": FORMULA_WITHOUT_VALUE})["a"] is FORMULA_WITHOUT_VALUE


@pytest.mark.parametrize("function, args", [
    (normalize_text, ()),
    (parse_date, ()),
    (parse_choice, (LEVELS,)),
    (parse_bool, ()),
])
def test_every_parser_refuses_a_formula_without_a_result_with_the_same_advice(function, args):
    assert reason(function, FORMULA_WITHOUT_VALUE, *args) == FORMULA_MESSAGE


# --- Text ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value, text", [
    (None, ""),
    ("", ""),
    ("  张伟  ", "张伟"),
    ("\u3000张伟\u3000", "张伟"),
    ("\xa0张伟\xa0", "张伟"),
    ("张\u200b伟\ufeff", "张伟"),
    ("县  财政局", "县 财政局"),
    ("Zhang  Wei", "Zhang Wei"),
    ("１３８０５３７１２３４", "13805371234"),
    ("ＡＢＣ－１２３（一）", "ABC-123(一)"),
    (13805371234, "13805371234"),
    (13805371234.0, "13805371234"),
    (370828850314123.0, "370828850314123"),
    (0.25, "0.25"),
    (2.5, "2.5"),
    (-3.0, "-3"),
    (datetime.date(2024, 1, 31), "2024-01-31"),
    (datetime.datetime(2024, 1, 31), "2024-01-31"),
    (datetime.datetime(2024, 1, 31, 8, 30), "2024-01-31 08:30:00"),
    (True, "是"),
    (False, "否"),
])
def test_normalize_text(value, text):
    assert normalize_text(value) == text


@pytest.mark.parametrize("value, header", [
    ("姓名", "姓名"),
    (" 姓 名 ", "姓名"),
    ("身份证\n号码", "身份证号码"),
    ("身份证号\r\n（必填）", "身份证号"),
    ("*姓名", "姓名"),
    ("姓名*", "姓名"),
    ("＊姓名", "姓名"),
    ("*姓名(必填)", "姓名"),
    ("姓名*（必填）", "姓名"),
    ("手机号（选填）", "手机号"),
    ("任职时间(如：2024-01-31)", "任职时间"),
    ("ＱＱ号", "QQ号"),
    ("派驻层级\u3000", "派驻层级"),
    ("(备注)", "(备注)"),
    (None, ""),
    (2024, "2024"),
    (FORMULA_WITHOUT_VALUE, ""),
])
def test_normalize_header(value, header):
    assert normalize_header(value) == header


# --- Dates ---------------------------------------------------------------------------------------------------

JAN_31 = datetime.date(2024, 1, 31)


@pytest.mark.parametrize("value", [
    JAN_31,
    datetime.datetime(2024, 1, 31, 8, 30),
    45322,
    45322.0,
    45322.75,  # a serial with a time of day
    "2024-01-31",
    "2024-1-31",
    "2024/1/31",
    "2024/01/31",
    "2024.01.31",
    "2024.1.31",
    "2024年1月31日",
    "2024年01月31日",
    "2024年1月31",
    "20240131",
    20240131,
    20240131.0,
    "２０２４－０１－３１",
    "２０２４年１月３１日",
    " 2024-01-31 ",
    "2024-01-31 00:00:00",
    "2024/1/31 8:30",
])
def test_parse_date_accepts(value):
    assert parse_date(value) == JAN_31


@pytest.mark.parametrize("serial, date", [
    (1, datetime.date(1900, 1, 1)),
    (59, datetime.date(1900, 2, 28)),
    (61, datetime.date(1900, 3, 1)),
    (2958465, datetime.date(9999, 12, 31)),
])
def test_parse_date_counts_serials_as_excel_does(serial, date):
    assert parse_date(serial) == date


def test_serial_60_is_excels_fictitious_leap_day():
    assert reason(parse_date, 60) == "日期 1900-02-29 不存在"


@pytest.mark.parametrize("value, message", [
    ("2024-02-30", "日期 2024-02-30 不存在"),
    ("2024/2/30", "日期 2024-02-30 不存在"),
    ("2023年2月29日", "日期 2023-02-29 不存在"),
    ("20241301", "日期 2024-13-01 不存在"),
    ("2024-01", "无法识别的日期“2024-01”，请写成 2024-01-31 的形式"),
    ("2024-01/31", "无法识别的日期“2024-01/31”，请写成 2024-01-31 的形式"),
    ("明年", "无法识别的日期“明年”，请写成 2024-01-31 的形式"),
    ("", "无法识别的日期“”，请写成 2024-01-31 的形式"),
    (0, "无法识别的日期“0”，请写成 2024-01-31 的形式"),
    (2958466, "无法识别的日期“2958466”，请写成 2024-01-31 的形式"),
    (True, "无法识别的日期“是”，请写成 2024-01-31 的形式"),
])
def test_parse_date_refuses_with_a_reason(value, message):
    assert reason(parse_date, value) == message


# --- Choices -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["县级", " 县 级 ", "county", "COUNTY", "县直"])
def test_parse_choice_matches_labels_values_and_aliases(value):
    assert parse_choice(value, LEVELS, aliases={"县直": "county"}) == "county"


def test_parse_choice_reads_option_groups():
    grouped = [("本地", [("county", "县级"), ("city", "市级")]), ("province", "省级")]
    assert parse_choice("市级", grouped) == "city"


def test_parse_choice_names_the_valid_labels():
    assert reason(parse_choice, "乡级", LEVELS) == "“乡级”不是有效的选项，应为：县级、市级、省级"
    assert reason(parse_choice, "", LEVELS) == "没有填写，应为：县级、市级、省级"


# --- Yes and no ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["是", "√", "Y", "y", "yes", "YES", "True", "true", "1", 1, 1.0, True, " 是 "])
def test_parse_bool_true(value):
    assert parse_bool(value) is True


@pytest.mark.parametrize("value", ["否", "×", "N", "no", "FALSE", "0", 0, 0.0, False, "", None, "  "])
def test_parse_bool_false(value):
    assert parse_bool(value) is False


def test_parse_bool_refuses_anything_else():
    assert reason(parse_bool, "也许") == "“也许”不是有效的是/否，请填写“是”或“否”"
    assert reason(parse_bool, 2) == "“2”不是有效的是/否，请填写“是”或“否”"


def test_the_apostrophe_our_exports_add_before_formula_like_text_is_taken_off():
    from excel.values import normalize_text
    from excel.writer import safe_cell

    assert normalize_text(safe_cell("=1+1")) == "=1+1"
    assert normalize_text(safe_cell("-党建")) == "-党建"
    assert normalize_text("'普通文字") == "'普通文字"
