"""Turn cell values into text, dates, choices and yes/no, with a reason in Chinese when they cannot be.

Every function takes what the reader hands over: str, int, float, bool, date/datetime (calamine's types), None,
or FORMULA_WITHOUT_VALUE. A bad value raises ValueError whose message can be shown to the user as it is.
"""

import datetime
import re
import unicodedata

FORMULA_MESSAGE = "单元格是公式但没有保存计算结果，请在 Excel 中重新计算并保存，或粘贴为数值"


class _FormulaWithoutValue:
    """The type of FORMULA_WITHOUT_VALUE; there is only one."""

    def __repr__(self):
        return "<公式无缓存值>"

    def __reduce__(self):
        # Pickling and copying give back the one sentinel, so `is` checks keep working after a round trip.
        return "FORMULA_WITHOUT_VALUE"


# A cell holds a formula whose result was never calculated and saved (files written by programs, not by Excel).
FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()

# Characters NFKC leaves alone that nobody means to type: zero-width spaces and joiners, the BOM.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


def _clean(text):
    if not text.isascii():  # ASCII is already NFKC; most IDs and phone numbers skip the work
        text = unicodedata.normalize("NFKC", text)
        if _INVISIBLE.search(text):
            text = _INVISIBLE.sub("", text)
    # One space between words, none around them; NFKC has already turned \u3000 and \xa0 into plain spaces.
    return " ".join(text.split())


def normalize_text(value):
    """Cell value → the text a person would read: half-width, trimmed, single internal spaces.

    None → ""; 13805371234.0 → "13805371234"; date → "2024-01-31"; True → "是".
    """
    if value is None:
        return ""
    if isinstance(value, str):
        text = _clean(value)
        # Our exports put ' before text a spreadsheet would run as a formula (writer.safe_cell); take it off again.
        return text[1:] if len(text) > 1 and text[0] == "'" and text[1] in "=+-@" else text
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is FORMULA_WITHOUT_VALUE:
        raise ValueError(FORMULA_MESSAGE)
    return _clean(str(value))


_TRAILING_NOTE = re.compile(r"\([^()]*\)$")


def normalize_header(value):
    """Header cell → the name to match on: "*身份证号\n（必填）" → "身份证号"."""
    if value is FORMULA_WITHOUT_VALUE:
        return ""
    text = "".join(normalize_text(value).split())
    while True:
        shorter = text.strip("*")
        note = _TRAILING_NOTE.search(shorter)
        if note and note.start() > 0:  # "(备注)" alone stays a name
            shorter = shorter[: note.start()]
        if shorter == text:
            return text
        text = shorter


_EXCEL_EPOCH = datetime.date(1899, 12, 30)  # serial 0 once Excel's fictitious 1900-02-29 is accounted for
_LAST_SERIAL = 2958465  # 9999-12-31
_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # "2024-01-31 00:00:00" from other systems' exports
_DATE_PATTERNS = [
    re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})" + _TIME),
    re.compile(r"(\d{4})()年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})()(\d{2})(\d{2})"),
]


def _date(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise ValueError(f"日期 {year:04d}-{month:02d}-{day:02d} 不存在") from None


def _from_serial(serial):
    if serial < 60:
        return _EXCEL_EPOCH + datetime.timedelta(days=serial + 1)
    if serial == 60:  # Excel keeps Lotus 1-2-3's 29 February 1900
        raise ValueError("日期 1900-02-29 不存在")
    return _EXCEL_EPOCH + datetime.timedelta(days=serial)


def parse_date(value):
    """A date cell, an Excel serial number or text such as 2024/1/31, 2024年1月31日, 20240131 → date."""
    if value is FORMULA_WITHOUT_VALUE:
        raise ValueError(FORMULA_MESSAGE)
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 1 <= value < _LAST_SERIAL + 1:
        return _from_serial(int(value))
    text = normalize_text(value)  # a number 20240131 becomes the text "20240131"
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(text)
        if match:
            year, _separator, month, day = match.groups()
            return _date(int(year), int(month), int(day))
    raise ValueError(f"无法识别的日期“{text}”，请写成 2024-01-31 的形式")


def _key(value):
    return "".join(normalize_text(value).split()).casefold()


def _flat(choices):
    for value, label in choices:
        if isinstance(label, list | tuple):  # an option group
            yield from _flat(label)
        else:
            yield value, label


def parse_choice(value, choices, *, aliases=None):
    """Text → the value of the choice whose label (or value, or alias) it names.

    choices are Django's (value, label) pairs; aliases maps other spellings to a value: {"县直": "county"}.
    """
    if value is FORMULA_WITHOUT_VALUE:
        raise ValueError(FORMULA_MESSAGE)
    known, labels = _choice_index(choices, aliases)
    text = normalize_text(value)
    if _key(text) in known:
        return known[_key(text)]
    if not text:
        raise ValueError(f"没有填写，应为：{labels}")
    raise ValueError(f"“{text}”不是有效的选项，应为：{labels}")


# Imports call parse_choice for every row with the same few choice lists: index each list once.
# Keyed by id(); the cache holds the list itself, so an id is never reused while its entry lives.
_CHOICE_INDEXES = {}


def _choice_index(choices, aliases):
    entry = _CHOICE_INDEXES.get((id(choices), id(aliases)))
    if entry is not None and entry[0] is choices and entry[1] is aliases:
        return entry[2], entry[3]
    pairs = list(_flat(choices))
    known = {_key(alias): choice for alias, choice in (aliases or {}).items()}
    for choice, label in pairs:
        known[_key(choice)] = choice
        known[_key(str(label))] = choice  # labels win over aliases and values that look the same
    labels = "、".join(str(label) for _choice, label in pairs)
    if len(_CHOICE_INDEXES) < 256:  # callers passing fresh lists each time must not grow this without end
        _CHOICE_INDEXES[(id(choices), id(aliases))] = (choices, aliases, known, labels)
    return known, labels


_TRUE = {"是", "√", "✓", "✔", "y", "yes", "true", "1"}
_FALSE = {"否", "×", "✗", "✘", "n", "no", "false", "0"}


def parse_bool(value):
    """是/否, √/×, Y/N, yes/no, true/false, 1/0 → True/False; a blank cell is False."""
    if value is FORMULA_WITHOUT_VALUE:
        raise ValueError(FORMULA_MESSAGE)
    text = normalize_text(value).casefold()
    if text in _TRUE:
        return True
    if not text or text in _FALSE:
        return False
    raise ValueError(f"“{normalize_text(value)}”不是有效的是/否，请填写“是”或“否”")
